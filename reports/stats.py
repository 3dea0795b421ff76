"""Statistics over benchmark samples: medians, ratios and geometric means, each with a
bootstrap confidence interval, a significance test for comparisons (scipy), and
Tukey outlier flags.

Every interval is a two-stage percentile bootstrap (worker processes, then samples within
them) with a fixed seed, so the same rows always give the same report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 1


@dataclass(frozen=True)
class Estimate:
    """A statistic with its confidence interval (nan when there are too few samples for one)."""

    value: float
    low: float
    high: float
    n: int
    p_value: float | None = None  # comparisons only: the chance of a difference this large by noise

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 1 - CONFIDENCE


def outliers(samples: Sequence[float]) -> np.ndarray:
    """Tukey's fences: True for samples beyond 1.5 interquartile ranges from the quartiles."""
    x = np.asarray(samples, dtype=float)
    if x.size < 4:
        return np.zeros(x.size, dtype=bool)
    q1, q3 = np.percentile(x, [25, 75])
    spread = 1.5 * (q3 - q1)
    return (x < q1 - spread) | (x > q3 + spread)


# A sample set: its samples grouped by the worker process that took them (or one flat
# sequence: one process).
SampleSet = Sequence[float] | Sequence[Sequence[float]]


def median(samples: SampleSet) -> Estimate:
    return quantile(samples, 0.5)


def quantile(samples: SampleSet, q: float) -> Estimate:
    """The q-quantile (0.5: the median, 0.95: p95) with its bootstrap interval."""
    groups = _groups(samples)
    flat = _flat(groups)
    if flat.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    point = float(np.quantile(flat, q))
    low, high = _interval([groups], lambda m: m[0], point, q)
    return Estimate(point, low, high, int(flat.size))


def ratio(numerator: SampleSet, denominator: SampleSet) -> Estimate:
    """median(numerator) / median(denominator), the two resampled independently;
    p from a two-sided Mann-Whitney U test of the two sample sets."""
    a, b = _groups(numerator), _groups(denominator)
    fa, fb = _flat(a), _flat(b)
    if fa.size == 0 or fb.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    value = float(np.median(fa) / np.median(fb))
    low, high = _interval([a, b], lambda m: m[0] / m[1], value)
    p = float(stats.mannwhitneyu(fa, fb, alternative="two-sided").pvalue)
    return Estimate(value, low, high, int(min(fa.size, fb.size)), p)


def geomean_ratio(pairs: Sequence[tuple[SampleSet, SampleSet]]) -> Estimate:
    """The geometric mean over kernels of median(a_k) / median(b_k), every sample set resampled
    in each bootstrap replicate; p from a Wilcoxon signed-rank test of the log ratios against 0
    (None with fewer than six kernels, too few for that test to mean much)."""
    sets = [_groups(s) for pair in pairs for s in pair]
    if not pairs or any(_flat(s).size == 0 for s in sets):
        return Estimate(math.nan, math.nan, math.nan, 0)

    def statistic(medians: list) -> np.ndarray:
        logs = [np.log(medians[k] / medians[k + 1]) for k in range(0, len(medians), 2)]
        return np.exp(np.mean(logs, axis=0))

    point = [float(np.median(_flat(s))) for s in sets]
    value = float(statistic(point))
    low, high = _interval(sets, statistic, value)
    logs = [math.log(point[k] / point[k + 1]) for k in range(0, len(point), 2)]
    p = None
    if len(logs) >= 6 and any(v != 0 for v in logs):
        p = float(stats.wilcoxon(logs).pvalue)
    return Estimate(value, low, high, len(pairs), p)


def _groups(samples: SampleSet) -> list[np.ndarray]:
    items = list(samples)
    if items and np.ndim(items[0]) == 0:
        return [np.asarray(items, dtype=float)]
    return [np.asarray(g, dtype=float) for g in items if len(g)]


def _flat(groups: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(groups) if groups else np.zeros(0)


def _interval(sets: list[list[np.ndarray]], statistic, point: float, q: float = 0.5) -> tuple[float, float]:
    """A percentile bootstrap interval of `statistic` (of the sets' medians), resampling each set
    in two stages: its processes with replacement, then samples within each chosen process.

    Pooling all samples and resampling them alone (scipy.stats.bootstrap's way) ignores that
    samples from one process share its state (tier-up, code placement): processes that settle
    at different speeds (Bun's matmul, at 2.5 and 3.9x native) must widen the interval. What
    differs between whole runs is beyond any one run's interval (BENCHMARKS.md).
    """
    if any(_flat(s).size < 2 for s in sets):
        return math.nan, math.nan
    if all(np.all(_flat(s) == _flat(s)[0]) for s in sets):  # no spread at all: the interval is the point
        return point, point
    rng = np.random.default_rng(SEED)
    replicates = statistic([_replicate_quantiles(s, rng, q) for s in sets])
    low, high = np.percentile(replicates, [50 * (1 - CONFIDENCE), 50 * (1 + CONFIDENCE)])
    return float(low), float(high)


def _replicate_quantiles(groups: list[np.ndarray], rng: np.random.Generator, q: float) -> np.ndarray:
    """RESAMPLES q-quantiles (medians by default) of two-stage resamples: every chosen process
    contributes as many draws as the largest process has samples, so processes weigh alike."""
    sizes = np.array([g.size for g in groups])
    padded = np.full((len(groups), sizes.max()), np.nan)
    for i, g in enumerate(groups):
        padded[i, : g.size] = g
    chosen = rng.integers(len(groups), size=(RESAMPLES, len(groups)))
    picks = (rng.random((RESAMPLES, len(groups), sizes.max())) * sizes[chosen][..., None]).astype(int)
    return np.quantile(padded[chosen[..., None], picks].reshape(RESAMPLES, -1), q, axis=1)
