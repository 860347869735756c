"""sqlc process plugin (JSON mode): the codegen request on stdin, the files on stdout.

The generator hands it the throwaway database's URI (`querier.gen.analyze.URI_ENV`) so
PostgreSQL's planner can say which `:one` queries always return a row.
"""

from __future__ import annotations

import base64
import json
import os
import sys

from querier.gen.analyze import URI_ENV, single_row_queries
from querier.gen.config import RBAC_MAPPINGS
from querier.gen.generate import generate


def main() -> None:
    request = json.load(sys.stdin)
    uri = os.environ.get(URI_ENV)
    ones = [(q["name"], q["text"]) for q in request["queries"] if q["cmd"] == ":one"]
    single_row = single_row_queries(uri, ones) if uri else frozenset()
    generated = generate(request, RBAC_MAPPINGS, single_row)
    files = [
        {"name": name, "contents": base64.b64encode(text.encode()).decode()}
        for name, text in sorted(generated.files.items())
    ]
    json.dump({"files": files}, sys.stdout)


if __name__ == "__main__":
    main()
