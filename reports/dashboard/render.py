"""render_dashboard: a recorded run as a static folder, from the store alone.

    DIR/index.html     the page (works from file://, no network)
    DIR/summary.md     the headline and flagged changes, for a CI comment
    DIR/failures.csv   every unexpected spec failure (the page shows the first ones)
    DIR/dashboard.{js,css}, DIR/vendor/   the page's script and style, Vega, Vega-Lite, vega-embed and
                       sortable-tablesort with their licences
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from harness.results import load
from reports import comparison
from reports.dashboard import assets, data, sections, summary

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE = "index.html"
NO_COMPARISON = "none"
FAILURE_COLUMNS = ["suite", "engine", "file", "line", "kind", "case", "verdict", "message"]


def render_dashboard(db: Path | str, run_id: str, out_dir: Path | str, against: str | None = None,
                     compared: comparison.Comparison | None = None) -> Path:
    """Write the dashboard of `run_id` (or "latest") into `out_dir` and return the page's path.

    `against`: the run to compare with; by default the run that started last before
    `run_id`, when there is one; NO_COMPARISON ("none") for none. `compared`: that comparison
    when the caller has already made it from this store (the nightly, for `report --against`), so
    it is not computed twice; it names the run compared with.
    """
    assets.check()  # before reading anything: a missing set-up step is the error to report
    return write(read(db, run_id, against, compared), Path(out_dir))


def read(db: Path | str, run_id: str, against: str | None = None,
         compared: comparison.Comparison | None = None) -> data.Dashboard:
    """What the page shows, from the store (see render_dashboard for `against` and `compared`).
    Raises FileNotFoundError without a store, harness.results.UnknownRunError for a run it lacks."""
    results = load(db)
    try:
        with results.holding():  # one open of the file for every frame
            run_id = results.run_ids(run_id)[0]  # "latest" resolved, an unknown id raised
            if compared is not None:
                if compared.run.run_id != run_id or against not in (None, compared.against.run_id):
                    raise ValueError(f"the comparison given is of run {compared.run.run_id} against "
                                     f"{compared.against.run_id}, not of run {run_id} against "
                                     f"{against or 'the one before it'}")
                against = compared.against.run_id
            if against not in (None, NO_COMPARISON):
                results.run_ids(against)
            if against is None:
                against = data.previous_run(results, run_id)
            return data.load(results, run_id, None if against == NO_COMPARISON else against, compared)
    finally:
        results.store.close()


def write(board: data.Dashboard, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    parts, specs = sections.build(board)
    page = _environment().get_template("dashboard.html").render(
        run=board.run, against=board.against, sections=parts, specs=_json_ready(specs),
        headline=summary.headline(board), versions=assets.versions())
    assets.copy(out)
    (out / PAGE).write_text(page, encoding="utf-8")
    (out / "summary.md").write_text(summary.markdown(board, PAGE), encoding="utf-8")
    _failures_csv(board.spec_failures, out / sections.FAILURES_CSV)
    return out / PAGE


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined)
    # JSON.parse refuses NaN: one left in the data must fail here, not blank the page's charts.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "allow_nan": False}
    return env


def _json_ready(value: object) -> object:
    """NaN and infinities (an interval from too few samples) as null, timestamps as ISO text."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _failures_csv(failures: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FAILURE_COLUMNS)
        writer.writeheader()
        writer.writerows(failures)
