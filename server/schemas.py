"""Request and response bodies.

Request strings refuse what PostgreSQL would refuse later (NUL characters, lone surrogates) and
numbers are bounded to their columns, so bad input is a 422 here rather than a driver error.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Any, Self, cast
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from querier.generated.models import (
    ApiKey,
    ChatFile,
    ChatMessageRole,
    ChatStatus,
    UserStatus,
)
from server.validation import (  # emails, usernames and org names: bounded there
    EMAIL_RULE,
    ORG_NAME_RULE,
    USERNAME_RULE,
    check_email,
    check_org_name,
    check_username,
)

MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
MAX_JSON_DEPTH = 32

# Every stored text field the API accepts is bounded, here and nowhere else. With the page
# sizes (at most 100 rows) these bound every list response; the README states the worst case.
MAX_TITLE_CHARS = 200
MAX_NAME_CHARS = 128
MAX_DISPLAY_NAME_CHARS = 128
MAX_ROLE_NAME_CHARS = 64
MAX_ROLES = 32
MAX_FILE_NAME_CHARS = 255
MAX_MESSAGE_CONTENT_BYTES = 128 * 1024
"""A message's `content`, measured as compact UTF-8 JSON (what is stored and sent back)."""


def _storable_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode") from None
    return value


def _storable_json(value: Any, depth: int = 0) -> Any:
    """What jsonb accepts: no NUL in strings, finite numbers, bounded nesting."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        _storable_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable_text(key)
            _storable_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable_json(item, depth + 1)
    return value


def _bounded_content(value: Any) -> Any:
    """Refuse content whose stored form would exceed `MAX_MESSAGE_CONTENT_BYTES`."""
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_MESSAGE_CONTENT_BYTES:
        raise ValueError(
            f"content is {size} bytes as JSON; the limit is {MAX_MESSAGE_CONTENT_BYTES} bytes"
        )
    return value


# Length first, on the plain string: pydantic then reports "at most N characters".
Storable = AfterValidator(_storable_text)
Text = Annotated[str, Storable]
Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE_CHARS), Storable]
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS), Storable]
DisplayName = Annotated[str, StringConstraints(max_length=MAX_DISPLAY_NAME_CHARS), Storable]
RoleName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ROLE_NAME_CHARS), Storable]
RoleNames = Annotated[list[RoleName], Field(max_length=MAX_ROLES)]
# One rule each, shared with the CLI (server.validation): same acceptance, same message.
Email = Annotated[Text, AfterValidator(check_email), Field(description=f"Email: {EMAIL_RULE}.")]
Username = Annotated[Text, AfterValidator(check_username), Field(description=USERNAME_RULE)]
OrgName = Annotated[Text, AfterValidator(check_org_name), Field(description=ORG_NAME_RULE)]
Count = Annotated[int, Field(ge=0, le=MAX_BIGINT)]
JsonContent = Annotated[Any, AfterValidator(_storable_json), AfterValidator(_bounded_content)]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: object) -> Self:
        """From a querier row, read by attribute (the fields name the columns shown)."""
        return cls.model_validate(row)


# --- chats ---------------------------------------------------------------------------------------


class ChatCreateRequest(RequestBody):
    title: Title = "New chat"
    organization_id: UUID | None = None
    model_config_id: UUID | None = Field(
        default=None, description="Defaults to the default model config, if there is one."
    )


class ChatUpdateRequest(RequestBody):
    title: Title | None = None
    status: ChatStatus | None = None
    archived: bool | None = None


class ChatResponse(ResponseBody):
    id: UUID
    owner_id: UUID
    organization_id: UUID | None
    title: str
    status: ChatStatus
    last_model_config_id: UUID | None
    archived: bool
    created_at: datetime
    updated_at: datetime


USAGE_FIELDS = ("input_tokens", "output_tokens", "total_cost_micros")
USAGE_REFUSED = (
    "token counts and cost are recorded by the system that ran the model; clients cannot set "
    "them (input_tokens, output_tokens, total_cost_micros)"
)


class MessageCreateRequest(RequestBody):
    """A client's message. Usage fields are refused with a 422 that says why (not ignored)."""

    role: ChatMessageRole = ChatMessageRole.USER
    content: JsonContent
    model_config_id: UUID | None = Field(
        default=None, description="A model config the caller may read (else 404, as if missing)."
    )

    @model_validator(mode="before")
    @classmethod
    def _no_usage(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(key in data for key in USAGE_FIELDS):
            raise ValueError(USAGE_REFUSED)
        return data


class MessageResponse(ResponseBody):
    id: int
    chat_id: UUID
    created_by: UUID | None
    role: ChatMessageRole
    content: Any
    model_config_id: UUID | None
    input_tokens: int
    output_tokens: int
    total_cost_micros: int
    created_at: datetime


# --- cost ----------------------------------------------------------------------------------------


class CostPerModel(ResponseBody):
    model_config_id: UUID | None
    provider: str
    model: str
    display_name: str
    total_cost_micros: int
    total_input_tokens: int
    total_output_tokens: int
    message_count: int


class CostPerChat(ResponseBody):
    chat_id: UUID
    title: str
    total_cost_micros: int
    total_input_tokens: int
    total_output_tokens: int
    message_count: int


class CostSummaryResponse(BaseModel):
    user_id: UUID
    start_date: datetime
    end_date: datetime
    total_cost_micros: int
    total_input_tokens: int
    total_output_tokens: int
    message_count: int
    by_model: list[CostPerModel]
    by_chat: list[CostPerChat]


# --- model configs -------------------------------------------------------------------------------


class ModelConfigCreateRequest(RequestBody):
    provider: Name
    model: Name
    display_name: DisplayName = ""
    enabled: bool = True
    is_default: bool = False
    context_limit: Annotated[int, Field(gt=0, le=MAX_INT)]


class ModelConfigUpdateRequest(RequestBody):
    display_name: DisplayName | None = None
    enabled: bool | None = None
    is_default: bool | None = None
    context_limit: Annotated[int, Field(gt=0, le=MAX_INT)] | None = None


class ModelConfigResponse(ResponseBody):
    id: UUID
    provider: str
    model: str
    display_name: str
    enabled: bool
    is_default: bool
    context_limit: int
    created_at: datetime
    updated_at: datetime


# --- files ---------------------------------------------------------------------------------------


class ChatFileResponse(BaseModel):
    id: UUID
    owner_id: UUID
    organization_id: UUID | None
    name: str
    mimetype: str
    size: int
    created_at: datetime

    @classmethod
    def of(cls, row: ChatFile) -> Self:
        return cls(
            id=row.id,
            owner_id=row.owner_id,
            organization_id=row.organization_id,
            name=row.name,
            mimetype=row.mimetype,
            size=len(row.data),
            created_at=row.created_at,
        )


# --- users, roles, organizations -----------------------------------------------------------------


class RoleResponse(BaseModel):
    name: str
    display_name: str
    assignable: bool = Field(description="Whether the caller may assign (and unassign) this role.")


class RolesUpdateRequest(RequestBody):
    roles: RoleNames


class UserCreateRequest(RequestBody):
    email: Email
    username: Username
    roles: RoleNames = []


class UserResponse(ResponseBody):
    id: UUID
    email: str
    username: str
    roles: list[str] = Field(
        validation_alias="rbac_roles",
        description="Site roles as stored (the implied `member` is not).",
    )
    status: UserStatus
    created_at: datetime


class OrganizationCreateRequest(RequestBody):
    name: OrgName
    display_name: DisplayName = ""


class OrganizationResponse(ResponseBody):
    id: UUID
    name: str
    display_name: str
    is_default: bool
    created_at: datetime


class MemberResponse(ResponseBody):
    user_id: UUID
    organization_id: UUID
    roles: list[str] = Field(description="Org roles as stored (`organization-member` is implied).")
    created_at: datetime


# --- API keys ------------------------------------------------------------------------------------


MAX_SCOPE_TEXT_CHARS = 64
"""A scope name, an allow-list type or id: bounded here (422); their meaning is checked by the
data layer (`authz.token_scopes`: 400 naming what is unknown)."""
ScopeText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_SCOPE_TEXT_CHARS), Storable
]


