"""The escalation guard, property-tested (`authz.escalation`).

Sound: for a random actor (built-in roles, custom roles, inline roles, scopes, in the
universe's orgs), a random candidate custom role R of an org O and two holders H — a plain
member of O, and a random member of O (sometimes the actor itself): if the guard lets the
actor grant R, then for every object —
every (owner, org) shape of every type, plus random objects with ACLs and any-org questions —
and every action, each decision R *adds* to H is one the actor already had.

Necessary: if the guard refuses, the pair it names is one R would give some holder on an
object the actor may not touch — so the guard is exact for a role that may be assigned to
anyone, not merely safe.

Both outcomes are counted and must each occur often, so neither property holds vacuously.
"""

from __future__ import annotations

from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authz import (
    Authorizer,
    CustomRole,
    NotAuthorizedError,
    Object,
    Scope,
    Subject,
    lacking_permission,
)
from authz.registry import REGISTRY
from tests.authz.strategies import (
    GUARD_TYPES,
    ORGS,
    USERS,
    all_object_shapes,
    custom_role_definitions,
    objects,
    subjects,
)

AUTHORIZER = Authorizer()
EXAMPLES = 300
SHAPES = [obj for resource_type in REGISTRY if resource_type != "*" for obj in all_object_shapes(resource_type)]  # fmt: skip
FRESH_MEMBER = UUID(int=0x6000)
"""A user id nobody else in the universe has."""


def allows(subject: Subject, action: str, obj: Object) -> bool:
    try:
        AUTHORIZER.authorize(subject, action, obj)  # type: ignore[arg-type]
    except NotAuthorizedError:
        return False
    return True


def with_role(subject: Subject, role: CustomRole) -> Subject:
    """`subject` also holding `role` (its definition comes with it, as from the database)."""
    return Subject(
        id=subject.id,
        roles=(*subject.roles, role.identifier),
        groups=subject.groups,
        inline_roles=subject.inline_roles,
        scope=subject.scope,
        custom_roles=(*subject.custom_roles, role),
    )


@st.composite
def actors(draw: st.DrawFn, org: UUID) -> Subject:
    """Random subjects, usually members of `org`, often given a built-in role there (admin,
    user admin, auditor), an owner or chat-access, or a custom role of `org` — so that the
    guard passes often enough, and for actors whose own objects differ from others'."""
    base = draw(subjects())
    given = draw(
        st.sampled_from(
            [
                f"organization-admin:{org}",
                f"organization-admin:{org}",
                f"organization-user-admin:{org}",
                f"organization-auditor:{org}",
                "owner",
                None,
            ]
        )
    )
    extra = [] if given is None else [given]
    if draw(st.booleans()):
        extra.append("chat-access")  # own chats: not others' (the member-level question)
    if draw(st.integers(0, 3)):
        extra.append(f"organization-member:{org}")  # usually a member of the org it acts in
    definitions = list(base.custom_roles)
    if draw(st.booleans()):
        broad = draw(custom_role_definitions(org=org, name="broad", types=GUARD_TYPES))
        definitions.append(broad)
        extra.append(str(broad.identifier))
    return Subject(
        id=base.id,
        roles=(*base.roles, *extra),
        groups=base.groups,
        inline_roles=base.inline_roles,
        scope=base.scope,
        custom_roles=definitions,
    )


def candidates(org: UUID) -> st.SearchStrategy[CustomRole]:
    """A role of `org` to define or assign, over every type; no subject holds its name."""
    return custom_role_definitions(org=org, name="candidate", types=GUARD_TYPES, max_perms=2)


@st.composite
def holders(draw: st.DrawFn, org: UUID, actor: Subject) -> Subject:
    """A member of `org`: random roles plus `organization-member:<org>`, sometimes the actor;
    mostly unscoped (a narrowed scope hides most of what a role adds)."""
    base = actor if draw(st.integers(0, 5)) == 0 else draw(subjects())
    return Subject(
        id=base.id,
        roles=(*base.roles, f"organization-member:{org}"),
        groups=base.groups,
        inline_roles=base.inline_roles,
        scope=base.scope if draw(st.integers(0, 4)) == 0 else Scope.ALL,
        custom_roles=base.custom_roles,
    )


def test_the_guard_is_sound_and_necessary() -> None:
    outcomes = {"granted": 0, "refused": 0, "examples_adding": 0, "decisions_added": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        org=st.sampled_from(ORGS),
        data=st.data(),
        batch=st.lists(objects(), min_size=10, max_size=10),
    )
    def run(org: UUID, data: st.DataObject, batch: list[Object]) -> None:
        actor = data.draw(actors(org), label="actor")
        role = data.draw(candidates(org), label="role")
        lacking = lacking_permission(actor, role, AUTHORIZER)
        if lacking is None:
            outcomes["granted"] += bool(role.org or role.member)
            # A plain member of the org (another user than the actor), and a random holder.
            plain = Subject(
                id=next(u for u in USERS if u != actor.id),
                roles=("member", f"organization-member:{role.org_id}"),
            )
            added = 0
            for holder in (plain, data.draw(holders(role.org_id, actor), label="holder")):
                promoted = with_role(holder, role)
                for obj in [*SHAPES, *batch]:
                    for action in REGISTRY[obj.type]:
                        if allows(promoted, action, obj) and not allows(holder, action, obj):
                            added += 1
                            assert allows(actor, action, obj), (action, obj, holder)
            outcomes["examples_adding"] += added > 0
            outcomes["decisions_added"] += added
        else:
            outcomes["refused"] += 1
            # A member holding nothing but R gets the pair on an object the actor may not
            # touch: the subject's own object for a member-level pair, anybody's for org level.
            fresh = Subject(id=FRESH_MEMBER)
            owner = FRESH_MEMBER if lacking.level == "member" else None
            witness = Object(lacking.resource_type, None, owner, role.org_id)
            assert not allows(fresh, lacking.action, witness)
            assert allows(with_role(fresh, role), lacking.action, witness)
            assert not allows(actor, lacking.action, witness)

    run()
    print(f"escalation guard: {outcomes}")
    assert outcomes["granted"] >= EXAMPLES // 10, outcomes
    assert outcomes["refused"] >= EXAMPLES // 10, outcomes
    assert outcomes["examples_adding"] >= EXAMPLES // 10, outcomes
