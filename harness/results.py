"""The results store as pandas DataFrames, for analysts and for the reports built on them.

    from harness.results import load
    r = load("results/wasm-harness.duckdb")
    r.bench(run="latest").query("phase == 'execute'")

Every frame is tidy (one observation per row) and typed: labels are categoricals,
counts integers (nullable `Int64` where a value may be missing), figures float64,
times datetime64, free text `string`. `run` picks the runs a frame covers:
"latest" (the newest run that holds the frame's suite), a run id, a list of run
ids, or "all" (the history, oldest first). A run id the store does not have is an
`UnknownRunError` naming the store and the run.

Summaries reuse the suites' own reports (reports/bench.py and reports/ml.py
`summarize`), so a frame holds exactly the figures `bench --json` and `ml --json`
print, one row per run and unit. Per-run medians without intervals (`medians`),
pass rates (`spec_rates`) and interop scores (`interop`) are SQL over the table:
cheap enough for a history of many runs. `spec_comparison` gives two runs' rates, interop
and changed tests with each command matched across engines once (a comparison's three frames).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from harness.runinfo import effective_status
from harness.store import ResultsStore

if TYPE_CHECKING:
    import pandas as pd

# What `run=` takes: "latest", "all", a run id, or several run ids.
RunSelector = str | Sequence[str]

# Engine configurations that are browsers (the wpt.fyi-style interop score over browsers), by name.
BROWSER_PREFIXES = ("chromium", "firefox")
# The proposal of a spec file: the directory below `proposals/` (the official testsuite's layout).
PROPOSAL_SQL = r"nullif(regexp_extract(file, '(^|/)proposals/([^/]+)/', 2), '')"

ANSWERS = ("supported", "unsupported", "flag", "n/a", "error")
RUN_STATUSES = ("running", "finished", "interrupted", "failed", "abandoned")

BENCH_COLUMNS: dict[str, str] = {
    "run_id": "category", "engine": "category", "engine_version": "string", "engine_flags": "string",
    "kernel": "category", "micro": "bool", "variant": "category", "phase": "category",
    "status": "category", "median_s": "float64", "ci_low_s": "float64", "ci_high_s": "float64",
    "samples": "Int64", "outliers": "Int64", "cv": "float64", "timer_resolution_s": "float64",
    **{f"{m}{s}": "float64" for m in ("ratio_to_native", "simd_speedup")
       for s in ("", "_ci_low", "_ci_high", "_p")},
    "kernels": "Int64", "expected_failure": "boolean", "message": "string"}
ML_COLUMNS: dict[str, str] = {
    "run_id": "category", "engine": "category", "engine_version": "string", "model": "category",
    "batch": "int64", "runtime": "category", "backend": "category", "threads": "int64",
    "verdict": "category", "reason": "string", "max_abs_diff": "float64", "top1_agreement": "float64",
    "cosine": "float64", "accuracy": "float64", "cosine_vs_reference": "float64", "threads_used": "Int64",
    "backend_used": "string", "binary": "string", "adapter": "string", "p50_s": "float64",
    "ci_low_s": "float64", "ci_high_s": "float64", "p95_s": "float64", "p95_ci_low_s": "float64",
    "p95_ci_high_s": "float64", "samples": "Int64", "throughput_per_s": "float64",
    **{f"{m}{s}": "float64" for m in ("ratio_to_native", "simd_speedup")
       for s in ("", "_ci_low", "_ci_high", "_p")},
    "read_s": "float64", "compile_s": "float64", "first_inference_s": "float64",
    "peak_memory_bytes": "Int64", "memory_kind": "string"}
SPEC_COUNTS = ("passed", "failed", "skipped", "crashed", "timed_out")
# Suites of .wast scripts, recorded alike: our corpus (suites/spec) and the official testsuite
# (`nightly --testsuite DIR`, harness/suites/testsuite.py), kept apart in the store.
SPEC_SUITES = ("spec", "testsuite")
_VERDICT_OF = dict(zip(SPEC_COUNTS, ("pass", "fail", "skip", "crash", "timeout"), strict=True))


class UnknownRunError(LookupError):
    """A run id the store does not have (or a store with no runs): bad input, exit 2."""


def load(db: Path | str | ResultsStore) -> Results:
    """The results of a DuckDB store (a path, or a store already open) as DataFrames."""
    if isinstance(db, ResultsStore):
        return Results(db)
    path = Path(db)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no results database")
    return Results(ResultsStore(path, read_only=True))


class Results:
    def __init__(self, store: ResultsStore) -> None:
        self.store = store
        self.db = store.path
        # spec_comparison's answers while the file is held (writers wait meanwhile, so they stay
        # true): the dashboard's own tables and its comparison ask for the same two runs.
        self._compared: dict[tuple[str, str, str], SpecComparison] | None = None

    @contextlib.contextmanager
    def holding(self) -> Iterator[Results]:
        """One open of the file for several frames (each open costs ~10 ms; writers wait meanwhile)."""
        outer = self._compared is None
        with self.store.holding():
            if outer:
                self._compared = {}
            try:
                yield self
            finally:
                if outer:
                    self._compared = None

    # --- runs ---------------------------------------------------------------------------
    def runs(self) -> pd.DataFrame:
        """One row per run, oldest first: its metadata, the suites it holds, and `engines`, a dict
        {configuration: {"version", "flags"}} (the tidy form is `engines()`)."""
        import pandas as pd

        frame = self.store.query_frame(
            "SELECT r.*, (SELECT string_agg(DISTINCT suite, ',' ORDER BY suite) FROM results "
            "WHERE results.run_id = r.run_id) AS suites FROM runs r ORDER BY started, run_id")
        frame["status"] = pd.Categorical(
            [effective_status(s, h, None if pd.isna(p) else int(p))
             for s, h, p in zip(frame["status"], frame["host"], frame["pid"], strict=True)],
            categories=RUN_STATUSES)
        frame["engines"] = [json.loads(e) if isinstance(e, str) and e else {} for e in frame["engines"]]
        return frame.astype({"run_id": "string", "command": "string", "host": "category", "os": "string",
                             "cpu": "string", "cpu_count": "Int64", "python": "string",
                             "harness_version": "string", "git_commit": "string", "pid": "Int64",
                             "suites": "string"})

    def engines(self, run: RunSelector = "latest") -> pd.DataFrame:
        """One row per run and engine configuration: version and flags, as the run recorded them."""
        import pandas as pd

        ids = self.run_ids(run)
        found = self.store.query("SELECT run_id, engines FROM runs WHERE run_id IN (SELECT unnest(?))", [ids])
        rows = [(run_id, name, info.get("version"), info.get("flags"))
                for run_id, text in sorted(found, key=lambda r: ids.index(r[0]))
                for name, info in json.loads(text or "{}").items()]
        frame = pd.DataFrame(rows, columns=["run_id", "engine", "version", "flags"])
        return frame.astype({"run_id": "category", "engine": "category", "version": "string",
                             "flags": "string"})

    def run_ids(self, run: RunSelector = "latest", suite: str | None = None) -> list[str]:
        """The run ids a selector means, oldest first; "latest" is the newest run holding `suite`."""
        if isinstance(run, str) and run == "latest":
            where = "WHERE EXISTS (SELECT 1 FROM results WHERE results.run_id = runs.run_id AND suite = ?)" \
                if suite else ""
            found = self.store.query(f"SELECT run_id FROM runs {where} ORDER BY started DESC, run_id DESC "
                                     "LIMIT 1", [suite] if suite else [])
            if not found:
                raise UnknownRunError(f"{self.db}: no run{f' with {suite} results' if suite else ''}")
            return [found[0][0]]
        known = [r for (r,) in self.store.query("SELECT run_id FROM runs ORDER BY started, run_id")]
        if isinstance(run, str) and run == "all":
            return known
        wanted = [run] if isinstance(run, str) else list(run)
        missing = [r for r in wanted if r not in set(known)]
        if missing:
            raise UnknownRunError(f"{self.db}: no run {', '.join(repr(m) for m in missing)} "
                                  "(see wasm-harness runs)")
        return sorted(dict.fromkeys(wanted), key=known.index)

    def rows(self, suite: str, run: RunSelector = "latest") -> pd.DataFrame:
        """The raw rows of a suite (its own `suite` row left out), as the results table has them."""
        ids = self.run_ids(run, suite)
        return self.store.query_frame(
            "SELECT * FROM results WHERE run_id IN (SELECT unnest(?)) AND suite = ? AND phase <> 'suite' "
            # A fixed order: the bootstrap resamples by position, so the same rows give the same report.
            'ORDER BY run_id, engine, file, line, "case", kind, phase, process, iteration, time',
            [ids, suite])

    # --- features -----------------------------------------------------------------------
    def features(self, run: RunSelector = "latest") -> pd.DataFrame:
        """One row per run, engine configuration and feature: the matrix's answer and its detail."""
        import pandas as pd

        ids = self.run_ids(run, "features")
        frame = self.store.query_frame(
            'SELECT run_id, engine, engine_version, "case" AS feature, verdict AS answer, '
            "coalesce(message, '') AS detail FROM results WHERE run_id IN (SELECT unnest(?)) "
            "AND suite = 'features' AND phase = 'detect' AND kind = 'feature' "
            "ORDER BY run_id, engine, feature", [ids])
        frame["answer"] = pd.Categorical(frame["answer"], categories=ANSWERS)
        return _ordered(frame.astype({"run_id": "category", "engine": "category", "engine_version": "string",
                                      "feature": "category", "detail": "string"}), ids)

    # --- spec ---------------------------------------------------------------------------
    def spec(self, run: RunSelector = "latest", suite: str = "spec") -> pd.DataFrame:
        """One row per run, engine configuration and .wast file: commands by verdict, deliberate
        failures, unexpected ones, and the file's wall time on that engine. `suite`: one of
        SPEC_SUITES (our corpus, or the official testsuite as the nightly records it)."""
        ids = self.run_ids(run, _spec_suite(suite))
        counts = ", ".join(f"count(*) FILTER (WHERE verdict = '{v}') AS {c}" for c, v in _VERDICT_OF.items())
        frame = self.store.query_frame(f"""
            SELECT run_id, engine, any_value(engine_version) AS engine_version, file,
                   {PROPOSAL_SQL} AS proposal, {counts},
                   count(*) FILTER (WHERE expected_failure AND verdict IS NOT NULL) AS expected_failures,
                   count(*) FILTER (WHERE verdict IN ('fail', 'crash', 'timeout') AND NOT expected_failure)
                       AS unexpected,
                   count(verdict) AS commands,
                   sum(value) FILTER (WHERE metric = 'wall_time') AS wall_s
            FROM results WHERE run_id IN (SELECT unnest(?)) AND suite = ? AND phase <> 'suite'
            GROUP BY run_id, engine, file ORDER BY run_id, engine, file""", [ids, suite])
        types = {c: "int64" for c in (*SPEC_COUNTS, "expected_failures", "unexpected", "commands")}
        return _ordered(frame.astype({"run_id": "category", "engine": "category", "engine_version": "string",
                                      "file": "category", "proposal": "category", **types,
                                      "wall_s": "float64"}), ids)

    def spec_rates(self, run: RunSelector = "latest", suite: str = "spec") -> pd.DataFrame:
        """Per run, engine configuration and proposal (<NA>: core): the run's tests (every command any
        engine ran, deliberate failures left out) and how many this engine passed; `rate` = their share.
        A file an engine skipped whole counts as not passed, as in wpt.fyi. `suite`: as in `spec`."""
        ids = self.run_ids(run, _spec_suite(suite))
        [frame] = self._over_commands(ids, suite, [(_RATES_SQL, [])])
        return _rates_frame(frame, ids)

    def interop(self, run: RunSelector = "latest", suite: str = "spec") -> pd.DataFrame:
        """Per run, scope and proposal: the share of tests that pass in every configuration of the
        scope (wpt.fyi's interop score). Scopes: `browsers` (chromium*, firefox*) and `engines`
        (every configuration that ran the suite); `configurations` names them. `suite`: as in `spec`."""
        ids = self.run_ids(run, _spec_suite(suite))
        [frame] = self._over_commands(ids, suite, [(_INTEROP_SQL, [])])
        return _interop_frame(frame, ids)

    def spec_digests(self, runs: list[str], suite: str = "spec") -> dict[tuple[str, str], int]:
        """Per run and engine configuration, a digest of every command's verdict: equal digests
        mean the same tests passed and failed (up to a 64-bit hash collision). One scan of the
        rows, so `report --last N` finds the few pairs of runs whose verdicts changed without
        matching every command of every run (the official testsuite: 65,000 per configuration)."""
        found = self.store.query(
            'SELECT run_id, engine, bit_xor(hash(file, line, "case", kind, verdict)) FROM results '
            "WHERE run_id IN (SELECT unnest(?)) AND suite = ? AND engine IS NOT NULL GROUP BY ALL",
            [runs, _spec_suite(suite)])
        return {(str(run), str(engine)): int(digest) for run, engine, digest in found}

    def spec_totals(self, run: RunSelector = "all", suite: str = "spec") -> pd.DataFrame:
        """Per run and engine configuration: tests passed and tests, every proposal together, for
        trends over a long history. The same totals as `spec_rates` where the spec runner wrote
        the rows (one row per command; a file an engine lacks a feature for, one `script` row): a
        file's tests are the commands of the engine that ran most of them. Counting rows per file
        reads the official testsuite's 27 million rows of 30 nightly runs in about a second, where
        matching each command across engines (`spec_rates`) takes most of a minute."""
        ids = self.run_ids(run, _spec_suite(suite))
        frame = self.store.query_frame("""
            WITH files AS (
                SELECT run_id, engine, file,
                       count(*) FILTER (WHERE verdict = 'pass' AND NOT coalesce(expected_failure, false))
                           AS passed,
                       count(*) FILTER (WHERE NOT coalesce(expected_failure, false)) AS commands
                FROM results WHERE run_id IN (SELECT unnest(?)) AND suite = ? AND kind <> 'script'
                     AND verdict IS NOT NULL GROUP BY ALL),
            sizes AS (SELECT run_id, file, max(commands) AS tests FROM files GROUP BY ALL),
            engines AS (SELECT DISTINCT run_id, engine FROM results WHERE run_id IN (SELECT unnest(?))
                        AND suite = ? AND engine IS NOT NULL)
            SELECT e.run_id, e.engine, coalesce(sum(f.passed), 0)::BIGINT AS passed,
                   sum(s.tests)::BIGINT AS tests
            FROM engines e JOIN sizes s USING (run_id)
            LEFT JOIN files f ON f.run_id = e.run_id AND f.engine = e.engine AND f.file = s.file
            GROUP BY ALL ORDER BY e.run_id, e.engine""", [ids, suite, ids, suite])
        frame["rate"] = frame["passed"] / frame["tests"]
        return _ordered(frame.astype({"run_id": "category", "engine": "category", "passed": "int64",
                                      "tests": "int64", "rate": "float64"}), ids)

    def spec_changes(self, before: str, after: str, suite: str = "spec") -> pd.DataFrame:
        """The tests whose outcome changed on an engine from run `before` to run `after`: engine, file,
        line, name, before and after (a verdict, or `not run`: the engine skipped the file whole),
        change (`no longer passing` or `newly passing`). Only tests and engines both runs have."""
        _spec_suite(suite)
        ids = self.run_ids([before, after])
        [frame] = self._over_commands(ids, suite, [(_CHANGES_SQL, [before, before, after, after])])
        return _changes_frame(frame)

    def spec_comparison(self, before: str, after: str, suite: str = "spec") -> SpecComparison:
        """`spec_rates` and `interop` of both runs and their `spec_changes`, the same frames, with
        each command matched across engines once for all three: the official testsuite's 65,000
        commands on 14 configurations take about a second to match per run, so three separate
        matchings were most of `report --against`'s time."""
        _spec_suite(suite)
        if self._compared is not None and (before, after, suite) in self._compared:
            return self._compared[(before, after, suite)]
        ids = self.run_ids([before, after])
        queries = [(_RATES_SQL, []), (_INTEROP_SQL, []), (_CHANGES_SQL, [before, before, after, after])]
        rates, interop, changes = self._over_commands(ids, suite, queries)
        found = SpecComparison(_rates_frame(rates, ids), _interop_frame(interop, ids),
                               _changes_frame(changes))
        if self._compared is not None:
            self._compared[(before, after, suite)] = found
        return found

    def _over_commands(self, ids: list[str], suite: str,
                       queries: list[tuple[str, list]]) -> list[pd.DataFrame]:
        """Queries over the runs' spec commands as tests per engine (`_TESTS_SQL`), made once."""
        return self.store.query_frames({"spec_commands": (_COMMANDS_SQL, [ids, suite]),
                                        "spec_tests": (_SPEC_TESTS_SQL, []),
                                        "spec_engines": (_ENGINES_SQL, [ids, suite])}, queries)

    # --- benchmarks and ML ----------------------------------------------------------------
    def bench(self, run: RunSelector = "latest") -> pd.DataFrame:
        """The benchmark summaries (`bench --json`'s rows: medians, ratios to native and SIMD
        speed-ups with 95% bootstrap intervals and p-values, geometric means) with run_id and flags."""
        from reports import bench as bench_report

        parts = []
        for run_id in self.run_ids(run, "bench"):
            rows = self.rows("bench", run_id)
            flags = dict(zip(rows["engine"], rows["engine_flags"], strict=False))
            parts += [{"run_id": run_id, **r, "engine_flags": flags.get(r["engine"])}
                      for r in bench_report.summarize(rows)]
        return _typed(parts, BENCH_COLUMNS)

    def ml(self, run: RunSelector = "latest") -> pd.DataFrame:
        """The ML summaries (`ml --json`'s rows: p50/p95 with intervals, ratios to native onnxruntime,
        accuracy, cold-start phases, memory), one row per run and unit."""
        from reports import ml as ml_report

        parts = [{"run_id": run_id, **r} for run_id in self.run_ids(run, "ml")
                 for r in ml_report.summarize(self.rows("ml", run_id))]
        return _typed(parts, ML_COLUMNS)

    def samples(self, suite: str = "bench", run: RunSelector = "latest") -> pd.DataFrame:
        """Raw timing samples (seconds), one per row: bench's phases (`kernel`, `variant`) or ml's
        (`model`, `batch`, `runtime`, `backend`, `threads`), with the worker `process` and `iteration`."""
        ids = self.run_ids(run, suite)
        frame = self.store.query_frame(
            'SELECT run_id, engine, engine_version, engine_flags, "case", kind, phase, process, iteration, '
            "value, unit FROM results WHERE run_id IN (SELECT unnest(?)) AND suite = ? AND metric = 'time' "
            "AND verdict = 'pass' ORDER BY run_id, engine, \"case\", kind, phase, process, iteration",
            [ids, suite])
        frame = _unit_columns(frame, suite)
        return _ordered(frame.astype({"run_id": "category", "engine": "category", "engine_version": "string",
                                      "engine_flags": "string", "phase": "category", "process": "Int64",
                                      "iteration": "Int64", "value": "float64", "unit": "category"}), ids)

    def medians(self, suite: str = "bench", run: RunSelector = "all") -> pd.DataFrame:
        """Per run and timed unit: the median time and the sample count, with no interval (SQL: cheap
        over a long history; `bench()` and `ml()` give intervals)."""
        ids = self.run_ids(run, suite)
        frame = self.store.query_frame(
            'SELECT r.run_id, any_value(runs.started) AS started, engine, any_value(engine_version) AS '
            'engine_version, any_value(engine_flags) AS engine_flags, "case", kind, phase, '
            "median(value) AS median_s, count(*) AS samples FROM results r JOIN runs USING (run_id) "
            "WHERE r.run_id IN (SELECT unnest(?)) AND suite = ? AND metric = 'time' AND verdict = 'pass' "
            'GROUP BY r.run_id, engine, "case", kind, phase ORDER BY started, engine, "case", kind, phase',
            [ids, suite])
        frame = _unit_columns(frame, suite)
        return _ordered(frame.astype({"run_id": "category", "engine": "category", "engine_version": "string",
                                      "engine_flags": "string", "phase": "category", "median_s": "float64",
                                      "samples": "int64"}), ids)


