"""The official WebAssembly testsuite as a suite of its own (`testsuite`), as the nightly records it.

It is the `spec` suite in every respect but its name: its rows say
`suite = 'testsuite'`, so they never mix with our corpus's (whose deliberate
failures would skew the testsuite's pass rates, and whose file names, such as
`traps.wast`, the testsuite has too). It has no command of its own:
`wasm-harness spec --testsuite DIR` records the same scripts as `spec`.
"""

from __future__ import annotations

from harness.suites.spec import SpecSuite


class OfficialTestsuite(SpecSuite):
    name = "testsuite"
    help = "the official WebAssembly testsuite (run by `nightly --testsuite DIR`)"
