"""CLI: `chats acl CHAT`, `chats share CHAT TARGET`, `chats unshare CHAT TARGET`.

Read-only chat sharing from the command line, as the restricted system actor through the same
authorizing querier as the API: the same rules (only `read`; a target must be a member / a
group of the chat's organization, or any user for a personal chat; never the chat's owner),
the same locked re-read, and the kill switch (`DBAUTHZ_DISABLE_CHAT_SHARING`) refuses changes
here too. TARGET is a user (id, username or email), or with `--group` a group of the chat's
organization by name or id, or `everyone` (its Everyone group). Registered on the app by
`server.cli`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from querier.dbauthz import AuthzQuerier
from querier.dbauthz.chat_acl import READ_ROLE, REMOVE_ROLE, InvalidShareError
from querier.errors import NotFoundError
from querier.generated.models import Chat
from server.cli import PLAIN_HELP, app, fail, parse_uuid, resolve_user, system_querier
from server.cli_format import table

chats_app = typer.Typer(
    help="Chats: who a chat is shared with; share and unshare it (read-only).",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
app.add_typer(chats_app, name="chats")

ChatArg = Annotated[str, typer.Argument(help="The chat's id.")]
TargetArg = Annotated[
    str,
    typer.Argument(
        help="A user (id, username or email); with --group a group of the chat's organization "
        "(name or id) or `everyone`."
    ),
]
GroupOpt = Annotated[bool, typer.Option("--group", help="TARGET is a group.")]
EVERYONE = "everyone"


def _chat(q: AuthzQuerier, ref: str) -> Chat:
    try:
        return q.get_chat(id=parse_uuid(ref, "CHAT"))
    except NotFoundError:
        raise fail(f"no chat {ref}") from None


def _target(q: AuthzQuerier, chat: Chat, ref: str, group: bool) -> tuple[str, UUID]:
    if not group:
        return "user", resolve_user(q, ref).id
    if ref.lower() == EVERYONE:
        if chat.organization_id is None:
            raise fail("a personal chat has no Everyone group (share it with users)")
        return "group", chat.organization_id
    try:
        return "group", UUID(ref)  # any id: the data layer's target check decides, as for the API
    except ValueError:
        pass
    if chat.organization_id is None:
        raise fail("a personal chat cannot be shared with a group (share it with users)")
    named = [
        g
        for g in q.get_groups_by_organization(organization_id=chat.organization_id)
        if g.name == ref
    ]
    if not named:
        raise fail(f"no group {ref!r} in the chat's organization")
    return "group", named[0].id


def _change(chat_ref: str, target: str, group: bool, role: str) -> None:
    with system_querier() as q:
        chat = _chat(q, chat_ref)
        kind, ident = _target(q, chat, target, group)
        roles = {ident: role}
        try:
            q.change_chat_acl(
                id=chat.id,
                user_roles=roles if kind == "user" else {},
                group_roles=roles if kind == "group" else {},
            )
        except InvalidShareError as exc:
            raise fail(str(exc)) from None
    verb = "shared" if role == READ_ROLE else "unshared"
    typer.echo(f"{verb} chat {chat.id} {'with' if role else 'from'} {kind} {ident}")


@chats_app.command("share")
def chats_share(chat: ChatArg, target: TargetArg, group: GroupOpt = False) -> None:
    """Let TARGET read CHAT and its messages (nothing else)."""
    _change(chat, target, group, READ_ROLE)


@chats_app.command("unshare")
def chats_unshare(chat: ChatArg, target: TargetArg, group: GroupOpt = False) -> None:
    """Remove TARGET's entry from CHAT's ACL."""
    _change(chat, target, group, REMOVE_ROLE)


@chats_app.command("acl")
def chats_acl(chat: ChatArg) -> None:
    """Who CHAT is shared with: kind, id, name, role."""
    with system_querier() as q:
        found = _chat(q, chat)
        rows = q.get_chat_acl(chat_id=found.id)
    typer.echo(
        table(
            ("KIND", "ID", "NAME", "ROLE"),
            [
                (
                    r.kind or "",
                    str(r.id),
                    r.name or "",
                    READ_ROLE if READ_ROLE in (r.actions or ()) else "",
                )
                for r in rows
            ],
        )
    )
