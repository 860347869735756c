"""`{user}` in every route takes what the CLI takes: `me`, a UUID, a username or an email.

One dependency (`server.routes.common.UserPath`) resolves it; a name the caller may not read is
the same 404, with the same body, as a name nobody has.
"""

from __future__ import annotations

import pytest

from tests.server.conftest import World, error_of

USERS = "/api/v2/users"


@pytest.mark.parametrize("actor", ["owner", "member", "chatter"])
def test_a_user_by_id_username_email_or_me(world: World, actor: str) -> None:
    user = world.user(actor)
    for ref in [str(user.id), user.username, user.email, "me"]:
        response = world.call(actor, "GET", f"{USERS}/{ref}")
        assert response.status_code == 200, (ref, response.text)
        assert response.json()["id"] == str(user.id)


def test_an_unreadable_name_is_the_404_of_a_missing_one(world: World) -> None:
    other = world.user("chatter")  # a member of org A reads no other user
    answers = [
        world.call("member", "GET", f"{USERS}/{ref}")
        for ref in (other.username, other.email, "nobody-here", "nobody@example.com")
    ]
    assert {a.status_code for a in answers} == {404}
    assert all(error_of(a) == error_of(answers[0]) for a in answers)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v2/users/{user}", None),
        ("GET", "/api/v2/users/{user}/keys", None),
        ("GET", "/api/v2/chats/cost/{user}/summary", None),
        ("PUT", "/api/v2/users/{user}/roles", {"roles": ["chat-access"]}),
        ("PUT", "/api/v2/users/{user}/status/activate", None),
        ("PUT", "/api/v2/organizations/{org}/members/{user}", {"roles": []}),
    ],
)
def test_every_user_route_takes_a_username_as_the_cli_does(
    world: World, method: str, path: str, body: object
) -> None:
    target = world.user("chatter")
    answers = {}
    for ref in (target.username, target.email, str(target.id)):
        url = path.format(user=ref, org=world.org_a.id)
        answers[ref] = world.call("owner", method, url, json=body)
    assert {a.status_code for a in answers.values()} == {200}, {
        ref: a.text for ref, a in answers.items()
    }
    unknown = world.call("owner", method, path.format(user="no-such-user", org=world.org_a.id))
    assert unknown.status_code == 404
