"""Benchmark the policy engine: warm checks, first checks of new role sets, prepared filters.

Run: `uv run python bench/bench_authz.py`. Each figure is printed beside a floor measured in
the same run — a function with `authorize`'s signature that only tests `(type, action)`
against a precomputed frozenset — so results compare across machines as ratios. Targets (not
asserted; this is a benchmark, not a test): warm authorize without an ACL <= 2x the floor;
with an ACL (role path allows, or role path denies and the ACL allows) or a narrowed scope
<= 3x; first check of a new (role set, scope) <= 200 us; cached prepare + sql_filter <= 20 us.
Custom organization roles: warm check with a custom role <= 2x the floor; first check after a
definition change (same role, new version: a compile) <= 200 us. "Per request" figures build
the subject (and its custom role definitions, from strings as the database returns them) for
every check, so they include the cache lookup a new subject costs.
"""

from __future__ import annotations

import contextlib
import gc
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from authz import (
    Action,
    Authorizer,
    CustomRole,
    NotAuthorizedError,
    Object,
    Scope,
    Subject,
    resources,
    roles,
)

REPEATS = 7


def best_ns(loops: dict[str, Callable[[int], None]], number: int) -> dict[str, float]:
    """Best ns per operation of each loop over REPEATS rounds.

    Rounds interleave the loops, so a noisy neighbour slows all of them alike rather than
    only the one that happened to be running; GC is off while timing.
    """
    best = dict.fromkeys(loops, float("inf"))
    gc.disable()
    try:
        for _ in range(REPEATS):
            for name, run in loops.items():
                start = time.perf_counter_ns()
                run(number)
                best[name] = min(best[name], (time.perf_counter_ns() - start) / number)
    finally:
        gc.enable()
    return best


FLOOR_SET = frozenset({("chat", Action.READ)})


def floor_authorize(subject: Subject, action: Action, obj: Object) -> None:
    """The least an authorize call can do: one precomputed frozenset membership test."""
    if (obj.type, action) not in FLOOR_SET:
        raise NotAuthorizedError()


def chat_user(org: uuid.UUID, scope: Scope = Scope.ALL) -> Subject:
    return Subject(
        id=uuid.uuid4(),
        roles=(roles.MEMBER, roles.CHAT_ACCESS, f"{roles.ORG_MEMBER}:{org}"),
        name="bench",
        scope=scope,
    )


