"""The escalation guard: nobody may hand out, through a custom role, what it may not do itself.

**The rule.** Actor A may grant a custom role R of organization O — define it, change it,
delete it, assign it — only if, for every concrete `(type, action)` R grants (each permission
of `R.org` and of `R.member`, `*` expanded over the registry), A is allowed `action` on the
*probe* `Object(type).in_org(O)`: an object of that type in O with no id, no owner and no ACL.
Otherwise the refusal names the first pair A lacks (org level before member level, each list
in its stored order, wildcards in registry order).

**Why the probe means "on every object of that type in O".** A's member and user levels only
reach objects A owns; an object A does not own, without an ACL, is allowed only by A's site or
org level — and then every object of that type in O is, whoever owns it. An object without an
id passes A's scope only if the scope admits every object of the type. ACL entries never count:
a few objects shared with A do not justify granting all of them.

**Org level.** R lets its holder do `action` on every object of the type in O, so A must be
able to as well.

**Member level.** R lets its holder do `action` on *the holder's own* objects of the type in O.
A role can be assigned to any member, and for any holder but A those are objects A does not
own — so a member-level pair demands exactly what an org-level pair does: A's authority over
other members' objects in O. (Self-assignment is not special-cased: stricter than needed
there, but the verdict on a role then never depends on who will hold it.)

Consequently, for any member H of O and any object, every decision that R *adds* to H is one
A already had (property-tested in `tests/authz/test_escalation_properties.py`), and the rule
is also necessary: a refused pair is one R would give a fresh member on an object A may not
touch. `authorize_role_change` is the whole decision for an API call: the matching action on
`assign_org_role` in O, then this guard — for create, update (old and new definition: a role
you could not create you may not change either), delete and assign; unassign needs only the
action (taking a role away escalates nothing). This is stricter than Coder, which applies the
guard at creation only.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from authz.custom_roles import CustomRole
from authz.engine import AuthorizerProtocol, is_allowed
from authz.errors import InvalidRoleError, RoleEscalationError
from authz.objects import Object
from authz.permissions import Permission
from authz.registry import Action
from authz.resources import ASSIGN_ORG_ROLE
from authz.subjects import Subject

__all__ = [
    "ROLE_CHANGE_ACTIONS",
    "LackedPermission",
    "authorize_role_change",
    "check_may_grant_role",
    "lacking_permission",
    "may_grant_role",
]

ROLE_CHANGE_ACTIONS = frozenset(
    {Action.CREATE, Action.UPDATE, Action.DELETE, Action.ASSIGN, Action.UNASSIGN}
)
"""What `authorize_role_change` decides; each is also the action checked on `assign_org_role`."""
_GUARDED = frozenset({Action.CREATE, Action.UPDATE, Action.DELETE, Action.ASSIGN})


@dataclass(frozen=True, slots=True)
class LackedPermission:
    """A pair a custom role grants that the actor may not do on every object of it in the org."""

    level: str
    """"org" or "member": where the role grants it."""
    resource_type: str
    action: Action
    granted_by: Permission
    """The role's permission as written (maybe a wildcard) that covers the pair."""
    org_id: UUID

    def __str__(self) -> str:
        pair = f"{self.resource_type}:{self.action.value}"
        written = f"{self.granted_by.resource_type}:{self.granted_by.action.value}"
        source = "" if written == pair else f", from {written}"
        return f"{pair} ({self.level} level{source})"


def lacking_permission(
    actor: Subject, role: CustomRole, authorizer: AuthorizerProtocol
) -> LackedPermission | None:
    """The first pair `role` grants that `actor` lacks on the probe (see the module
    docstring), or None when `actor` may grant `role`. Pure: asks `authorizer` only."""
    verdicts: dict[tuple[str, Action], bool] = {}
    for level, (resource_type, action), perm in role.granted_pairs():
        pair = (resource_type, action)
        allowed = verdicts.get(pair)
        if allowed is None:
            probe = Object(resource_type).in_org(role.org_id)
            allowed = verdicts[pair] = is_allowed(authorizer, actor, action, probe)
        if not allowed:
            return LackedPermission(level, resource_type, action, perm, role.org_id)
    return None


def may_grant_role(actor: Subject, role: CustomRole, authorizer: AuthorizerProtocol) -> bool:
    """True if the guard lets `actor` define, change, delete or assign `role` (e.g. for an
    `assignable` flag in a role listing; the `assign_org_role` action is checked separately)."""
    return lacking_permission(actor, role, authorizer) is None


def check_may_grant_role(actor: Subject, role: CustomRole, authorizer: AuthorizerProtocol) -> None:
    """Return if the guard passes; raise `RoleEscalationError` naming the first lacking pair."""
    lacking = lacking_permission(actor, role, authorizer)
    if lacking is None:
        return
    raise RoleEscalationError(
        subject_id=actor.id,
        role=str(role.identifier),
        lacking=str(lacking),
        public=(
            f"role {role.name!r} would grant {lacking} in organization {role.org_id}, "
            f"which you may not do on every {lacking.resource_type} there"
        ),
    )


def authorize_role_change(
    actor: Subject,
    action: Action,
    role: CustomRole,
    authorizer: AuthorizerProtocol,
    *,
    previous: CustomRole | None = None,
) -> None:
    """The complete decision on a custom-role request; raises `NotAuthorizedError` (vague:
    the action on `assign_org_role` in the role's org is missing) or `RoleEscalationError`.

    `action`: CREATE, UPDATE (pass the stored definition as `previous`; the org and name stay),
    DELETE, ASSIGN or UNASSIGN (the role being assigned to, or taken from, a member).
    """
    if action not in ROLE_CHANGE_ACTIONS:
        raise ValueError(f"not a role change: {action!r}; use one of {sorted(ROLE_CHANGE_ACTIONS)}")
    action = Action(action)
    if (action is Action.UPDATE) is (previous is None):
        raise ValueError("pass `previous` (the stored definition) exactly when updating")
    if previous is not None and previous.key != role.key:
        raise InvalidRoleError(
            f"an update keeps the role's organization and name: {previous.identifier} "
            f"cannot become {role.identifier}"
        )
    authorizer.authorize(actor, action, ASSIGN_ORG_ROLE.in_org(role.org_id))
    if action in _GUARDED:
        check_may_grant_role(actor, role, authorizer)
    if previous is not None:
        check_may_grant_role(actor, previous, authorizer)