# Every spec command of the runs, as a test per engine (`ok`: it passed), made once into a temporary
# table `spec_commands` that the queries below share (`Results._over_commands`).
_COMMANDS_SQL = """
    SELECT run_id, engine, file, line, coalesce("case", kind) AS name,
           bool_and(verdict = 'pass') AS ok, bool_and(expected_failure) AS deliberate,
           coalesce(min(verdict) FILTER (WHERE verdict <> 'pass'), 'pass') AS verdict
    FROM results WHERE run_id IN (SELECT unnest(?)) AND suite = ? AND kind <> 'script'
         AND verdict IS NOT NULL
    GROUP BY run_id, engine, file, line, name"""
# Every configuration that ran the suite, even one that skipped every file (`spec_engines`).
_ENGINES_SQL = """SELECT DISTINCT run_id, engine FROM results WHERE run_id IN (SELECT unnest(?))
                  AND suite = ? AND engine IS NOT NULL"""
# The runs' tests (a test is a file, line and command name; `deliberate` when the corpus marks it to
# fail everywhere), from `spec_commands` into `spec_tests`. The proposal is the file's: found once
# per test, not once per row.
_SPEC_TESTS_SQL = f"""SELECT run_id, file, line, name, {PROPOSAL_SQL} AS proposal,
                            bool_and(deliberate) AS deliberate
                     FROM spec_commands GROUP BY run_id, file, line, name"""
