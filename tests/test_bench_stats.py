"""Benchmark statistics and the report built from sample rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reports import bench as report
from reports import stats

RNG = np.random.default_rng(7)


def noisy(center: float, n: int, spread: float = 0.02) -> np.ndarray:
    return center * (1 + spread * RNG.standard_normal(n))


def test_median_interval_holds_the_median_and_narrows_with_more_samples() -> None:
    few, many = noisy(1.0, 8, 0.1), noisy(1.0, 200, 0.1)
    a, b = stats.median(few), stats.median(many)
    assert a.low <= a.value <= a.high and b.low <= b.value <= b.high
    assert (b.high - b.low) < (a.high - a.low)


def test_median_intervals_cover_the_true_median_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(11)
    # Skewed, like timings: the true median of 1 + lognormal(0, 0.5) is 2.
    covered = [(e.low <= 2.0 <= e.high) for e in (stats.median(1 + rng.lognormal(0, 0.5, 21))
                                                  for _ in range(300))]
    assert 0.88 <= np.mean(covered) <= 0.99


def test_processes_that_disagree_widen_the_interval() -> None:
    """Samples are resampled by process first: three processes that settled at different speeds
    give a wider interval than the same samples taken as one process."""
    rng = np.random.default_rng(3)
    processes = [c * (1 + 0.0005 * rng.standard_normal(7)) for c in (1.00, 1.01, 1.02, 1.03, 1.04)]
    apart = stats.median(processes)
    pooled = stats.median(np.concatenate(processes))
    assert apart.value == pooled.value
    assert apart.low <= 1.01 and apart.high >= 1.03
    assert (apart.high - apart.low) > 1.5 * (pooled.high - pooled.low)


def test_too_few_samples_give_no_interval_and_constant_ones_a_point() -> None:
    one = stats.median([3.0])
    assert one.value == 3.0 and math.isnan(one.low) and math.isnan(one.high)
    flat = stats.median([2.0, 2.0, 2.0])
    assert (flat.low, flat.value, flat.high) == (2.0, 2.0, 2.0)


def test_ratio_finds_a_real_difference_and_not_an_imaginary_one() -> None:
    slow, fast = noisy(2.0, 21), noisy(1.0, 21)
    r = stats.ratio(slow, fast)
    assert r.low < 2.0 < r.high and r.significant
    same = stats.ratio(noisy(1.0, 21), noisy(1.0, 21))
    assert same.low < 1.0 < same.high and not same.significant


def test_geometric_mean_of_ratios() -> None:
    g = stats.geomean_ratio([(noisy(2.0, 15, 0.001), noisy(1.0, 15, 0.001)),
                             (noisy(8.0, 15, 0.001), noisy(1.0, 15, 0.001))])
    assert g.value == pytest.approx(4.0, rel=0.01)
    assert g.low < g.value < g.high and g.n == 2
    assert g.p_value is None  # too few kernels for a signed-rank test


def test_outliers_are_flagged() -> None:
    flags = stats.outliers([1.0, 1.01, 0.99, 1.0, 1.02, 3.0])
    assert flags.tolist() == [False, False, False, False, False, True]


def _rows(engine: str, case: str, kind: str, values: np.ndarray, file: str = "kernels/k.c") -> list[dict]:
    base = {"suite": "bench", "engine": engine, "engine_version": "1", "case": case, "kind": kind,
            "file": file}
    rows = [dict(base, phase="check", metric="check", verdict="pass", value=1.0, message="")]
    rows += [dict(base, phase="execute", metric="time", verdict="pass", value=v, message="") for v in values]
    rows.append(dict(base, phase="compile", metric="time", verdict="pass", value=0.001, message=""))
    rows.append(dict(base, phase="timer", metric="resolution", verdict="pass", value=1e-6, message=""))
    return rows


def test_summary_rows_carry_ratios_speedups_geomeans_and_failures() -> None:
    rows = []
    for kernel, native in (("a", 1.0), ("b", 2.0)):
        rows += _rows("native", kernel, "native", noisy(native, 9, 0.001))
        rows += _rows("eng", kernel, "scalar", noisy(1.5 * native, 9, 0.001))
        rows += _rows("eng", kernel, "simd", noisy(0.5 * native, 9, 0.001))
    rows += _rows("eng", "calls", "scalar", noisy(1e-4, 9), file="micro/calls.wat")
    rows.append({"suite": "bench", "engine": "eng", "engine_version": "1", "case": "a", "kind": "relaxed",
                 "file": "kernels/k.c", "phase": "check", "metric": "check", "verdict": "fail", "value": 2.0,
                 "message": "wrong answer"})
    out = report.summarize(pd.DataFrame(rows))
    by = {(r["engine"], r["kernel"], r["variant"], r["phase"]): r for r in out}

    scalar = by[("eng", "a", "scalar", "execute")]
    assert scalar["ratio_to_native"] == pytest.approx(1.5, rel=0.01)
    assert scalar["ratio_to_native_ci_low"] < 1.5 < scalar["ratio_to_native_ci_high"]
    assert scalar["samples"] == 9 and scalar["timer_resolution_s"] == 1e-6
    assert by[("eng", "b", "simd", "execute")]["simd_speedup"] == pytest.approx(3.0, rel=0.01)
    assert by[("eng", "geomean", "scalar", "execute")]["ratio_to_native"] == pytest.approx(1.5, rel=0.01)
    assert by[("eng", "geomean", "simd", "execute")]["simd_speedup"] == pytest.approx(3.0, rel=0.01)
    assert by[("eng", "a", "scalar", "compile")]["median_s"] == pytest.approx(0.001)
    assert by[("eng", "calls", "scalar", "execute")]["micro"] and "ratio_to_native" not in by[
        ("eng", "calls", "scalar", "execute")]
    assert by[("eng", "a", "relaxed", "run")]["status"] == "fail"
    assert "ratio_to_native" not in by[("native", "a", "native", "execute")]

    text = report.tables(out)
    assert "1.50 (" in text and "3.00 (" in text and "wrong answer" in text and "calls" in text
