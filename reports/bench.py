"""Benchmark reports: views of a run's `bench` rows, every figure with its uncertainty.

`summarize` turns the samples into one row per engine configuration, workload,
variant and phase (medians with bootstrap intervals; for the execute phase the
ratio to native and the SIMD speed-up, with intervals and p-values), plus
geometric-mean rows (workload `geomean`). The tables are text views of those rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from harness.store import NATIVE
from reports import escape, sample_sets, stats

if TYPE_CHECKING:
    import pandas as pd

GEOMEAN = "geomean"
SIMD_VARIANTS = ("simd", "relaxed")
PHASES = ("compile", "instantiate", "first_call", "execute")
# A comparison whose interval holds 1, or with p >= ALPHA, is marked "~": not told apart from
# no difference.
ALPHA = 0.05
WIDE_CV = 0.10  # execute samples spread wider than this are named under the tables (pyperf warns likewise)


def summarize(frame: pd.DataFrame) -> list[dict]:
    """One dict per engine, workload, variant and phase (the `bench --json` rows)."""
    bench = frame[frame["suite"] == "bench"]
    if "expected_failure" not in bench:
        bench = bench.assign(expected_failure=False)
    times = bench[(bench["metric"] == "time") & (bench["verdict"] == "pass")]
    # Each sample set as its processes' samples: the statistics resample processes first.
    samples: dict[tuple[str, str, str, str], list[np.ndarray]] = sample_sets.by_process(
        times, ["engine", "case", "kind", "phase"])
    versions = dict(zip(bench["engine"], bench["engine_version"], strict=False))
    # Micro-benchmarks are WAT files (suites/bench/micro/): no native build, no geometric mean.
    micro = set(bench.loc[bench["file"].fillna("").str.endswith(".wat"), "case"])
    resolution = _resolutions(bench)

    # Every interval of the run at once (stats resamples them together), then the rows.
    medians = dict(zip(samples, stats.medians(list(samples.values())), strict=True))
    rows: list[dict] = []
    ratios: list[tuple[dict, str, list[np.ndarray], list[np.ndarray]]] = []  # (row, figure, a, b)
    for (engine, case, variant, phase), groups in samples.items():
        est = medians[(engine, case, variant, phase)]
        values = np.concatenate(groups)
        row = {"engine": engine, "engine_version": versions.get(engine, ""), "kernel": case,
               "micro": case in micro, "variant": variant, "phase": phase, "status": "pass",
               "median_s": est.value,
               "ci_low_s": est.low, "ci_high_s": est.high, "samples": est.n,
               "outliers": int(stats.outliers(values).sum()),
               "cv": float(np.std(values) / np.mean(values)) if values.size > 1 else None,
               "timer_resolution_s": resolution.get(engine)}
        if phase == "execute":
            native = samples.get((NATIVE, case, NATIVE, "execute"))
            if engine != NATIVE and native is not None:
                ratios.append((row, "ratio_to_native", groups, native))
            scalar = samples.get((engine, case, "scalar", "execute"))
            if variant in SIMD_VARIANTS and scalar is not None:
                ratios.append((row, "simd_speedup", scalar, groups))
        rows.append(row)
    for (row, name, _, _), est in zip(ratios, stats.ratios([(a, b) for _, _, a, b in ratios]), strict=True):
        _put(row, name, est)

    # Geometric means over the kernels (not the micro-benchmarks) each engine ran.
    means: list[tuple[dict, str, list]] = []   # (row, figure, pairs)
    engines = sorted({e for (e, _, _, _) in samples})
    for engine in engines:
        variants = sorted({v for (e, _, v, _) in samples if e == engine})
        for variant in variants:
            kernels = sorted(c for (e, c, v, p) in samples
                             if e == engine and v == variant and p == "execute" and c not in micro)
            if not kernels:
                continue
            row = {"engine": engine, "engine_version": versions.get(engine, ""), "kernel": GEOMEAN,
                   "micro": False, "variant": variant, "phase": "execute", "status": "pass",
                   "kernels": len(kernels)}
            if engine != NATIVE:
                pairs = [(samples[(engine, c, variant, "execute")], samples[(NATIVE, c, NATIVE, "execute")])
                         for c in kernels if (NATIVE, c, NATIVE, "execute") in samples]
                if pairs:
                    means.append((row, "ratio_to_native", pairs))
            if variant in SIMD_VARIANTS:
                pairs = [(samples[(engine, c, "scalar", "execute")], samples[(engine, c, variant, "execute")])
                         for c in kernels if (engine, c, "scalar", "execute") in samples]
                if pairs:
                    means.append((row, "simd_speedup", pairs))
            rows.append(row)
    for (row, name, _), est in zip(means, stats.geomean_ratios([p for _, _, p in means]), strict=True):
        _put(row, name, est)

    # Units without times (wrong answers, unsupported variants, crashes), and known failures that
    # passed.
    checks = bench[bench["phase"] == "check"]
    expected = checks["expected_failure"].fillna(False).astype(bool)
    notable = checks[(checks["verdict"] != "pass") | expected]
    for (engine, case, variant), group in notable.groupby(["engine", "case", "kind"], sort=True):
        first = group.iloc[0]
        known = bool(first.get("expected_failure") or False)
        status = "xpass" if known and first["verdict"] == "pass" else first["verdict"]
        rows.append({"engine": engine, "engine_version": versions.get(engine, ""), "kernel": case,
                     "micro": case in micro, "variant": variant, "phase": "run", "status": status,
                     "expected_failure": known, "message": first["message"]})
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _put(row: dict, name: str, est: stats.Estimate) -> None:
    row[name] = est.value
    row[f"{name}_ci_low"] = est.low
    row[f"{name}_ci_high"] = est.high
    row[f"{name}_p"] = est.p_value


def _plain(value: object) -> object:
    """JSON-ready: NumPy scalars as Python numbers, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _resolutions(bench: pd.DataFrame) -> dict[str, float]:
    timer = bench[(bench["phase"] == "timer") & (bench["metric"] == "resolution")]
    return {str(e): float(g["value"].max()) for e, g in timer.groupby("engine")}


