"""The suites: each turns its units into rows through engines (harness/suite.py says how)."""

from __future__ import annotations

from harness.suite import Suite


def all_suites() -> list[Suite]:
    """Every suite, in the order `wasm-harness --help` and `report` list them."""
    from harness.suites.bench import BenchSuite
    from harness.suites.features import FeaturesSuite
    from harness.suites.jsapi import JsapiSuite
    from harness.suites.ml import MlSuite
    from harness.suites.spec import SpecSuite

    return [SpecSuite(), FeaturesSuite(), BenchSuite(), MlSuite(), JsapiSuite()]


def recorded_suites() -> list[Suite]:
    """Every suite a run can hold, for `report`: the commands' suites plus the nightly's official
    testsuite (harness/suites/testsuite.py), which has no command of its own."""
    from harness.suites.testsuite import OfficialTestsuite

    return [*all_suites(), OfficialTestsuite()]
