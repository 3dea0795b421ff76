"""The static HTML dashboard of a run: `render_dashboard(db, run_id, out_dir, against=None,
compared=None)` (`compared`: a comparison the caller already made, as the nightly does).

See render.py for the folder it writes, data.py for what it reads, sections.py for what the
page shows and in which order.
"""

from harness.results import UnknownRunError
from reports.dashboard.assets import MissingAssetError
from reports.dashboard.render import render_dashboard

__all__ = ["MissingAssetError", "UnknownRunError", "render_dashboard"]