# --- tables ----------------------------------------------------------------------

def tables(rows: list[dict], fmt: str = "simple") -> str:
    """The comparison tables: wasm/native, SIMD speed-ups, micro-benchmarks, phases."""
    parts = []
    for title, table in (
        ("wasm / native, execute time per iteration: median ratio (95% bootstrap CI); lower is better;"
         " ~ = not told apart from 1 (the interval holds 1, or Mann-Whitney p >= 0.05)",
         _grid(rows, "ratio_to_native", variants=("scalar", *SIMD_VARIANTS))),
        ("SIMD speed-up over the same engine's scalar build: median ratio (95% CI); higher is better;"
         " ~ = not significant",
         _grid(rows, "simd_speedup", variants=SIMD_VARIANTS)),
        ("Micro-benchmarks: median time per iteration (95% CI)", _micro(rows)),
        ("Phases, scalar builds: geometric mean over kernels of each phase's median", _phases(rows)),
        ("Timers: the coarsest step seen (samples last at least 100 steps)", _timers(rows)),
    ):
        if table:
            body = escape.table(table[1:], table[0], fmt, disable_numparse=True)
            parts.append(f"{_heading(title, fmt)}{body}")
    measured = [r for r in rows if r.get("samples")]
    flagged = [r for r in measured if r.get("outliers")]
    wide = [f"{r['engine']} {r['kernel']}/{r['variant']} {r['phase']} ({r['cv']:.0%})" for r in measured
            if r["phase"] == "execute" and (r.get("cv") or 0) > WIDE_CV]
    parts.append(f"{len(flagged)} of {len(measured)} sample sets hold Tukey outliers (`outliers` in --json)."
                 + (f" Spread over {WIDE_CV:.0%} (coefficient of variation): {', '.join(wide)}."
                    if wide else ""))
    failures = [r for r in rows if r["phase"] == "run"]
    if failures:
        parts.append(_heading("Not measured", fmt) + escape.table(
            [[r["engine"], r["kernel"], r["variant"], _status(r), escape.shorten(r.get("message") or "")]
             for r in failures], ["engine", "kernel", "variant", "status", "why"], fmt))
    return "\n\n".join(parts)


def _heading(title: str, fmt: str) -> str:
    # Markdown wants a table set apart from the text before it.
    return f"### {title}\n\n" if fmt == "github" else f"{title}\n"


