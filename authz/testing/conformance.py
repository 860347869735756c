"""Does a wrapper class implement every method of the Protocol it wraps? One line per gap.

mypy proves it too, but buries the useful line ("missing protocol member") under an error at
every place the wrapper is used as the Protocol. `conformance_problems` compares the classes
directly — method names, then parameter names, kinds and defaults — and says, per method,
what is wrong and where to fix it, so a generator or a test can print the next step.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable


def _public_methods(cls: type) -> list[str]:
    return sorted(
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and callable(value)
    )


def protocol_methods(spec: type, *, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The public methods a Protocol declares (its own and inherited), minus `exclude`."""
    skip = set(exclude)
    return tuple(m for m in _public_methods(spec) if m not in skip)


def _shape(func: object) -> list[tuple[str, inspect._ParameterKind, bool]]:
    params = inspect.signature(func).parameters.values()  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default is not inspect.Parameter.empty) for p in params]


def _render(func: object) -> str:
    return str(inspect.signature(func))  # type: ignore[arg-type]


def conformance_problems(
    spec: type,
    impl: type,
    methods: Iterable[str] | None = None,
    *,
    fix: str = "",
) -> list[str]:
    """One line per method of `spec` that `impl` lacks or declares differently.

    `methods` defaults to every public method of `spec`; `fix` is appended to each line
    (e.g. "add it in myapp/authz_querier.py").
    """
    names = protocol_methods(spec) if methods is None else tuple(methods)
    suffix = f": {fix}" if fix else ""
    problems = []
    for name in names:
        want = getattr(spec, name)
        got = getattr(impl, name, None)
        if got is None or not callable(got):
            problems.append(f"{impl.__name__} has no method {name}{suffix}")
        elif _shape(got) != _shape(want):
            problems.append(
                f"{impl.__name__}.{name}{_render(got)} does not match "
                f"{spec.__name__}.{name}{_render(want)}{suffix}"
            )
    return problems


def assert_conforms(
    spec: type, impl: type, methods: Iterable[str] | None = None, *, fix: str = ""
) -> None:
    """Fail with every gap, one line each (see `conformance_problems`)."""
    problems = conformance_problems(spec, impl, methods, fix=fix)
    if problems:
        raise AssertionError("\n".join(problems))