def main() -> None:
    authorizer = Authorizer()
    org = uuid.uuid4()
    subject = chat_user(org)
    own_chat = resources.CHAT.with_id(uuid.uuid4()).with_owner(subject.id).in_org(org)
    owner = Subject(id=uuid.uuid4(), roles=(roles.OWNER,))
    read = Action.READ
    authorizer.authorize(subject, read, own_chat)
    authorizer.authorize(owner, read, own_chat)

    def floor_loop(n: int) -> None:
        for _ in range(n):
            floor_authorize(subject, read, own_chat)

    def warm_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(subject, read, own_chat)

    def warm_owner_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(owner, read, own_chat)

    # v2: ACLs and scopes.
    shared_own = own_chat.with_acl(users={uuid.uuid4(): {read}}, groups={org: {read}})
    plain_member = Subject(id=uuid.uuid4(), roles=(roles.MEMBER, f"{roles.ORG_MEMBER}:{org}"))
    shared_with_me = (
        resources.CHAT.with_id(uuid.uuid4())
        .with_owner(uuid.uuid4())
        .in_org(org)
        .with_acl(users={plain_member.id: {read}})
    )
    assert own_chat.id is not None
    scoped = chat_user(org, Scope(["chat:read"], [("chat", own_chat.id)]))
    scoped_chat = own_chat.with_owner(scoped.id)
    for s_, o_ in ((subject, shared_own), (plain_member, shared_with_me), (scoped, scoped_chat)):
        authorizer.authorize(s_, read, o_)

    def acl_role_allows_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(subject, read, shared_own)

    def acl_allows_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(plain_member, read, shared_with_me)

    def scoped_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(scoped, read, scoped_chat)

    # Custom organization roles: a chat reviewer (org-level chat read) of `org`.
    def reviewer_role(version: int) -> CustomRole:
        return CustomRole(org, "chat-reviewer", "Chat reviewer", ["chat:read"], (), version)

    def reviewer(version: int = 1, user: uuid.UUID | None = None) -> Subject:
        return Subject(
            id=user or subject.id,
            roles=(roles.MEMBER, f"{roles.ORG_MEMBER}:{org}", f"chat-reviewer:{org}"),
            custom_roles=(reviewer_role(version),),
        )

    others_chat = resources.CHAT.with_id(uuid.uuid4()).with_owner(uuid.uuid4()).in_org(org)
    custom_subject = reviewer()
    authorizer.authorize(custom_subject, read, others_chat)

    def warm_custom_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(custom_subject, read, others_chat)

    warm_figures = best_ns(
        {
            "floor": floor_loop,
            "warm": warm_loop,
            "owner": warm_owner_loop,
            "acl_role": acl_role_allows_loop,
            "acl_only": acl_allows_loop,
            "scoped": scoped_loop,
            "custom": warm_custom_loop,
        },
        300_000,
    )
    floor, warm, warm_owner, acl_role, acl_only, scoped_ns, warm_custom = (
        warm_figures[k]
        for k in ("floor", "warm", "owner", "acl_role", "acl_only", "scoped", "custom")
    )

    # First check of a new role set: every subject holds roles in its own fresh org, so each
    # check compiles a role set (the Authorizer's cache is large enough never to evict).
    n_new = 300
    batches = [[chat_user(uuid.uuid4()) for _ in range(n_new)] for _ in range(REPEATS)]
    fresh_authorizer = Authorizer(cache_size=n_new * REPEATS)
    batch_iter = iter(batches)

    def first_check_loop(n: int) -> None:
        batch = next(batch_iter)
        auth = fresh_authorizer.authorize
        obj = resources.CHAT.with_owner(uuid.uuid4())
        for s in batch[:n]:
            with contextlib.suppress(NotAuthorizedError):
                auth(s, read, obj)

    first = best_ns({"first": first_check_loop}, n_new)["first"]

    # First check of a new (role set, scope): fresh org and a scope narrowed to one chat.
    scoped_batches = [
        [
            chat_user(uuid.uuid4(), Scope(["chat:read", "user:*"], [("chat", uuid.uuid4())]))
            for _ in range(n_new)
        ]
        for _ in range(REPEATS)
    ]
    scoped_authorizer = Authorizer(cache_size=n_new * REPEATS)
    scoped_iter = iter(scoped_batches)

    def first_scoped_loop(n: int) -> None:
        batch = next(scoped_iter)
        auth = scoped_authorizer.authorize
        obj = resources.CHAT.with_owner(uuid.uuid4())
        for s in batch[:n]:
            with contextlib.suppress(NotAuthorizedError):
                auth(s, read, obj)

    first_scoped = best_ns({"first_scoped": first_scoped_loop}, n_new)["first_scoped"]

    # First check after a definition change: each subject carries the next version of the
    # role, so each check compiles its role set anew (nothing is evicted: the cache is large).
    versions = iter(range(1, 10**9))
    changed_batches = [[reviewer(next(versions)) for _ in range(n_new)] for _ in range(REPEATS)]
    changed_authorizer = Authorizer(cache_size=n_new * REPEATS)
    changed_iter = iter(changed_batches)

    def first_after_change_loop(n: int) -> None:
        batch = next(changed_iter)
        auth = changed_authorizer.authorize
        for s in batch[:n]:
            auth(s, read, others_chat)

    first_changed = best_ns({"changed": first_after_change_loop}, n_new)["changed"]

    # Per request: the subject is built anew (as from the subject-loading query); its table is
    # already compiled, so the check costs a cache lookup plus the decision.
    user_id = subject.id
    plain_roles = (roles.MEMBER, roles.CHAT_ACCESS, f"{roles.ORG_MEMBER}:{org}")
    custom_roles_ = (roles.MEMBER, f"{roles.ORG_MEMBER}:{org}", f"chat-reviewer:{org}")

    def request_plain_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            auth(Subject(id=user_id, roles=plain_roles), read, own_chat)

    def request_custom_loop(n: int) -> None:
        auth = authorizer.authorize
        for _ in range(n):
            definition = CustomRole(org, "chat-reviewer", "Chat reviewer", ["chat:read"], (), 1)
            auth(
                Subject(id=user_id, roles=custom_roles_, custom_roles=(definition,)),
                read,
                others_chat,
            )

    request_figures = best_ns({"plain": request_plain_loop, "custom": request_custom_loop}, 20_000)

    owner_col = sa.column("owner_id", sa.Uuid)
    org_col = sa.column("organization_id", sa.Uuid)
    id_col = sa.column("id", sa.Uuid)

    def prepare_loop(n: int) -> None:
        for _ in range(n):
            authorizer.prepare(subject, read, "chat").sql_filter(
                owner=owner_col, org=org_col, id=id_col
            )

    def prepare_fresh_columns_loop(n: int) -> None:
        for _ in range(n):
            authorizer.prepare(subject, read, "chat").sql_filter(
                owner=sa.column("owner_id", sa.Uuid), org=sa.column("organization_id", sa.Uuid)
            )

    user_acl_col = sa.column("user_acl", JSONB)
    group_acl_col = sa.column("group_acl", JSONB)

    def prepare_acl_loop(n: int) -> None:
        for _ in range(n):
            authorizer.prepare(plain_member, read, "chat").sql_filter(
                owner=owner_col,
                org=org_col,
                id=id_col,
                user_acl=user_acl_col,
                group_acl=group_acl_col,
            )

    cached_prepare = best_ns({"cached": prepare_loop}, 20_000)["cached"]
    cached_prepare_acl = best_ns({"cached_acl": prepare_acl_loop}, 20_000)["cached_acl"]
    uncached_prepare = best_ns({"fresh": prepare_fresh_columns_loop}, 300)["fresh"]

    rows = [
        ("floor: frozenset membership", floor),
        ("warm authorize (own chat in org)", warm),
        ("warm authorize (owner, site)", warm_owner),
        ("warm, ACL'd object, role allows", acl_role),
        ("warm, role denies, ACL allows", acl_only),
        ("warm, scope narrowed to one chat", scoped_ns),
        ("first check of a new role set", first),
        ("first check of new (role set, scope)", first_scoped),
        ("warm authorize, custom role (org chat)", warm_custom),
        ("first check after a definition change", first_changed),
        ("per request: new Subject + check", request_figures["plain"]),
        ("per request, with a custom role", request_figures["custom"]),
        ("prepare + sql_filter (cached)", cached_prepare),
        ("prepare + sql_filter with ACL (cached)", cached_prepare_acl),
        ("prepare + sql_filter (new columns)", uncached_prepare),
    ]
    print(f"{'benchmark':<40}{'ns/op':>12}{'x floor':>10}")
    for name, ns in rows:
        print(f"{name:<40}{ns:>12,.0f}{ns / floor:>10.2f}")
    print()
    print(f"warm authorize, no ACL / floor = {warm / floor:.2f} (target <= 2)")
    print(f"warm, ACL'd object, role allows / floor = {acl_role / floor:.2f} (target <= 3)")
    print(f"warm, role denies, ACL allows / floor = {acl_only / floor:.2f} (target <= 3)")
    print(f"warm, narrowed scope / floor = {scoped_ns / floor:.2f} (target <= 3)")
    print(f"first check of a new (role set, scope) = {first_scoped / 1000:.0f} us (target <= 200)")
    print(f"warm authorize, custom role / floor = {warm_custom / floor:.2f} (target <= 2)")
    print(f"first check after a definition change = {first_changed / 1000:.0f} us (target <= 200)")
    print(
        f"per request (new Subject + check): {request_figures['plain'] / 1000:.1f} us plain, "
        f"{request_figures['custom'] / 1000:.1f} us with a custom role definition"
    )
    print(f"cached prepare + sql_filter = {cached_prepare / 1000:.2f} us (target <= 20 us)")
    print(f"cached prepare + sql_filter, ACL columns = {cached_prepare_acl / 1000:.2f} us")


if __name__ == "__main__":
    main()
