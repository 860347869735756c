"""sqlc process plugin (JSON mode): the codegen request on stdin, the files on stdout."""

from __future__ import annotations

import base64
import json
import sys

from querier.gen.config import RBAC_MAPPINGS
from querier.gen.render import generate


def main() -> None:
    request = json.load(sys.stdin)
    generated = generate(request, RBAC_MAPPINGS)
    files = [
        {"name": name, "contents": base64.b64encode(text.encode()).decode()}
        for name, text in sorted(generated.files.items())
    ]
    json.dump({"files": files}, sys.stdout)


if __name__ == "__main__":
    main()
