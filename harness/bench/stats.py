"""Statistics over benchmark samples: medians, ratios and geometric means, each with a
bootstrap confidence interval (scipy), a significance test for comparisons, and
Tukey outlier flags.

Samples from several worker processes are pooled. Every interval is a percentile
bootstrap with a fixed seed, so the same rows always give the same report.
"""

from __future__ import annotations

import math
import warnings
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


def median(samples: Sequence[float]) -> Estimate:
    x = np.asarray(samples, dtype=float)
    if x.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    low, high = _bootstrap((x,), lambda s, axis: np.median(s, axis=axis))
    return Estimate(float(np.median(x)), low, high, int(x.size))


def ratio(numerator: Sequence[float], denominator: Sequence[float]) -> Estimate:
    """median(numerator) / median(denominator), the two resampled independently;
    p from a two-sided Mann-Whitney U test of the two sample sets."""
    a = np.asarray(numerator, dtype=float)
    b = np.asarray(denominator, dtype=float)
    if a.size == 0 or b.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    low, high = _bootstrap((a, b), lambda s, t, axis: np.median(s, axis=axis) / np.median(t, axis=axis))
    p = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    return Estimate(float(np.median(a) / np.median(b)), low, high, int(min(a.size, b.size)), p)


def geomean_ratio(pairs: Sequence[tuple[Sequence[float], Sequence[float]]]) -> Estimate:
    """The geometric mean over kernels of median(a_k) / median(b_k), every sample set resampled
    in each bootstrap replicate; p from a Wilcoxon signed-rank test of the log ratios against 0
    (None with fewer than six kernels, too few for that test to mean much)."""
    sets = [np.asarray(s, dtype=float) for pair in pairs for s in pair]
    if not pairs or any(s.size == 0 for s in sets):
        return Estimate(math.nan, math.nan, math.nan, 0)

    def statistic(*samples: np.ndarray, axis: int) -> np.ndarray:
        medians = [np.median(s, axis=axis) for s in samples]
        logs = [np.log(medians[k] / medians[k + 1]) for k in range(0, len(medians), 2)]
        return np.exp(np.mean(logs, axis=0))

    value = float(statistic(*sets, axis=-1))
    low, high = _bootstrap(tuple(sets), statistic)
    logs = [math.log(np.median(sets[k]) / np.median(sets[k + 1])) for k in range(0, len(sets), 2)]
    p = None
    if len(logs) >= 6 and any(v != 0 for v in logs):
        p = float(stats.wilcoxon(logs).pvalue)
    return Estimate(value, low, high, len(pairs), p)


def _bootstrap(samples: tuple[np.ndarray, ...], statistic) -> tuple[float, float]:
    if min(s.size for s in samples) < 2:
        return math.nan, math.nan
    if all(np.all(s == s[0]) for s in samples):  # no spread at all: the interval is the point
        v = float(statistic(*samples, axis=-1))
        return v, v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(samples, statistic, vectorized=True, paired=False, n_resamples=RESAMPLES,
                                 confidence_level=CONFIDENCE, method="percentile",
                                 rng=np.random.default_rng(SEED))
    ci = result.confidence_interval
    return float(ci.low), float(ci.high)
