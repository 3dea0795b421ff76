"""This checkout's pytest set-up; the .wast plugin itself is harness/pytest_plugin.py.

    pytest suites/spec --engine node --junitxml=spec.xml
"""

from __future__ import annotations

import sys

# suites/features holds feature probes (wasm-harness detect), which fail by design where a
# feature is missing: they are not conformance tests.
collect_ignore = ["suites/features"]

# Installed, the package registers the plugin through its pytest11 entry point, which pytest
# loads before this file; naming it again here would register the module twice, an error. Only
# without the entry point (PYTEST_DISABLE_PLUGIN_AUTOLOAD, or an install older than the entry
# point) is the plugin loaded from here.
pytest_plugins = [] if "harness.pytest_plugin" in sys.modules else ["harness.pytest_plugin"]
