"""pytest plugin (entry point `dbauthz`): parametrize a module's `METHOD_SUITE`.

In a test module, define `METHOD_SUITE = MethodSuite(...)` with its cases, and a test taking
the `method_case` and `method_mode` fixtures:

    def test_method(method_case, method_mode):
        METHOD_SUITE.run(method_case, method_mode)

    def test_every_method_has_a_case():
        METHOD_SUITE.assert_complete()

Each case then runs three times (`get_chat[success]`, `get_chat[denied]`, `get_chat[no_actor]`).
"""

from __future__ import annotations

import pytest

from authz.testing.suite import MethodSuite


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "method_case" not in metafunc.fixturenames:
        return
    suite = getattr(metafunc.module, "METHOD_SUITE", None)
    if not isinstance(suite, MethodSuite):
        raise pytest.UsageError(
            f"{metafunc.module.__name__} uses method_case but defines no METHOD_SUITE"
        )
    params = suite.params()
    metafunc.parametrize(
        ("method_case", "method_mode"),
        params,
        ids=[f"{case.method}[{mode}]" for case, mode in params],
    )
