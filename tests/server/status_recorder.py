"""Every status a route test observes must be in the OpenAPI document for that operation.

An autouse fixture (imported by `tests/server/conftest.py`) records `(method, path template,
status)` for each `TestClient` request a test makes, and fails the test at teardown naming any
status the document does not list. It checks per test, so it works the same under xdist; a
status the route tests never provoke is not required (the document may be a superset). It also
checks that every error answer has the one error body (`server.openapi.ErrorBody`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.openapi import documented_statuses

Observed = tuple[str, str, int]  # method, concrete path, status


def template_for(method: str, path: str, documented: Iterable[tuple[str, str]]) -> str | None:
    """The documented path template the router would pick: the one with fewest parameters."""
    candidates = [
        template
        for m, template in documented
        if m == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
    ]
    return min(candidates, key=lambda t: (t.count("{"), t), default=None)


def undocumented(app: FastAPI, observed: Iterable[Observed]) -> list[str]:
    """One line per observed status that the app's OpenAPI document does not list."""
    documented = documented_statuses(app)
    problems = []
    for method, path, status in observed:
        template = template_for(method, path, documented)
        if template is None:
            continue  # not an API operation (docs, unknown path, wrong method)
        if status not in documented[(method, template)]:
            problems.append(
                f"{method} {template} answered {status}, which its OpenAPI document does not "
                f"list: add the rule or an EXTRA entry in server/openapi.py (or `responses=` "
                f"on the route)"
            )
    return sorted(set(problems))


def check_error_body(response: Any) -> None:
    """Every error answer has the one body: `message`, `detail`, and the `X-Request-ID` value."""
    if response.status_code < 400 or not response.content:
        return
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("message"), str), body
    assert "detail" in body, body
    assert body.get("request_id") == response.headers["X-Request-ID"], body


@pytest.fixture(autouse=True)
def statuses_are_documented(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Observed]]:
    seen: dict[int, tuple[FastAPI, list[Observed]]] = {}
    original = TestClient.request

    def request(self: TestClient, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        response = original(self, method, url, *args, **kwargs)
        if isinstance(self.app, FastAPI):
            check_error_body(response)
            _, calls = seen.setdefault(id(self.app), (self.app, []))
            calls.append((method.upper(), urlsplit(str(response.url)).path, response.status_code))
        return response

    monkeypatch.setattr(TestClient, "request", request)
    everything: list[Observed] = []
    yield everything
    problems = []
    for app, calls in seen.values():
        everything.extend(calls)
        problems += undocumented(app, calls)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
