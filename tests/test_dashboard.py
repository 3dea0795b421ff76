"""The static dashboard: rendered from a store of two runs (an engine made slower in the second),
checked as files and in a real Chromium: regressions first, the feature matrix, charts drawn,
tables that sort, and no markup from names, files or messages ever parsed as markup.
"""

from __future__ import annotations

import csv
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dashboard_history import (
    HOSTILE_DETAIL,
    HOSTILE_FILE,
    HOSTILE_FLAGS,
    HOSTILE_KERNEL,
    HOSTILE_MESSAGE,
    Shape,
    write_history,
)

from harness.cli import main
from harness.engine_required import require_engine
from harness.results import load
from reports.dashboard import MissingAssetError, UnknownRunError, assets, render_dashboard

SLOW = "node"
OWN_SCRIPTS = ["vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js",
               "vendor/sortable.min.js", "vendor/sortable.a11y.min.js", "dashboard.js"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, list[str]]:
    db = tmp_path_factory.mktemp("dashboard") / "r.duckdb"
    return db, write_history(db, 2, slower=SLOW)


@pytest.fixture(scope="module")
def rendered(two_runs, tmp_path_factory) -> Path:
    db, ids = two_runs
    return render_dashboard(db, ids[-1], tmp_path_factory.mktemp("site"))


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parsed(page: Path) -> Tags:
    tags = Tags()
    tags.feed(page.read_text())
    return tags


# --- the files ------------------------------------------------------------------------
def test_the_folder_holds_everything_the_page_loads(rendered: Path) -> None:
    tags = parsed(rendered)
    loaded = [a["src"] for t, a in tags.tags if t == "script" and "src" in a]
    loaded += [a["href"] for t, a in tags.tags if t == "link"]
    assert set(OWN_SCRIPTS) <= set(loaded)
    for ref in loaded:
        assert not re.match(r"[a-z]+:", ref), ref  # relative: no CDN, no absolute path
        assert (rendered.parent / ref).is_file(), ref
    for package in assets.PACKAGES:
        assert (rendered.parent / "vendor" / f"{package}.LICENSE.txt").is_file()


def test_hostile_text_is_never_markup(rendered: Path) -> None:
    tags = parsed(rendered)
    names = {t for t, _ in tags.tags}
    assert "img" not in names and "b" not in names
    assert not [(t, k) for t, a in tags.tags for k in a if k.startswith("on")]
    scripts = [(a.get("src"), a.get("type")) for t, a in tags.tags if t == "script"]
    assert scripts == [(None, "application/json"), *((s, None) for s in OWN_SCRIPTS)]
    text = rendered.read_text()
    # Shown as text: escaped in cells and attributes.
    assert "&lt;img src=x onerror=alert(1)&gt;.wast" in text
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(3)&gt; says &#34;no&#34;" in text


def test_embedded_json_cannot_end_its_script(rendered: Path) -> None:
    body = parsed(rendered).scripts[0]
    assert not set(body) & {"<", ">", "&", "\u2028", "\u2029"}
    specs = json.loads(body)
    assert HOSTILE_KERNEL in json.dumps(specs, ensure_ascii=False)  # the data is all there
    assert {"bench-ratio", "bench-micro", "ml-latency", "trend-perf", "trend-spec"} <= set(specs)


def test_summary_markdown_flags_the_slower_engine_and_escapes(rendered: Path, two_runs) -> None:
    _, ids = two_runs
    md = (rendered.parent / "summary.md").read_text()
    assert f"against run {ids[0]}" in md
    lines = [line for line in md.splitlines() if line.startswith("| regression")]
    assert lines and all(f"| {SLOW} " in line for line in lines), md
    assert f"{SLOW} version 20.0 -&gt; 21.0" in lines[0]  # Markdown: no raw >
    assert not re.search(r"<(img|script|b)\b", md)
    improvements = [line for line in md.splitlines() if line.startswith("| improvement")]
    assert len(improvements) == 1
    assert re.match(r"\| improvement \| features +\| wasmtime +\| simd ", improvements[0])


