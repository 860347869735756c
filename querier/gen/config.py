"""What the generator needs to know beyond the SQL: how table rows map to authz objects."""

from __future__ import annotations

from querier.gen.render import RbacMapping

RBAC_MAPPINGS: dict[str, RbacMapping] = {
    "chats": RbacMapping(
        "chat",
        id="id",
        owner="owner_id",
        org="organization_id",
        user_acl="user_acl",
        group_acl="group_acl",
    ),
    # Chat files are authorized as chats of their owner (there is no file resource).
    "chat_files": RbacMapping("chat", owner="owner_id", org="organization_id"),
    "users": RbacMapping("user", id="id", owner="id"),
    "organizations": RbacMapping("organization", id="id", org="id"),
    "organization_members": RbacMapping(
        "organization_member", id="user_id", owner="user_id", org="organization_id"
    ),
    "chat_model_configs": RbacMapping("chat_model_config", id="id"),
    "api_keys": RbacMapping("api_key", owner="user_id"),
}
