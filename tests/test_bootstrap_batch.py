"""The batched bootstrap (reports/stats.py) against the one it replaced: for a fixed seed, every
interval must be the very same numbers the per-set computation gave, whatever the sets' shapes,
ties, batch sizes or the order they come in. A changed seed, resample count, resampling scheme or
quantile rule fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from reports import stats

# --- the reference: reports/stats.py's per-set bootstrap before it was batched (commit 403bd7c) ---


def ref_groups(samples) -> list[np.ndarray]:
    items = list(samples)
    if items and np.ndim(items[0]) == 0:
        return [np.asarray(items, dtype=float)]
    return [np.asarray(g, dtype=float) for g in items if len(g)]


def ref_flat(groups: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(groups) if groups else np.zeros(0)


def ref_replicate_quantiles(groups: list[np.ndarray], rng: np.random.Generator, q: float) -> np.ndarray:
    sizes = np.array([g.size for g in groups])
    padded = np.full((len(groups), sizes.max()), np.nan)
    for i, g in enumerate(groups):
        padded[i, : g.size] = g
    chosen = rng.integers(len(groups), size=(stats.RESAMPLES, len(groups)))
    picks = (rng.random((stats.RESAMPLES, len(groups), sizes.max())) * sizes[chosen][..., None]).astype(int)
    return np.quantile(padded[chosen[..., None], picks].reshape(stats.RESAMPLES, -1), q, axis=1)


def ref_interval(sets, statistic, point: float, q: float = 0.5) -> tuple[float, float]:
    if any(ref_flat(s).size < 2 for s in sets):
        return math.nan, math.nan
    if all(np.all(ref_flat(s) == ref_flat(s)[0]) for s in sets):
        return point, point
    rng = np.random.default_rng(stats.SEED)
    replicates = statistic([ref_replicate_quantiles(s, rng, q) for s in sets])
    low, high = np.percentile(replicates, [50 * (1 - stats.CONFIDENCE), 50 * (1 + stats.CONFIDENCE)])
    return float(low), float(high)


def ref_quantile(samples, q: float) -> stats.Estimate:
    groups = ref_groups(samples)
    flat = ref_flat(groups)
    if flat.size == 0:
        return stats.Estimate(math.nan, math.nan, math.nan, 0)
    point = float(np.quantile(flat, q))
    low, high = ref_interval([groups], lambda m: m[0], point, q)
    return stats.Estimate(point, low, high, int(flat.size))


def ref_ratio(numerator, denominator) -> stats.Estimate:
    a, b = ref_groups(numerator), ref_groups(denominator)
    fa, fb = ref_flat(a), ref_flat(b)
    if fa.size == 0 or fb.size == 0:
        return stats.Estimate(math.nan, math.nan, math.nan, 0)
    value = float(np.median(fa) / np.median(fb))
    low, high = ref_interval([a, b], lambda m: m[0] / m[1], value)
    p = float(scipy_stats.mannwhitneyu(fa, fb, alternative="two-sided").pvalue)
    return stats.Estimate(value, low, high, int(min(fa.size, fb.size)), p)


def ref_geomean_ratio(pairs) -> stats.Estimate:
    sets = [ref_groups(s) for pair in pairs for s in pair]
    if not pairs or any(ref_flat(s).size == 0 for s in sets):
        return stats.Estimate(math.nan, math.nan, math.nan, 0)

    def statistic(medians: list) -> np.ndarray:
        logs = [np.log(medians[k] / medians[k + 1]) for k in range(0, len(medians), 2)]
        return np.exp(np.mean(logs, axis=0))

    point = [float(np.median(ref_flat(s))) for s in sets]
    value = float(statistic(point))
    low, high = ref_interval(sets, statistic, value)
    logs = [math.log(point[k] / point[k + 1]) for k in range(0, len(point), 2)]
    p = None
    if len(logs) >= 6 and any(v != 0 for v in logs):
        p = float(scipy_stats.wilcoxon(logs).pvalue)
    return stats.Estimate(value, low, high, len(pairs), p)


# --- sample sets of every kind the suites write ---------------------------------------------


def sample_sets(seed: int) -> list:
    """Processes x samples as bench writes them (5 x 10, 3 x 8), ragged processes (a worker that
    died early), one flat sequence (ml), heavy ties (a coarse timer), a process that settled
    elsewhere, a constant set, a single sample and an empty one."""
    rng = np.random.default_rng(seed)
    sets: list = []
    for processes, samples in ((5, 10), (3, 8), (1, 30), (2, 2), (7, 3)):
        for _ in range(4):
            sets.append([1e-3 * (1 + 0.02 * rng.standard_normal(samples)) for _ in range(processes)])
    sets.append([rng.lognormal(0, 0.5, n) for n in (10, 4, 10, 7)])               # ragged
    sets.append(list(2e-3 + 1e-3 * rng.lognormal(0, 0.3, 40)))                    # flat (ml)
    sets.append([np.round(rng.normal(5, 1, 10)) for _ in range(5)])               # ties
    sets.append([rng.normal(2.5, 0.01, 10), rng.normal(3.9, 0.01, 10)])           # bimodal processes
    sets.append([[4.0] * 10 for _ in range(3)])                                   # constant
    sets.append([[4.0]])                                                          # one sample
    sets.append([])                                                               # none
    return sets


def same(got: stats.Estimate, want: stats.Estimate) -> bool:
    """Equal to the last bit, NaN equal to NaN."""
    def eq(a, b) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and
                                             (a == b or (math.isnan(a) and math.isnan(b))))
    return all(eq(getattr(got, f), getattr(want, f)) for f in ("value", "low", "high", "n", "p_value"))


@pytest.mark.parametrize("q", [0.5, 0.95, 0.25, 0.9])
def test_batched_quantiles_are_the_per_set_ones_bit_for_bit(q: float) -> None:
    sets = sample_sets(1)
    got = stats.quantiles(sets, q)
    want = [ref_quantile(s, q) for s in sets]
    assert all(same(g, w) for g, w in zip(got, want, strict=True)), \
        [(i, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if not same(g, w)]
    # One at a time too (the functions the reports call for a single figure).
    assert all(same(stats.quantile(s, q), w) for s, w in zip(sets, want, strict=True))
    assert any(w.low < w.value < w.high for w in want)  # the data has real intervals to compare


def test_batched_ratios_are_the_per_pair_ones_bit_for_bit() -> None:
    sets = sample_sets(2)
    others = sample_sets(3)
    pairs = [(a, b) for a, b in zip(sets, others, strict=True)] + [(sets[0], sets[5]), (sets[20], sets[0])]
    got = stats.ratios(pairs)
    want = [ref_ratio(a, b) for a, b in pairs]
    assert all(same(g, w) for g, w in zip(got, want, strict=True)), \
        [(i, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if not same(g, w)]
    assert all(same(stats.ratio(a, b), w) for (a, b), w in zip(pairs, want, strict=True))


def test_geometric_mean_is_the_per_set_one_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    pairs = [([rng.normal(2 + k, 0.05, 10) for _ in range(5)], [rng.normal(1, 0.02, 10) for _ in range(5)])
             for k in range(8)]
    assert same(stats.geomean_ratio(pairs), ref_geomean_ratio(pairs))
    ragged = [(list(rng.lognormal(0, 0.2, 12)), [rng.normal(1, 0.1, n) for n in (3, 5)]) for _ in range(3)]
    assert same(stats.geomean_ratio(ragged), ref_geomean_ratio(ragged))


def test_the_batch_size_does_not_change_a_figure(monkeypatch) -> None:
    sets = sample_sets(5) * 3
    whole = stats.medians(sets)
    monkeypatch.setattr(stats, "BATCH_ELEMENTS", 1)   # one set per array operation
    assert all(same(a, b) for a, b in zip(stats.medians(sets), whole, strict=True))
    assert all(same(a, b) for a, b in zip(stats.medians(sets[::-1]), whole[::-1], strict=True))


def test_a_different_seed_or_resample_count_would_be_caught(monkeypatch) -> None:
    # The comparison above means something: the intervals do move when the bootstrap does.
    sets = sample_sets(6)[:4]
    want = [ref_quantile(s, 0.5) for s in sets]
    stats._draw_counts.cache_clear()
    monkeypatch.setattr(stats, "SEED", 2)
    assert not all(same(g, w) for g, w in zip(stats.medians(sets), want, strict=True))
    stats._draw_counts.cache_clear()
    monkeypatch.setattr(stats, "SEED", 1)
    monkeypatch.setattr(stats, "RESAMPLES", 1000)
    assert not all(same(g, w) for g, w in zip(stats.medians(sets), want, strict=True))
    stats._draw_counts.cache_clear()
