"""The resource registry as ready-made `Object` values (like Coder's `ResourceChat`).

`REGISTRY` (type -> actions) is the single source of truth, defined in `authz.registry` and
re-exported here; each constant below is a bare object of one registered type, to be narrowed
with `with_id` / `with_owner` / `in_org`.
"""

from __future__ import annotations

from authz.objects import IdLike, Object
from authz.registry import CONCRETE_PAIRS, CONCRETE_TYPES, REGISTRY, WILDCARD, Action

__all__ = [
    "API_KEY",
    "ASSIGN_ORG_ROLE",
    "ASSIGN_ROLE",
    "CHAT",
    "CHAT_MODEL_CONFIG",
    "CONCRETE_PAIRS",
    "CONCRETE_TYPES",
    "DEPLOYMENT_CONFIG",
    "GROUP",
    "GROUP_MEMBER",
    "ORGANIZATION",
    "ORGANIZATION_MEMBER",
    "REGISTRY",
    "SYSTEM",
    "USER",
    "WILDCARD",
    "Action",
    "user_object",
]

USER = Object("user")
ORGANIZATION = Object("organization")
ORGANIZATION_MEMBER = Object("organization_member")
CHAT = Object("chat")
"""A chat; its messages and files are authorized as their parent chat."""
CHAT_MODEL_CONFIG = Object("chat_model_config")
API_KEY = Object("api_key")
ASSIGN_ROLE = Object("assign_role")
"""Assigning site roles (site level only: it never has an org)."""
ASSIGN_ORG_ROLE = Object("assign_org_role")
"""Assigning org roles; always checked `.in_org(org)`."""
DEPLOYMENT_CONFIG = Object("deployment_config")
GROUP = Object("group")
"""A group of an organization; its own members read it through a group ACL entry
(`querier.dbauthz.group_objects`)."""
GROUP_MEMBER = Object("group_member")
"""A group's roster: read it, add to it (`create`), remove from it (`delete`)."""
SYSTEM = Object("system")
"""Catch-all for internal-only queries, so they are explicit and auditable."""


def user_object(user_id: IdLike) -> Object:
    """A user as an object: it owns itself, which is how `read_personal` reaches it."""
    return USER.with_id(user_id).with_owner(user_id)
