"""Model v2 properties, for every subject, action and object Hypothesis draws:

(a) a scope never widens: allowed with a scope => allowed with `Scope.ALL`;
(b) removing an ACL entry never widens;
(c) leaving an org removes every ACL-based access inside it: after leaving, an object in that
    org is decided exactly as if it had no ACL.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authz import Authorizer, NotAuthorizedError, Object, Scope, Subject
from authz.registry import REGISTRY
from tests.authz.strategies import ORGS, objects, subjects

AUTHORIZER = Authorizer()


def allows(subject: Subject, action: str, obj: Object) -> bool:
    try:
        AUTHORIZER.authorize(subject, action, obj)  # type: ignore[arg-type]
    except NotAuthorizedError:
        return False
    return True


def _with(subject: Subject, **changes: object) -> Subject:
    fields: dict[str, object] = {
        "id": subject.id,
        "roles": subject.roles,
        "groups": subject.groups,
        "inline_roles": subject.inline_roles,
        "scope": subject.scope,
        "custom_roles": subject.custom_roles,
    }
    fields.update(changes)
    return Subject(**fields)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=subjects(), batch=st.lists(objects(), min_size=10, max_size=10))
def test_a_scope_never_widens(subject: Subject, batch: list[Object]) -> None:
    unscoped = _with(subject, scope=Scope.ALL)
    for obj in batch:
        for action in REGISTRY[obj.type]:
            if allows(subject, action, obj):
                assert allows(unscoped, action, obj), (action, obj)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=subjects(), batch=st.lists(objects(), min_size=10, max_size=10), data=st.data())
def test_removing_an_acl_entry_never_widens(
    subject: Subject, batch: list[Object], data: st.DataObject
) -> None:
    for obj in batch:
        entries = [("users", k) for k in obj.acl_users] + [("groups", k) for k in obj.acl_groups]
        if not entries:
            continue
        kind, key = data.draw(st.sampled_from(entries))
        users = {k: v for k, v in obj.acl_users.items() if (kind, k) != ("users", key)}
        groups = {k: v for k, v in obj.acl_groups.items() if (kind, k) != ("groups", key)}
        narrower = obj.with_acl(users=users, groups=groups)
        for action in REGISTRY[obj.type]:
            if allows(subject, action, narrower):
                assert allows(subject, action, obj), (action, obj, kind, key)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=subjects(),
    org=st.sampled_from(ORGS),
    batch=st.lists(objects(any_org=False), min_size=10, max_size=10),
)
def test_leaving_an_org_removes_acl_access_inside_it(
    subject: Subject, org: object, batch: list[Object]
) -> None:
    left = _with(subject, roles=[r for r in subject.roles if r.org_id != org])
    inline = tuple(r for r in subject.inline_roles if org not in r.by_org)
    left = _with(left, inline_roles=inline)
    for obj in batch:
        inside = obj.in_org(org)  # type: ignore[arg-type]
        without_acl = inside.with_acl()
        for action in REGISTRY[obj.type]:
            assert allows(left, action, inside) is allows(left, action, without_acl), (
                action,
                inside,
            )