class AllowListEntry(RequestBody):
    """One object (or every object of a type, or everything) a token may reach."""

    type: ScopeText = Field(description="A resource type (`chat`, `user`, …) or `*`.")
    id: ScopeText = Field(description="The object's id (a UUID), or `*` for every one.")

    @classmethod
    def parse(cls, stored: str) -> AllowListEntry:
        """From the stored `type:id` form."""
        resource_type, _, ident = stored.partition(":")
        return cls.model_construct(type=resource_type, id=ident)  # as stored, never refused

    def stored(self) -> str:
        return f"{self.type}:{self.id}"


class ApiKeyResponse(ResponseBody):
    """A key's metadata. Never its secret (not stored) or its hash."""

    id: str
    user_id: UUID
    created_at: datetime
    expires_at: datetime
    last_used: datetime
    scopes: list[str] = Field(description='Scope names; `["all"]` restricts nothing.')
    allow_list: list[AllowListEntry] = Field(
        description='What the token may reach; `[{"type": "*", "id": "*"}]`: anything.'
    )

    @classmethod
    def of(cls, row: object) -> Self:
        key = cast(ApiKey, row)
        return cls(
            id=key.id,
            user_id=key.user_id,
            created_at=key.created_at,
            expires_at=key.expires_at,
            last_used=key.last_used,
            scopes=list(key.scopes),
            allow_list=[AllowListEntry.parse(text) for text in key.allow_list],
        )


# --- chat sharing (ACLs) -------------------------------------------------------------------------


class ChatACLUpdateRequest(RequestBody):
    """`PATCH /api/v2/chats/{chat}/acl` (Coder's shape): roles by user id and by group id.

    Only `read` can be granted; `""` removes. Ids are validated by the data layer (400 for an
    unknown id and for one outside the chat's organization alike)."""

    user_roles: dict[UUID, str] = Field(default_factory=dict)
    group_roles: dict[UUID, str] = Field(default_factory=dict)


class ChatACLUser(BaseModel):
    id: UUID
    username: str
    role: str = Field(description="`read`: the only role a chat ACL grants.")


class ChatACLGroup(BaseModel):
    id: UUID = Field(description="The group id; the organization's id for its Everyone group.")
    name: str
    display_name: str
    role: str = Field(description="`read`: the only role a chat ACL grants.")


class ChatACLResponse(BaseModel):
    """Who a chat is shared with (entries naming nobody any more are not shown)."""

    users: list[ChatACLUser]
    groups: list[ChatACLGroup]
