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
    # A group's members read it, and its roster, through the group ACL entry {id: [read]}
    # (Coder's `WithGroupACL`): `readers_group` names the column holding that group id.
    "groups": RbacMapping("group", id="id", org="organization_id", readers_group="id"),
    "group_members": RbacMapping(
        "group_member", id="group_id", org="organization_id", readers_group="group_id"
    ),
}
