"""`AuthzQuerier` against the generated `Querier`: the one-line answer to "what do I add next?".

`python -m querier.gen` runs this after regenerating, and `tests/querier/test_conformance.py`
runs it in the suite, so a query added to `querier/queries/*.sql` and not yet wrapped is named
in one line with the next step — before mypy's longer report. Run it alone with
`uv run python -m querier.dbauthz.conformance`.
"""

from __future__ import annotations

from authz.testing.conformance import conformance_problems
from querier.dbauthz.authz_querier import AuthzQuerier
from querier.generated.protocol import QUERY_METHODS, Querier

FIX = "add it in querier/dbauthz/authz_querier.py (step 3 of 'Adding a query' in the README)"


def problems() -> list[str]:
    return conformance_problems(Querier, AuthzQuerier, ("transaction", *QUERY_METHODS), fix=FIX)


def main() -> None:
    found = problems()
    for line in found:
        print(line)
    if found:
        raise SystemExit(1)
    print(f"AuthzQuerier wraps all {len(QUERY_METHODS)} query methods")


if __name__ == "__main__":
    main()
