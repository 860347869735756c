"""Compile a role set into a decision table: one `Rule` per concrete (type, action).

The design's four levels (site, org, member, user) and their precedence are folded, per pair,
into four facts that no longer depend on the roles, only on the object's columns:

* `always`        True/False when the site level decides (allow / deny) for every object;
* allowed orgs    member orgs whose org level allows: any object there is allowed;
* own orgs        member orgs where the org level abstains and then the member level allows,
                  or abstains too and the user level allows: the subject's own objects there;
* `own_personal`  the user level allows: the subject's own objects without an org.

So `allowed(owner, org) = always if decided else org in allowed orgs or (owner == me and
(org in own orgs if org else own_personal))` — the same shape the SQL filter takes. Org ids
are kept both as sorted `UUID`s (for SQL) and as one `int`-keyed dict (for the hot path: one
lookup answers both org questions, and `int` hashing avoids `UUID.__hash__`).

An any-org object ("personally or in some org of mine") is allowed when some org allows any
object there (`any_org_any`), or it is the subject's own and some org or the personal case
allows own objects (`any_org_own`) — two booleans, precomputed per rule.

A scope (`authz.scopes`) narrows each pair to all objects of the type, some ids, or none.
`rules` is what the engine's fast path reads: the role rule where the scope admits every
object of the type, elsewhere a stand-in that never allows and carries the pair's `Decision`
(`Rule.scoped`); everything the fast path does not allow (a role
denial, a scope restricted to ids, an ACL, an any-org object) is decided from `decisions`,
which keep the role rule and the scope term apart. With `Scope.ALL` the table is exactly the
role set's table, so scopes cost nothing to subjects without one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from authz.custom_roles import resolve_role
from authz.permissions import Pair, Vote, VoteTable, merge_votes
from authz.registry import CONCRETE_PAIRS
from authz.roles import Role
from authz.scopes import Scope, ScopeTerm
from authz.subjects import RoleSetKey


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may do one (type, action), for one role set; see the module docstring."""

    always: bool | None
    orgs: Mapping[int, bool] = field(default_factory=dict, hash=False)
    """`org.int` -> True (any object there: org level allows) or False (own objects only)."""
    own_personal: bool = False
    allowed_org_ids: tuple[UUID, ...] = ()
    own_org_ids: tuple[UUID, ...] = ()
    any_org_any: bool = False
    """Some member org allows any object: every any-org object is allowed."""
    any_org_own: bool = False
    """Own objects are allowed personally or in some member org: own any-org objects are."""
    scoped: Decision | None = field(default=None, compare=False)
    """Set only on the fast-path stand-in for a pair the scope restricts to some ids (or to
    none): it never allows on the fast path, and the real decision is here."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One pair's role rule and scope term, for everything beyond the fast path."""

    role: Rule
    scope: ScopeTerm | None
    """None: the scope admits every object of the type; else only these ids (maybe none)."""


ALWAYS = Rule(always=True)
NEVER = Rule(always=False)


def make_rule(own_personal: bool, allowed: Iterable[UUID], own: Iterable[UUID]) -> Rule:
    allowed_ids = tuple(sorted(allowed))
    own_ids = tuple(sorted(own))
    if not (own_personal or allowed_ids or own_ids):
        return NEVER
    orgs = {o.int: True for o in allowed_ids} | {o.int: False for o in own_ids}
    return Rule(
        None,
        orgs,
        own_personal,
        allowed_ids,
        own_ids,
        any_org_any=bool(allowed_ids),
        any_org_own=own_personal or bool(orgs),
    )


@dataclass(frozen=True, slots=True)
class DecisionTable:
    """A compiled role set: `rules[(type, action)]` for every concrete pair of the registry."""

    rules: Mapping[Pair, Rule]
    """The fast path's rules (see the module docstring). A plain dict: `dict.get` is hot."""
    decisions: Mapping[Pair, Decision]
    member_orgs: frozenset[UUID]
    roles: tuple[Role, ...]
    """The resolved roles (unknown names dropped), kept for introspection and debugging."""
    scope: Scope = Scope.ALL
    member_org_keys: frozenset[int] = frozenset()
    """`UUID.int` of `member_orgs`: the subject's Everyone groups, for the ACL vote."""
    member_org_ids: tuple[UUID, ...] = ()
    """`member_orgs`, sorted, for the SQL filter's ACL terms."""


