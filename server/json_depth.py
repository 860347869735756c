"""How deeply a JSON document nests, found without parsing it.

Python's `json` recurses once per level and raises `RecursionError` around 1,000 levels (a 500
if nothing catches it), and everything that walks the parsed value afterwards recurses too. The
request gate asks this module first, on the raw bytes: strings are cut out (brackets inside them
do not count), and what remains is scanned for brackets only.
"""

from __future__ import annotations

import re

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = frozenset(b"[{")


def nesting_exceeds(document: bytes, limit: int) -> bool:
    """Whether arrays and objects in `document` nest deeper than `limit` levels.

    Not a validator: malformed JSON is left for the parser to report, except that an unclosed
    string counts the brackets after it (so it may be refused here as too deep instead).
    """
    if document.count(b"[") + document.count(b"{") <= limit:
        return False  # the common case, decided at C speed
    brackets = _STRING.sub(b"", document).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