_TESTS_SQL = """
WITH commands AS (FROM spec_commands), tests AS (FROM spec_tests), engines AS (FROM spec_engines)"""
# Counted per file first (a run has thousands of tests per engine but only hundreds of files), then
# summed per proposal: the official testsuite's 65,000 commands on 14 configurations stay a fraction
# of a second.
_RATES_SQL = _TESTS_SQL + """,
    -- Deliberate failures are few (none in the official testsuite): left out by an anti-join with
    -- them, not by joining every command with its test.
    passed AS (SELECT c.run_id, c.engine, c.file, count(*) AS passed
               FROM commands c ANTI JOIN (FROM tests WHERE deliberate) d USING (run_id, file, line, name)
               WHERE c.ok GROUP BY ALL),
    files AS (SELECT run_id, file, any_value(proposal) AS proposal, count(*) AS tests FROM tests
              WHERE NOT deliberate GROUP BY run_id, file)
    SELECT e.run_id, e.engine, f.proposal, coalesce(sum(p.passed), 0)::BIGINT AS passed,
           sum(f.tests)::BIGINT AS tests
    FROM engines e JOIN files f USING (run_id)
    LEFT JOIN passed p ON p.run_id = e.run_id AND p.engine = e.engine AND p.file = f.file
    GROUP BY ALL ORDER BY e.run_id, e.engine, f.proposal NULLS FIRST"""