def test_failures_csv_keeps_every_unexpected_failure(rendered: Path) -> None:
    with (rendered.parent / "failures.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows and {r["message"] for r in rows} == {HOSTILE_MESSAGE}
    assert HOSTILE_FILE in {r["file"] for r in rows}


def test_an_unchanged_rerun_flags_nothing(tmp_path: Path) -> None:
    ids = write_history(tmp_path / "r.duckdb", 2, flip=False)
    page = render_dashboard(tmp_path / "r.duckdb", ids[-1], tmp_path / "site")
    assert "Nothing changed beyond run-to-run drift." in (page.parent / "summary.md").read_text()


def test_the_first_run_has_nothing_to_compare(tmp_path: Path) -> None:
    ids = write_history(tmp_path / "r.duckdb", 1)
    page = render_dashboard(tmp_path / "r.duckdb", ids[0], tmp_path / "site")
    assert "the first run in the store" in page.read_text()
    assert 'id="regression-table"' not in page.read_text()


def test_a_comparison_handed_in_is_shown_as_the_one_computed(two_runs, monkeypatch) -> None:
    # The nightly compares once for `report --against` and hands that comparison to the dashboard.
    from reports import comparison
    from reports.dashboard import render

    db, ids = two_runs
    computed = render.read(db, ids[-1])
    results = load(db)
    try:
        given = comparison.compare(results, ids[-1], ids[-2])
    finally:
        results.store.close()
    monkeypatch.setattr(comparison, "compare", lambda *a, **k: pytest.fail("compared again"))
    shown = render.read(db, ids[-1], compared=given)
    assert shown == computed and shown.regressions and shown.against["run_id"] == ids[-2]
    with pytest.raises(ValueError, match="not of run"):
        render.read(db, ids[-2], compared=given)
    with pytest.raises(ValueError, match="not of run"):
        render.read(db, ids[-1], "none", compared=given)


# --- the command and bad input ----------------------------------------------------------
def test_command_writes_the_folder_and_json(two_runs, tmp_path: Path, capsys) -> None:
    db, ids = two_runs
    assert main(["dashboard", "--db", str(db), "--out", str(tmp_path / "d"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["run_id"] == ids[-1] and out["against"] == ids[0]
    assert Path(out["page"]).is_file() and Path(out["summary"]).is_file()
    assert {f["engine"] for f in out["regressions"] if f["kind"] == "regression"} == {SLOW}
    assert main(["dashboard", "--db", str(db), "--out", str(tmp_path / "e"), "--against", "none"]) == 0
    printed = capsys.readouterr().out
    assert "regression" not in printed and f"wrote {tmp_path / 'e' / 'index.html'}" in printed


@pytest.mark.parametrize("args, message", [
    (["--run", "bogus"], "no run 'bogus'"),
    (["--against", "bogus"], "no run 'bogus'"),
])
def test_an_unknown_run_is_bad_input(two_runs, tmp_path: Path, capsys, args: list[str], message: str) -> None:
    db, _ = two_runs
    assert main(["dashboard", "--db", str(db), "--out", str(tmp_path / "d"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and str(db) in err
    assert not (tmp_path / "d").exists()
    with pytest.raises(UnknownRunError, match="bogus"):
        render_dashboard(db, "bogus", tmp_path / "d")


def test_no_store_and_unwritable_folder_are_bad_input(two_runs, tmp_path: Path, capsys) -> None:
    db, _ = two_runs
    assert main(["dashboard", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no results database" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["dashboard", "--db", str(db), "--out", str(blocker / "d")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_missing_npm_files_are_named(two_runs, tmp_path: Path, monkeypatch, capsys) -> None:
    db, ids = two_runs
    monkeypatch.setattr(assets, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(MissingAssetError, match="vega.min.js.*make setup"):
        render_dashboard(db, ids[-1], tmp_path / "d")
    assert main(["dashboard", "--db", str(db), "--out", str(tmp_path / "d")]) == 2
    assert "vega.min.js" in capsys.readouterr().err


# --- in a real browser ----------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_page(rendered: Path):
    from dashboard_browser import opened

    require_engine("chromium")
    with opened(rendered) as (page, events):
        yield page, events


def test_browser_draws_every_chart_offline_without_errors(browser_page) -> None:
    page, events = browser_page
    assert page.evaluate("document.documentElement.dataset.charts") == "ready", \
        page.locator("[data-rendered=failed]").all_inner_texts()
    charts = page.locator(".chart")
    assert charts.count() == 5
    for i in range(charts.count()):
        assert charts.nth(i).locator("svg").count() >= 1
    # The hostile kernel's name is drawn as text in the benchmark chart's panel header.
    assert HOSTILE_KERNEL in page.locator("#chart-bench-ratio svg").first.text_content()
    assert events.requests == [] and events.dialogs == [] and events.errors == []


def test_browser_regressions_come_first(browser_page) -> None:
    page, _ = browser_page
    order = page.eval_on_selector_all("main > section", "els => els.map(e => e.id)")
    assert order == ["regressions", "features", "spec", "bench", "ml", "trends", "runs"]
    rows = page.eval_on_selector_all("#regression-table tbody tr",
                                     "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")
    kinds = [r[0] for r in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "regression") and kinds[-1] == "improvement"
    slowed = [r for r in rows if r[0] == "regression"]
    assert {r[1] for r in slowed} == {"bench", "ml"} and {r[2] for r in slowed} == {SLOW}
    assert all(r[6].startswith("+") and f"{SLOW} version 20.0 -> 21.0" in r[8] for r in slowed)
    changes = page.eval_on_selector_all("#feature-change-table tbody tr",
                                        "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")
    assert changes == [["wasmtime", "simd", "unsupported", "supported"]]


def test_browser_feature_matrix_cells(browser_page) -> None:
    page, _ = browser_page
    headers = page.eval_on_selector_all("#feature-table thead th", "ths => ths.map(th => th.textContent)")
    assert headers == ["feature", "wasmtime", "node", "chromium"]
    cells = page.eval_on_selector_all(
        "#feature-table tbody tr",
        "trs => trs.map(tr => [...tr.cells].map(td => [td.textContent, td.className, td.title]))")
    by = {row[0][0]: dict(zip(headers[1:], row[1:], strict=True)) for row in cells}
    shape = Shape()
    assert set(by) == set(shape.features)
    # The fixture's rule (dashboard_history._features), with wasmtime's simd flipped in the second run.
    for i, engine in enumerate(shape.engines):
        for j, feature in enumerate(shape.features):
            text, css, title = by[feature][engine]
            want = "supported" if (i + j) % 3 else "unsupported"
            if (i, j) == (0, 0):
                want = "supported" if want == "unsupported" else "unsupported"
            assert text == want and css.split()[0] == ("yes" if want == "supported" else "no")
            assert title.startswith(HOSTILE_DETAIL)  # the detail as text, quotes and all
    assert "changed" in by["simd"]["wasmtime"][1]


def test_browser_sorts_a_table_by_clicking_its_header(browser_page) -> None:
    page, _ = browser_page
    table = "#bench-table"

    def rows() -> list[list[str]]:
        return page.eval_on_selector_all(f"{table} tbody tr", "trs => trs.map(tr => [...tr.cells].map("
                                         "td => td.dataset.sort ?? td.textContent))")

    def click(header: str) -> None:
        # sortable-tablesort sorts just after the click and then fires sort-end on the table.
        page.evaluate(f"document.querySelector('{table}').addEventListener('sort-end', "
                      "() => { window.sorted = true; }, {once: true}); window.sorted = false")
        page.locator(f"{table} thead th", has_text=header).click()
        # Polled with evaluate: wait_for_function's string predicate is an eval, which the page's CSP refuses.
        for _ in range(200):
            if page.evaluate("window.sorted === true"):
                break
            page.wait_for_timeout(10)
        assert page.evaluate("window.sorted === true")

    def medians() -> list[float | None]:
        return [float(r[4]) if r[4] != "" else None for r in rows()]

    before = rows()
    known = [m for m in medians() if m is not None]
    assert len(known) > 2 and known != sorted(known)  # the click has something to do
    click("median")
    # Up, with the geometric-mean rows (no median of their own) last.
    assert medians() == sorted(known) + [None] * (len(before) - len(known))
    assert sorted(map(tuple, rows())) == sorted(map(tuple, before))  # rows moved whole
    click("median")
    assert medians() == sorted(known, reverse=True) + [None] * (len(before) - len(known))


def expected_testsuite_totals() -> dict[str, tuple[int, int]]:
    """engine -> (tests passed, tests) of the fixture's official testsuite, from its rule
    (dashboard_history._testsuite): a command fails where (line + file + engine) % 7 == 0, and the
    second engine skips the second file whole (its tests count as not passed)."""
    shape = Shape()
    lines = range(1, shape.commands_per_file + 1)
    tests = len(shape.testsuite_files) * len(lines)
    return {engine: (sum(1 for f in range(len(shape.testsuite_files)) if (i, f) != (1, 1)
                         for line in lines if (line + f + i) % 7), tests)
            for i, engine in enumerate(shape.engines)}


def test_browser_shows_the_official_testsuite_apart_from_the_corpus(browser_page) -> None:
    page, _ = browser_page
    captions = page.eval_on_selector_all("#spec h3", "hs => hs.map(h => h.textContent)")
    assert [c for c in captions if c.startswith("official")] == [
        "official WebAssembly testsuite: per engine", "official WebAssembly testsuite: per proposal",
        "official WebAssembly testsuite: interop", "official WebAssembly testsuite: unexpected failures"]
    assert captions[0] == "spec corpus (suites/spec): per engine"

    def table(selector: str) -> list[list[str]]:
        return page.eval_on_selector_all(f"{selector} tbody tr",
                                         "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")

    want = expected_testsuite_totals()
    engines = {r[0]: r for r in table("#testsuite-engine-table")}
    assert set(engines) == set(want)
    for engine, (passed, tests) in want.items():
        assert engines[engine][2] == f"{passed / tests:.1%} ({passed}/{tests})"
    # The corpus's table holds other figures (deliberate failures, another rule): not mixed in.
    corpus = {r[0]: r[2] for r in table("#spec-engine-table")}
    assert set(corpus) == set(want) and all(corpus[e] != engines[e][2] for e in want)
    # Per proposal: gc is the skipped file's, and the engine that skipped it passed none of it.
    proposals = {r[0]: r[1:] for r in table("#testsuite-proposal-table")}
    assert set(proposals) == {"core", "gc"} and proposals["gc"][1].startswith("0.0% (0/20)")
    interop = table("#testsuite-interop-table")
    # Over every engine, no gc test passes everywhere: one engine skipped the file.
    assert [r[2] for r in interop if r[:2] == ["engines", "gc"]] == ["0.0% (0/20)"]
    assert table("#testsuite-failure-table")
    # The trend has a panel per suite, each labelled.
    trend = page.locator("#chart-trend-spec svg").first.text_content()
    assert "official WebAssembly testsuite" in trend and "spec corpus (suites/spec)" in trend


def test_trend_totals_are_the_pass_rates_of_the_tables(two_runs) -> None:
    # Results.spec_totals (the trends' cheap count over a long history) against spec_rates (the
    # tables' test-by-test count), for both suites and both runs.
    from harness.results import load

    db, ids = two_runs
    results = load(db)
    for suite in ("spec", "testsuite"):
        totals = results.spec_totals(ids, suite)
        rates = results.spec_rates(ids, suite).groupby(["run_id", "engine"], observed=True)[
            ["passed", "tests"]].sum().reset_index()
        got = sorted(zip(totals["run_id"].astype(str), totals["engine"].astype(str), totals["passed"],
                         totals["tests"], strict=True))
        assert got == sorted(zip(rates["run_id"].astype(str), rates["engine"].astype(str), rates["passed"],
                                 rates["tests"], strict=True))
    last = results.spec_totals(ids[-1], "testsuite")
    latest = {str(e): (int(p), int(t))
              for e, p, t in last[["engine", "passed", "tests"]].itertuples(index=False)}
    assert latest == expected_testsuite_totals()


def test_browser_shows_hostile_text_as_text(browser_page) -> None:
    page, events = browser_page
    injected = page.evaluate("""() => ({
        img: document.querySelectorAll('img').length,
        bold: document.querySelectorAll('b').length,
        handlers: [...document.querySelectorAll('*')].filter(
            e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
        scripts: [...document.scripts].map(s => s.getAttribute('src')),
    })""")
    assert injected == {"img": 0, "bold": 0, "handlers": 0, "scripts": [None, *OWN_SCRIPTS]}
    def texts(selector: str, what: str = "textContent") -> list[str]:
        return page.eval_on_selector_all(selector, f"tds => tds.map(t => t.{what})")

    assert HOSTILE_FILE in texts("#spec-failure-table tbody td:nth-child(2)")
    assert HOSTILE_MESSAGE in texts("#spec-failure-table tbody td:last-child", "title")
    assert HOSTILE_FLAGS in texts("#engine-table tbody td:last-child")
    assert events.dialogs == []


def test_browser_screenshots(browser_page, tmp_path: Path) -> None:
    from dashboard_browser import SHOTS, screenshots

    page, _ = browser_page
    written = screenshots(page, tmp_path)
    assert [p.name for p in written] == [name for name, _ in SHOTS]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    if os.environ.get("DASHBOARD_SCREENSHOTS"):  # make dashboard-screenshots: the README's pictures
        screenshots(page, Path(os.environ["DASHBOARD_SCREENSHOTS"]))


def test_trends_over_a_long_history_keep_every_point() -> None:
    # Altair refuses more than 5,000 rows by default; 30 nightly runs of every engine hold ~20,000.
    from datetime import datetime, timedelta

    from reports.dashboard import charts

    points = [{"run_id": f"r{n}", "started": datetime(2026, 11, 1) + timedelta(days=n), "suite": "bench",
               "engine": f"e{e}", "workload": f"w{w}", "p50_s": 1e-3 * (1 + n / 100)}
              for n in range(30) for e in range(14) for w in range(15)]
    spec = charts.trends(points)
    assert spec is not None and sum(len(v) for v in spec["datasets"].values()) == len(points) == 6300
