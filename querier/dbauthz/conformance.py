"""Both faces against their generated Protocols: the one-line answer to "what do I add next?".

`python -m querier.gen` runs this after regenerating, and `tests/querier/test_conformance.py`
runs it in the suite, so a query added to `querier/queries/*.sql` and not yet wrapped is named
in one line with the next step — before mypy's longer report. The method is written once, in
the async source; the sync face is generated from it, so a method missing from both is named
once (the async line), and one missing only from the sync face means "regenerate". Run it alone
with `uv run python -m querier.dbauthz.conformance`.
"""

from __future__ import annotations

from authz.testing.conformance import conformance_problems
from querier.dbauthz.async_authz_querier import AsyncAuthzQuerier
from querier.dbauthz.authz_querier import AuthzQuerier
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.protocol import QUERY_METHODS, Querier

FIX = (
    "add it, async, to the class for its table in querier/dbauthz/async_*.py with the access "
    "pattern from querier/dbauthz/decide.py, then run `uv run python -m querier.gen` "
    "(step 3 of 'Adding a query' in the README)"
)
REGENERATE = "the sync face is generated: run `uv run python -m querier.gen`"


def problems() -> list[str]:
    methods = ("transaction", *QUERY_METHODS)
    found = conformance_problems(AsyncQuerier, AsyncAuthzQuerier, methods, fix=FIX)
    if found:
        return found
    return conformance_problems(Querier, AuthzQuerier, methods, fix=REGENERATE)


def main() -> None:
    found = problems()
    for line in found:
        print(line)
    if found:
        raise SystemExit(1)
    print(f"AsyncAuthzQuerier and AuthzQuerier wrap all {len(QUERY_METHODS)} query methods")


if __name__ == "__main__":
    main()