_BROWSERS_SQL = " OR ".join(f"engine LIKE '{p}%'" for p in BROWSER_PREFIXES)
_INTEROP_SQL = _TESTS_SQL + f""",
    scopes AS (SELECT run_id, engine, 'engines' AS scope FROM engines
               UNION ALL SELECT run_id, engine, 'browsers' FROM engines WHERE {_BROWSERS_SQL}),
    sizes AS (SELECT run_id, scope, count(*) AS n, string_agg(engine, ',' ORDER BY engine) AS names
              FROM scopes GROUP BY ALL),
    -- Per test and scope: how many of the scope's configurations passed it (tests none passed
    -- come in through the outer join below).
    passing AS (SELECT s.run_id, s.scope, c.file, c.line, c.name, count(*) AS ok
                FROM commands c JOIN scopes s USING (run_id, engine) WHERE c.ok GROUP BY ALL)
    SELECT t.run_id, z.scope, t.proposal, count(*) FILTER (WHERE p.ok = z.n) AS passing,
           count(*) AS tests, any_value(z.n) AS size, any_value(z.names) AS configurations
    FROM tests t JOIN sizes z USING (run_id)
    LEFT JOIN passing p ON p.run_id = t.run_id AND p.scope = z.scope AND p.file = t.file
         AND p.line = t.line AND p.name = t.name
    WHERE NOT t.deliberate
    GROUP BY t.run_id, z.scope, t.proposal ORDER BY t.run_id, z.scope, t.proposal NULLS FIRST"""
