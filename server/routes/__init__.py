"""The API's routers, one module per resource; `ROUTERS` is the order they are mounted in.

`/api/v2/chats/{chat_id}` would capture `/api/v2/chats/files` and friends, so the routers
under `/api/v2/chats/<word>` come before the chats router; likewise the custom roles router
(`/organizations/{org}/members/roles`) before the organizations one (`.../members/{user}`).
"""

from fastapi import APIRouter

from server.routes import (
    chat_acl,
    chats,
    cost,
    custom_roles,
    files,
    groups,
    keys,
    messages,
    model_configs,
    organizations,
    tokens,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (
    model_configs.router,
    files.router,
    cost.router,
    messages.router,
    chat_acl.router,
    chats.router,
    users.router,
    keys.router,
    tokens.router,
    custom_roles.router,
    groups.router,
    organizations.router,
)
