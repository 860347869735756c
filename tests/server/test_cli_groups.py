"""`dbauthz groups list | create | add | remove | delete` (#13), on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from querier.db import DATABASE_URL_ENV
from querier.dbauthz.actors import load_subject
from querier.generated.sql import SqlQuerier
from server.cli import app as cli
from tests import factories as f
from tests.conftest import NewDatabase


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase) -> Engine:
    e = new_database()
    with e.begin() as conn:
        q = SqlQuerier(conn)
        acme, other = f.org(q, "acme"), f.org(q, "other")
        for name in ("ada", "bob"):
            f.member(q, f.user(q, name=name), acme)
        f.member(q, f.user(q, name="eve"), other)
    return e


def run(engine: Engine, *args: str) -> Result:
    env = {DATABASE_URL_ENV: engine.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def groups_of(engine: Engine, username: str) -> tuple[object, ...]:
    with engine.connect() as conn:
        q = SqlQuerier(conn)
        user = q.get_user_by_email_or_username(email=username, username=username)
        return load_subject(q, user.id).groups


def test_create_add_list_remove_delete(engine: Engine) -> None:
    assert "created group team in acme" in ok(run(engine, "groups", "create", "acme", "team"))
    assert "added 2 user(s) to team" in ok(
        run(engine, "groups", "add", "acme", "team", "ada", "bob")
    )
    assert len(groups_of(engine, "ada")) == 1
    assert "(1 already in it)" in ok(run(engine, "groups", "add", "acme", "team", "ada"))
    listed = ok(run(engine, "groups", "list", "acme")).splitlines()
    assert "everyone" in listed[0]
    assert "2 members" in listed[0]
    assert any(" team " in line and "2 members" in line for line in listed[1:])
    assert "removed 1 user(s)" in ok(run(engine, "groups", "remove", "acme", "team", "ada"))
    assert groups_of(engine, "ada") == ()
    assert "deleted group team" in ok(run(engine, "groups", "delete", "acme", "team"))
    assert groups_of(engine, "bob") == ()


def test_mistakes_are_one_line_and_exit_1(engine: Engine) -> None:
    ok(run(engine, "groups", "create", "acme", "crew"))
    # A user of another organization: refused, and nobody is added.
    line = error_line(run(engine, "groups", "add", "acme", "crew", "ada", "eve"))
    assert "must be a member of the group's organization" in line
    assert groups_of(engine, "ada") == ()
    assert "already exists" in error_line(run(engine, "groups", "create", "acme", "crew"))
    assert "already exists" in error_line(run(engine, "groups", "create", "acme", "everyone"))
    assert "group name" in error_line(run(engine, "groups", "create", "acme", "Bad Name"))
    assert "no group 'nope' in acme" in error_line(
        run(engine, "groups", "add", "acme", "nope", "ada")
    )
    assert "no user 'nobody'" in error_line(run(engine, "groups", "add", "acme", "crew", "nobody"))
    assert "no organization 'nowhere'" in error_line(run(engine, "groups", "list", "nowhere"))
    for args in (("add", "acme", "everyone", "ada"), ("delete", "acme", "everyone")):
        assert "Everyone group is implicit" in error_line(run(engine, "groups", *args))
    assert run(engine, "groups", "add", "acme", "crew").exit_code == 2  # usage: no USER


def test_explain_a_group_and_its_roster(engine: Engine) -> None:
    created = ok(run(engine, "groups", "create", "acme", "explained"))
    group_id = created.strip().rsplit(" ", 1)[1]
    ok(run(engine, "groups", "add", "acme", "explained", "bob"))

    def explain(user: str, action: str, obj: str) -> Result:
        return run(engine, "explain", "--user", user, "--action", action, "--object", obj)

    # bob reads the group and its roster through the group's own ACL entry; ada does not.
    assert "ACL" in ok(explain("bob", "read", f"group:{group_id}"))
    ok(explain("bob", "read", f"group_member:{group_id}"))
    assert explain("ada", "read", f"group:{group_id}").exit_code == 1
    assert explain("bob", "create", f"group_member:{group_id}").exit_code == 1
    with engine.connect() as conn:
        acme = SqlQuerier(conn).get_organization_by_name(name="acme")
    ok(explain("ada", "read", f"group:{acme.id}"))  # the Everyone group: every member of acme
    assert explain("ada", "read", f"group_member:{acme.id}").exit_code == 1
    assert "no group" in error_line(
        explain("ada", "read", "group:00000000-0000-4000-8000-000000000000")
    )