# Each engine's commands of both runs side by side, one row per engine and test (no grid of every
# engine by every test); a side the engine did not run is `not run`. Parameters: before twice, after
# twice.
_CHANGES_SQL = _TESTS_SQL + """,
    shared AS (SELECT file, line, name FROM tests WHERE NOT deliberate GROUP BY ALL
               HAVING count(DISTINCT run_id) = 2),
    both_engines AS (SELECT engine FROM engines GROUP BY engine HAVING count(DISTINCT run_id) = 2),
    sides AS (SELECT engine, file, line, name,
                     bool_or(ok) FILTER (WHERE run_id = ?) AS before_ok,
                     any_value(verdict) FILTER (WHERE run_id = ?) AS before,
                     bool_or(ok) FILTER (WHERE run_id = ?) AS after_ok,
                     any_value(verdict) FILTER (WHERE run_id = ?) AS after
              FROM commands GROUP BY engine, file, line, name)
    SELECT engine, file, line, name, coalesce(before, 'not run') AS before,
           coalesce(after, 'not run') AS after,
           CASE WHEN coalesce(before_ok, false) THEN 'no longer passing' ELSE 'newly passing' END AS change
    FROM sides JOIN shared USING (file, line, name) JOIN both_engines USING (engine)
    WHERE coalesce(before_ok, false) <> coalesce(after_ok, false)
    ORDER BY engine, file, line, name"""