def with_scope(table: DecisionTable, scope: Scope) -> DecisionTable:
    """`table` (compiled for `Scope.ALL`) narrowed by `scope`. Pure and cheap (one pass)."""
    if scope.admits_all:
        return table
    rules: dict[Pair, Rule] = {}
    decisions: dict[Pair, Decision] = {}
    # Pairs share role rules (per type) and scope terms (per type): build each combination once.
    made: dict[tuple[int, int], tuple[Decision, Rule]] = {}
    for pair, decision in table.decisions.items():
        role = decision.role
        term = scope.term(*pair)
        key = (id(role), id(term))
        found = made.get(key)
        if found is None:
            narrowed = Decision(role, term)
            found = made[key] = (narrowed, role if term is None else Rule(False, scoped=narrowed))
        decisions[pair], rules[pair] = found
    return dataclasses.replace(table, rules=rules, decisions=decisions, scope=scope)


def resolve_roles(key: RoleSetKey) -> tuple[Role, ...]:
    """Named roles — built-in, else the key's custom definitions; unknown names dropped,
    logged once (`authz.custom_roles.resolve_role`) — then inline ones."""
    names, inline, custom = key
    by_key = {d.key: d for d in custom}
    named = (resolve_role(rid, by_key) for rid in sorted(names, key=str))
    return (*(r for r in named if r is not None), *inline)


def compile_role_set(key: RoleSetKey) -> DecisionTable:
    """The decision table for a role set. Pure: cache it anywhere, it never goes stale — the
    key holds custom role definitions by value (version included), never by name."""
    roles = resolve_roles(key)
    site = merge_votes(r.site_votes for r in roles)
    user = merge_votes(r.user_votes for r in roles)
    org_tables: dict[UUID, tuple[list[VoteTable], list[VoteTable]]] = {}
    for role in roles:
        for org, perms in role.by_org.items():
            org_votes, member_votes = org_tables.setdefault(org, ([], []))
            org_votes.append(perms.org_votes)
            member_votes.append(perms.member_votes)
    orgs = {
        org: (merge_votes(org_votes), merge_votes(member_votes))
        for org, (org_votes, member_votes) in org_tables.items()
    }
    org_list = list(orgs.items())
    made: dict[tuple[bool, tuple[int, ...], tuple[int, ...]], Rule] = {}
    rules: dict[Pair, Rule] = {}
    for pair in CONCRETE_PAIRS:
        site_vote = site.get(pair, Vote.ABSTAIN)
        if site_vote is not Vote.ABSTAIN:
            rules[pair] = ALWAYS if site_vote is Vote.ALLOW else NEVER
            continue
        user_allows = user.get(pair) is Vote.ALLOW
        allowed: list[int] = []
        own: list[int] = []
        for index, (_, (org_level, member_level)) in enumerate(org_list):
            org_vote = org_level.get(pair, Vote.ABSTAIN)
            if org_vote is Vote.ALLOW:
                allowed.append(index)
            elif org_vote is Vote.ABSTAIN:
                member_vote = member_level.get(pair, Vote.ABSTAIN)
                if member_vote is Vote.ALLOW or (member_vote is Vote.ABSTAIN and user_allows):
                    own.append(index)
        # Many pairs share a rule (e.g. every action on a type): build each distinct one once.
        shape = (user_allows, tuple(allowed), tuple(own))
        rule = made.get(shape)
        if rule is None:
            rule = made[shape] = make_rule(
                user_allows, (org_list[i][0] for i in allowed), (org_list[i][0] for i in own)
            )
        rules[pair] = rule
    decided = {rule: Decision(rule, None) for rule in {*rules.values()}}
    members = frozenset(orgs)
    return DecisionTable(
        rules,
        {pair: decided[rule] for pair, rule in rules.items()},
        members,
        roles,
        member_org_keys=frozenset(o.int for o in members),
        member_org_ids=tuple(sorted(members)),
    )
