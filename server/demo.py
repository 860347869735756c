"""`dbauthz serve --demo`: a small world to try the API with, and a fresh token per user.

Seeding runs as the restricted system actor through the authorizing querier, like every other
operator path (the assistant replies, with their token counts and cost, as `chatd`: only it
records usage).

It only ever writes into a database it may own: an empty one (no users, organizations or model
configs), which it marks as seeded (`demo_seeds`), or one carrying that mark. Anything else is
refused with `DemoRefusedError` before a single write. On a marked database it is idempotent:
demo users (found by their `@demo.example` email only), the default organization, model configs
and chats are reused; only the tokens are new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from authz import AuthorizerProtocol
from querier.dbauthz import AuthzQuerier, as_chatd, as_system_restricted
from querier.errors import NotFoundError
from querier.generated.models import (
    Chat,
    ChatMessageRole,
    ChatModelConfig,
    ChatStatus,
    Organization,
    User,
    UserStatus,
)
from querier.generated.sql import SqlQuerier
from server.tokens import mint_token

DEMO_ORG = "demo"
DEMO_EMAIL_DOMAIN = "demo.example"


@dataclass(frozen=True, slots=True)
class DemoUserSpec:
    username: str
    site_roles: tuple[str, ...]
    org_roles: tuple[str, ...]
    description: str


DEMO_USERS = (
    DemoUserSpec("owner", ("owner",), (), "site owner: may do anything"),
    DemoUserSpec("useradmin", ("user-admin",), (), "user admin: manages users and site roles"),
    DemoUserSpec("member", (), (), "plain member, no chat-access: sees no chats"),
    DemoUserSpec("alice", ("chat-access",), (), "chat-access: works on her own chats"),
    DemoUserSpec("orgadmin", (), ("organization-admin",), "admin of the demo organization"),
)


class DemoRefusedError(Exception):
    """The database holds data that `serve --demo` did not seed: it writes nothing there."""


REFUSED = (
    "refusing to seed demo data: this database holds users, organizations or model configs "
    "that `serve --demo` did not create; use an empty database (e.g. another DBAUTHZ_DATA_DIR "
    "or DATABASE_URL)"
)


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    description: str
    token: str


@dataclass(frozen=True, slots=True)
class DemoWorld:
    organization: Organization
    users: tuple[DemoUser, ...]


def seed_demo(
    engine: Engine, authorizer: AuthorizerProtocol, token_lifetime: timedelta
) -> DemoWorld:
    with engine.begin() as conn, as_system_restricted():
        q = AuthzQuerier(SqlQuerier(conn), authorizer)
        _claim(q)
        org = _organization(q)
        users: dict[str, User] = {}
        for spec in DEMO_USERS:
            users[spec.username] = _user(q, spec, org)
        configs = _model_configs(q)
        _chats(q, users["alice"], org, configs)
        tokens = tuple(
            DemoUser(
                username=spec.username,
                description=spec.description,
                token=str(mint_token(q, users[spec.username].id, token_lifetime)[0]),
            )
            for spec in DEMO_USERS
        )
    return DemoWorld(organization=org, users=tokens)


def _claim(q: AuthzQuerier) -> None:
    """Go on only in a database this demo seeded before, or an empty one (then mark it)."""
    try:
        q.get_demo_seed()
        return
    except NotFoundError:
        pass
    present = q.get_data_presence()
    if present.has_users or present.has_organizations or present.has_model_configs:
        raise DemoRefusedError(REFUSED)
    q.insert_demo_seed()


def _organization(q: AuthzQuerier) -> Organization:
    try:
        return q.get_default_organization()
    except NotFoundError:
        return q.insert_organization(
            id=uuid.uuid4(), name=DEMO_ORG, display_name="Demo", is_default=True
        )


def _user(q: AuthzQuerier, spec: DemoUserSpec, org: Organization) -> User:
    email = f"{spec.username}@{DEMO_EMAIL_DOMAIN}"
    try:
        # By email only: a user someone created later under a demo username is not a demo user.
        user = q.get_user_by_email_or_username(email=email, username=email)
    except NotFoundError:
        user = q.insert_user(
            id=uuid.uuid4(),
            email=email,
            username=spec.username,
            rbac_roles=spec.site_roles,
            status=UserStatus.ACTIVE,
        )
    try:
        q.get_organization_member(organization_id=org.id, user_id=user.id)
    except NotFoundError:
        q.insert_organization_member(user_id=user.id, organization_id=org.id, roles=spec.org_roles)
    return user


def _model_configs(q: AuthzQuerier) -> list[ChatModelConfig]:
    existing = q.get_chat_model_configs(enabled_only=True)
    if existing:
        return existing
    return [
        q.insert_chat_model_config(
            id=uuid.uuid4(),
            provider="acme",
            model=model,
            display_name=display,
            enabled=True,
            is_default=is_default,
            context_limit=limit,
        )
        for model, display, is_default, limit in (
            ("acme-large", "Acme Large", True, 200_000),
            ("acme-small", "Acme Small", False, 32_000),
        )
    ]


def _chats(q: AuthzQuerier, owner: User, org: Organization, configs: list[ChatModelConfig]) -> None:
    if q.get_chats(owner_id=owner.id, page_limit=1):
        return
    plans = (
        ("Plan the launch", org, [(configs[0], 1200, 800, 5400), (configs[-1], 300, 150, 210)]),
        ("Personal notes", None, [(configs[-1], 500, 400, 360)]),
    )
    for title, in_org, replies in plans:
        chat = q.insert_chat(
            id=uuid.uuid4(),
            owner_id=owner.id,
            organization_id=in_org.id if in_org else None,
            title=title,
            status=ChatStatus.COMPLETED,
            last_model_config_id=configs[0].id,
        )
        for config, input_tokens, output_tokens, cost in replies:
            _exchange(q, chat, owner, config, input_tokens, output_tokens, cost)


def _exchange(
    q: AuthzQuerier,
    chat: Chat,
    owner: User,
    config: ChatModelConfig,
    input_tokens: int,
    output_tokens: int,
    cost_micros: int,
) -> None:
    q.insert_chat_message(
        chat_id=chat.id,
        created_by=owner.id,
        role=ChatMessageRole.USER,
        content={"text": f"Help me with: {chat.title.lower()}"},
        input_tokens=0,
        output_tokens=0,
        total_cost_micros=0,
    )
    with as_chatd():  # usage is recorded by the system that ran the model, nobody else
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.ASSISTANT,
            content={"text": f"Here is a plan ({config.display_name})."},
            model_config_id=config.id,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_cost_micros=cost_micros,
        )