class SpecComparison(NamedTuple):
    """`Results.spec_comparison`: two runs' pass rates and interop scores, and the tests that changed."""

    rates: pd.DataFrame
    interop: pd.DataFrame
    changes: pd.DataFrame


def _rates_frame(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    frame["rate"] = frame["passed"] / frame["tests"]
    return _ordered(frame.astype({"run_id": "category", "engine": "category", "proposal": "category",
                                  "passed": "int64", "tests": "int64", "rate": "float64"}), ids)


def _interop_frame(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    frame["score"] = frame["passing"] / frame["tests"]
    return _ordered(frame.astype({"run_id": "category", "scope": "category", "proposal": "category",
                                  "passing": "int64", "tests": "int64", "size": "int64",
                                  "configurations": "string", "score": "float64"}), ids)


def _changes_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"engine": "category", "file": "category", "line": "int64", "name": "string",
                         "before": "category", "after": "category", "change": "category"})


def _spec_suite(suite: str) -> str:
    if suite not in SPEC_SUITES:
        raise ValueError(f"{suite!r} is not a suite of spec scripts ({', '.join(SPEC_SUITES)})")
    return suite


def _unit_columns(frame: pd.DataFrame, suite: str) -> pd.DataFrame:
    """`case` and `kind` named as the suite's summaries name them (bench: kernel and variant; ml:
    model, batch, runtime, backend, threads)."""
    import pandas as pd

    if suite == "bench":
        return frame.rename(columns={"case": "kernel", "kind": "variant"}).astype(
            {"kernel": "category", "variant": "category"})
    if suite == "ml":
        model = frame["case"].str.rpartition("/b").reindex(columns=range(3))
        kind = frame["kind"].str.split(":", expand=True).reindex(columns=range(3))
        at = frame.columns.get_loc("case")
        frame = frame.drop(columns=["case", "kind"])
        for offset, (name, values, dtype) in enumerate((
                ("model", model[0], "category"), ("batch", model[2], "int64"),
                ("runtime", kind[0], "category"), ("backend", kind[1], "category"),
                ("threads", kind[2], "int64"))):
            frame.insert(at + offset, name, pd.Series(values, index=frame.index).astype(dtype))
        return frame
    return frame.astype({"case": "category", "kind": "category"})


def _ordered(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """run_id's categories in the runs' order (oldest first), so sorting by run follows time."""
    frame["run_id"] = frame["run_id"].cat.set_categories(ids)
    return frame.reset_index(drop=True)


def _typed(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(columns))
    ids = list(dict.fromkeys(frame["run_id"]))
    return _ordered(frame.astype(columns), ids)
