"""authz: the RBAC policy engine — the one public face of the package.

    from authz import Action, Authorizer, Subject, resources

    subject = Subject(id=user_id, roles=("member", "chat-access", f"organization-member:{org}"))
    Authorizer().authorize(subject, Action.READ, resources.CHAT.with_owner(user_id).in_org(org))

Pure Python: it may build SQLAlchemy expressions (`PreparedAuthorizer.sql_filter`) but knows
no driver and no HTTP. The semantics are DESIGN.md's "Policy semantics" and "Model v2":
`allow = (role OR acl) AND scope`, implemented in `authz.tables` / `authz.engine` (compiled),
`authz.acl`, `authz.scopes`, and `authz.explain` (step by step). Custom organization roles
travel with the subject (`Subject(custom_roles=...)`, `authz.custom_roles`); the escalation
guard on defining and assigning them is `authz.escalation`.
"""

from authz import assignment, resources, roles, scopes
from authz.custom_roles import CustomRole, parse_permission
from authz.engine import (
    Authorizer,
    AuthorizerProtocol,
    PreparedAuthorizer,
    PreparedProtocol,
    is_allowed,
)
from authz.errors import (
    InvalidRoleError,
    NoActorError,
    NotAuthorizedError,
    RoleEscalationError,
    is_not_authorized_error,
)
from authz.escalation import (
    LackedPermission,
    authorize_role_change,
    check_may_grant_role,
    lacking_permission,
    may_grant_role,
)
from authz.explain import AclMatch, Explanation, Level, ScopeVerdict
from authz.objects import Object
from authz.permissions import Permission, Vote
from authz.registry import Action
from authz.roles import OrgPermissions, Role, RoleIdentifier
from authz.scopes import Scope
from authz.subjects import CHATD, SYSTEM_RESTRICTED, Subject, SubjectType

__all__ = [
    "CHATD",
    "SYSTEM_RESTRICTED",
    "AclMatch",
    "Action",
    "Authorizer",
    "AuthorizerProtocol",
    "CustomRole",
    "Explanation",
    "InvalidRoleError",
    "LackedPermission",
    "Level",
    "NoActorError",
    "NotAuthorizedError",
    "Object",
    "OrgPermissions",
    "Permission",
    "PreparedAuthorizer",
    "PreparedProtocol",
    "Role",
    "RoleEscalationError",
    "RoleIdentifier",
    "Scope",
    "ScopeVerdict",
    "Subject",
    "SubjectType",
    "Vote",
    "assignment",
    "authorize_role_change",
    "check_may_grant_role",
    "is_allowed",
    "is_not_authorized_error",
    "lacking_permission",
    "may_grant_role",
    "parse_permission",
    "resources",
    "roles",
    "scopes",
]