def _grid(rows: list[dict], metric: str, variants: tuple[str, ...]) -> list[list[str]]:
    cells: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    kernels: set[str] = set()
    for r in rows:
        if r["phase"] == "execute" and r["variant"] in variants and r.get(metric) is not None:
            cell = _ci(r[metric], r.get(f"{metric}_ci_low"), r.get(f"{metric}_ci_high"))
            # Geometric means carry a signed-rank p over kernels (in --json), not marked here.
            p = r.get(f"{metric}_p") if r["kernel"] != GEOMEAN else None
            low, high = r.get(f"{metric}_ci_low"), r.get(f"{metric}_ci_high")
            holds_one = low is not None and high is not None and low <= 1 <= high
            unclear = holds_one or (p is not None and p >= ALPHA)
            cells[(r["engine"], r["variant"])][r["kernel"]] = cell + (" ~" if unclear else "")
            if r["kernel"] != GEOMEAN:
                kernels.add(r["kernel"])
    for r in rows:
        if r["phase"] == "run" and r["variant"] in variants and (r["engine"], r["variant"]) in cells:
            cells[(r["engine"], r["variant"])][r["kernel"]] = _status(r)
    if not cells:
        return []
    # A geometric mean over fewer kernels than other engines had for that build says so.
    counts = {(r["engine"], r["variant"]): r.get("kernels", 0) for r in rows
              if r["kernel"] == GEOMEAN and r.get(metric) is not None}
    most = {v: max(n for (_, v2), n in counts.items() if v2 == v) for (_, v) in counts}
    for (e, v), n in counts.items():
        if n < most[v]:
            cells[(e, v)][GEOMEAN] += f" [{n}/{most[v]}]"
    columns = [*sorted(kernels), GEOMEAN]
    return [["engine", "variant", *columns],
            *[[e, v, *(cells[(e, v)].get(c, "") for c in columns)] for (e, v) in sorted(cells)]]


def _micro(rows: list[dict]) -> list[list[str]]:
    micro = sorted({r["kernel"] for r in rows if r["micro"]})
    if not micro:
        return []
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        if r["kernel"] in micro and r["phase"] == "execute":
            cells[r["engine"]][r["kernel"]] = _duration(r["median_s"], r["ci_low_s"], r["ci_high_s"])
        elif r["kernel"] in micro and r["phase"] == "run":
            cells[r["engine"]][r["kernel"]] = _status(r)
    return [["engine", *micro], *[[e, *(cells[e].get(m, "") for m in micro)] for e in sorted(cells)]]


def _phases(rows: list[dict]) -> list[list[str]]:
    per: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        kernel = not r["micro"] and r["kernel"] != GEOMEAN
        if kernel and r["variant"] in ("scalar", NATIVE) and r.get("median_s"):
            per[r["engine"]][r["phase"]].append(r["median_s"])
    if not per:
        return []
    table = [["engine", *PHASES]]
    for engine in sorted(per):
        table.append([engine, *(_duration(float(np.exp(np.mean(np.log(per[engine][p])))))
                                if per[engine].get(p) else "" for p in PHASES)])
    return table


def _timers(rows: list[dict]) -> list[list[str]]:
    steps = {r["engine"]: r["timer_resolution_s"] for r in rows if r.get("timer_resolution_s")}
    return [["engine", "timer step"], *[[e, _duration(steps[e])] for e in sorted(steps)]] if steps else []


def _status(row: dict) -> str:
    """A unit without times: its verdict, marked when the manifest knows the engine bug."""
    known = row.get("expected_failure") and row["status"] != "xpass"
    return f"{row['status']} (known)" if known else row["status"]


def _ci(value: float, low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return f"{value:.2f}"
    return f"{value:.2f} ({low:.2f}-{high:.2f})"


def _duration(value: float, low: float | None = None, high: float | None = None) -> str:
    scale, unit = next(((s, u) for s, u in ((1, "s"), (1e-3, "ms"), (1e-6, "us"))
                        if value >= s), (1e-9, "ns"))
    text = f"{value / scale:.3g} {unit}"
    if low is not None and high is not None:
        text += f" ({low / scale:.3g}-{high / scale:.3g})"
    return text

