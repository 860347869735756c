"""Chat files: upload (bounded in size) and download."""

from __future__ import annotations

import re
import uuid
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile

from authz import Action
from server.context import Ctx, chat_object
from server.errors import read_or_404
from server.schemas import MAX_FILE_NAME_CHARS, ChatFileResponse

UPLOAD_PATH = "/api/v2/chats/files"
"""The one path that takes a multipart body (and the upload size limit): see `server.gate`."""

router = APIRouter(prefix=UPLOAD_PATH, tags=["files"])

DEFAULT_MIMETYPE = "application/octet-stream"
_MIMETYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
)


@router.post(
    "",
    status_code=201,
    responses={
        403: {"description": "The caller may not create chat files (there)."},
        413: {"description": "The file is larger than the server's limit."},
    },
)
async def upload_file(
    ctx: Ctx,
    file: Annotated[UploadFile, File(description="The file's bytes.")],
    organization_id: Annotated[UUID | None, Form()] = None,
) -> ChatFileResponse:
    """Store a file owned by the caller (checked before the upload is read)."""
    ctx.authorize(Action.CREATE, chat_object(ctx.subject.id, organization_id))
    limit = ctx.settings.max_file_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"File too large: the limit is {limit} bytes.")
    async with ctx.statements() as q:
        row = await q.insert_chat_file(
            id=uuid.uuid4(),
            owner_id=ctx.subject.id,
            organization_id=organization_id,
            name=_clean_name(file.filename),
            mimetype=_clean_mimetype(file.content_type),
            data=data,
        )
    return ChatFileResponse.of(row)


@router.get(
    "/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The bytes."}},
)
async def download_file(ctx: Ctx, file_id: UUID) -> Response:
    async with ctx.statements() as q:
        row = await read_or_404(q.get_chat_file(id=file_id))
    return Response(
        content=row.data,
        media_type=row.mimetype,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _clean_name(name: str | None) -> str:
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    cleaned = cleaned.encode("utf-8", "ignore").decode("utf-8")[:MAX_FILE_NAME_CHARS]
    return cleaned or "upload"


def _clean_mimetype(mimetype: str | None) -> str:
    """Only a plain `type/subtype` is stored: it is replayed as a response header later."""
    base = (mimetype or "").split(";", 1)[0].strip().lower()
    return base if _MIMETYPE.fullmatch(base) else DEFAULT_MIMETYPE
