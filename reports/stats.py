"""Statistics over benchmark samples: medians, ratios and geometric means, each with a
bootstrap confidence interval, a significance test for comparisons (scipy), and
Tukey outlier flags.

Every interval is a two-stage percentile bootstrap (worker processes, then samples within
them) with a fixed seed, so the same rows always give the same report.

Many intervals at once (`quantiles`, `medians`, `ratios`) give exactly the figures the
one-at-a-time functions give; they share the work (see `_resampled_quantiles`), which is what
makes a run's report, or a dashboard over 30 runs, take seconds rather than a minute.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 1
# Resampled values handled in one array operation at most (a few MB): bounds the memory of a batch.
BATCH_ELEMENTS = 4_000_000


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
Groups = list[np.ndarray]   # a sample set as its processes' samples


def median(samples: SampleSet) -> Estimate:
    return quantile(samples, 0.5)


def quantile(samples: SampleSet, q: float) -> Estimate:
    """The q-quantile (0.5: the median, 0.95: p95) with its bootstrap interval."""
    return quantiles([samples], q)[0]


def medians(sets: Sequence[SampleSet]) -> list[Estimate]:
    return quantiles(sets, 0.5)


def quantiles(sets: Sequence[SampleSet], q: float) -> list[Estimate]:
    """`quantile` of each set, resampled together: the same estimates, in a fraction of the time."""
    groups = [_groups(s) for s in sets]
    given = [i for i, g in enumerate(groups) if _flat(g).size]
    points = [float(np.quantile(_flat(groups[i]), q)) for i in given]
    bounds = _intervals([[groups[i]] for i in given], lambda m: m[0], points, q)
    out = [Estimate(math.nan, math.nan, math.nan, 0)] * len(groups)
    for i, point, (low, high) in zip(given, points, bounds, strict=True):
        out[i] = Estimate(point, low, high, int(_flat(groups[i]).size))
    return out


def ratio(numerator: SampleSet, denominator: SampleSet) -> Estimate:
    """median(numerator) / median(denominator), the two resampled independently;
    p from a two-sided Mann-Whitney U test of the two sample sets."""
    return ratios([(numerator, denominator)])[0]


def ratios(pairs: Sequence[tuple[SampleSet, SampleSet]]) -> list[Estimate]:
    """`ratio` of each (numerator, denominator) pair, resampled together."""
    sets = [(_groups(a), _groups(b)) for a, b in pairs]
    given = [i for i, (a, b) in enumerate(sets) if _flat(a).size and _flat(b).size]
    flats = [(_flat(sets[i][0]), _flat(sets[i][1])) for i in given]
    points = [float(np.median(a) / np.median(b)) for a, b in flats]
    bounds = _intervals([list(sets[i]) for i in given], lambda m: m[0] / m[1], points)
    out = [Estimate(math.nan, math.nan, math.nan, 0)] * len(sets)
    for i, (a, b), value, (low, high), p in zip(given, flats, points, bounds, _mann_whitney(flats),
                                                 strict=True):
        out[i] = Estimate(value, low, high, int(min(a.size, b.size)), p)
    return out


def _mann_whitney(pairs: list[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    """Two-sided Mann-Whitney U p-values of (a, b) pairs. scipy tests many pairs of one size in one
    call (along an axis), each as alone, when it would choose its normal approximation for every
    one of them anyway (both sides over 8 samples); smaller pairs go one by one, as scipy may test
    those exactly."""
    from scipy import stats  # imported when a comparison needs it: most of this module's import time

    out = [math.nan] * len(pairs)
    sizes: dict[tuple[int, int], list[int]] = {}
    for i, (a, b) in enumerate(pairs):
        if a.size > 8 and b.size > 8:
            sizes.setdefault((a.size, b.size), []).append(i)
        else:
            out[i] = float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    for members in sizes.values():
        a = np.stack([pairs[i][0] for i in members])
        b = np.stack([pairs[i][1] for i in members])
        found = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", axis=1).pvalue
        for i, p in zip(members, np.atleast_1d(found), strict=True):
            out[i] = float(p)
    return out


def geomean_ratio(pairs: Sequence[tuple[SampleSet, SampleSet]]) -> Estimate:
    """The geometric mean over kernels of median(a_k) / median(b_k), every sample set resampled
    in each bootstrap replicate; p from a Wilcoxon signed-rank test of the log ratios against 0
    (None with fewer than six kernels, too few for that test to mean much)."""
    return geomean_ratios([pairs])[0]


def geomean_ratios(jobs: Sequence[Sequence[tuple[SampleSet, SampleSet]]]) -> list[Estimate]:
    """`geomean_ratio` of each list of pairs, resampled together."""
    out = [Estimate(math.nan, math.nan, math.nan, 0)] * len(jobs)
    sets = [[_groups(s) for pair in pairs for s in pair] for pairs in jobs]
    given = [i for i, (pairs, job) in enumerate(zip(jobs, sets, strict=True))
             if pairs and all(_flat(s).size for s in job)]
    points = [[float(np.median(_flat(s))) for s in sets[i]] for i in given]
    values = [float(_geomean(point)) for point in points]
    bounds = _intervals([sets[i] for i in given], _geomean, values)
    for i, point, value, (low, high) in zip(given, points, values, bounds, strict=True):
        logs = [math.log(point[k] / point[k + 1]) for k in range(0, len(point), 2)]
        p = None
        if len(logs) >= 6 and any(v != 0 for v in logs):
            from scipy import stats

            p = float(stats.wilcoxon(logs).pvalue)
        out[i] = Estimate(value, low, high, len(jobs[i]), p)
    return out


def _geomean(medians: list) -> np.ndarray:
    """exp(mean over kernels of log(median_a / median_b)): the sets come as a1, b1, a2, b2, ..."""
    logs = [np.log(medians[k] / medians[k + 1]) for k in range(0, len(medians), 2)]
    return np.exp(np.mean(logs, axis=0))


def _groups(samples: SampleSet) -> Groups:
    items = list(samples)
    if items and np.ndim(items[0]) == 0:
        return [np.asarray(items, dtype=float)]
    return [np.asarray(g, dtype=float) for g in items if len(g)]


def _flat(groups: Groups) -> np.ndarray:
    return np.concatenate(groups) if groups else np.zeros(0)


def _intervals(jobs: list[list[Groups]], statistic: Callable[[list], np.ndarray], points: list[float],
               q: float = 0.5) -> list[tuple[float, float]]:
    """For each job (the sample sets one statistic reads), a percentile bootstrap interval of
    `statistic` (of the sets' q-quantiles), resampling each set in two stages: its processes with
    replacement, then samples within each chosen process.

    Pooling all samples and resampling them alone (scipy.stats.bootstrap's way) ignores that
    samples from one process share its state (tier-up, code placement): processes that settle
    at different speeds (Bun's matmul, at 2.5 and 3.9x native) must widen the interval. What
    differs between whole runs is beyond any one run's interval (BENCHMARKS.md).
    """
    out: list[tuple[float, float]] = [(math.nan, math.nan)] * len(jobs)
    resampled = []
    for i, (sets, point) in enumerate(zip(jobs, points, strict=True)):
        if any(_flat(s).size < 2 for s in sets):
            continue
        if all(np.all(_flat(s) == _flat(s)[0]) for s in sets):  # no spread at all: the interval is the point
            out[i] = (point, point)
            continue
        resampled.append(i)
    if not resampled:
        return out
    replicates = np.stack([statistic(sets) for sets in _resampled_quantiles([jobs[i] for i in resampled], q)])
    lows, highs = np.percentile(replicates, [50 * (1 - CONFIDENCE), 50 * (1 + CONFIDENCE)], axis=1)
    for i, low, high in zip(resampled, lows, highs, strict=True):
        out[i] = (float(low), float(high))
    return out


def _resampled_quantiles(jobs: list[list[Groups]], q: float) -> list[list[np.ndarray]]:
    """RESAMPLES q-quantiles of two-stage resamples of every set of every job: every chosen process
    contributes as many draws as the set's largest process has samples, so processes weigh alike.

    Each job draws from a fresh Generator(SEED), its sets in order, so a set's draws depend only on
    the sizes of its job's sets up to it (its `shape`). Sets of one shape share their draws: they
    are taken once per shape (`_draw_counts`, as how often each sample is drawn in each replicate)
    and the sets are resampled together. A replicate's quantile needs only two of its order
    statistics, read from the running totals of those counts over each set's sorted samples:
    the same numbers as sorting every replicate (np.quantile, 'linear'), without the sorting.
    """
    shapes = [tuple(tuple(g.size for g in s) for s in sets) for sets in jobs]
    batches: dict[tuple, list[int]] = {}
    for j, shape in enumerate(shapes):
        batches.setdefault(shape, []).append(j)
    out: list[list[np.ndarray]] = [[np.empty(0)] * len(sets) for sets in jobs]
    for shape, members in batches.items():
        counts = _draw_counts(shape)
        for position, drawn in enumerate(counts):
            padded = np.stack([_padded(jobs[j][position], shape[position]) for j in members])
            for start, values in _chunks(padded, drawn):
                for offset, replicates in enumerate(_order_quantiles(values, drawn, q)):
                    out[members[start + offset]][position] = replicates
    return out


@functools.lru_cache(maxsize=32)
def _draw_counts(shape: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, ...]:
    """Per set of a job of this shape (its processes' sample counts, set by set), a (processes x
    largest process, RESAMPLES) array: how often each sample (its place in the set padded to that
    rectangle) is drawn in each replicate, in the narrowest integers that hold a replicate's draws.
    The Generator is used exactly as a replicate built sample by sample would use it: for each
    set, the processes, then the samples."""
    rng = np.random.default_rng(SEED)
    out = []
    for sizes in shape:
        size = np.array(sizes)
        processes, largest = len(sizes), int(size.max())
        chosen = rng.integers(processes, size=(RESAMPLES, processes))
        picks = (rng.random((RESAMPLES, processes, largest)) * size[chosen][..., None]).astype(int)
        places = (chosen[..., None] * largest + picks).reshape(RESAMPLES, -1)
        width = processes * largest
        rows = np.arange(RESAMPLES)[:, None] * width
        counts = np.bincount((places + rows).ravel(), minlength=RESAMPLES * width).reshape(RESAMPLES, width)
        out.append(np.ascontiguousarray(counts.T, dtype=_counter(width)))
    return tuple(out)


def _padded(groups: Groups, sizes: tuple[int, ...]) -> np.ndarray:
    """The set as one row, each process padded with NaN to the largest one (padding is never drawn)."""
    largest = max(sizes)
    row = np.full((len(groups), largest), np.nan)
    for i, g in enumerate(groups):
        row[i, : g.size] = g
    return row.ravel()


def _chunks(padded: np.ndarray, drawn: np.ndarray):
    """(first row, rows) of `padded` in batches of at most BATCH_ELEMENTS resampled values."""
    step = max(1, BATCH_ELEMENTS // drawn.size)
    for start in range(0, len(padded), step):
        yield start, padded[start: start + step]


def _order_quantiles(values: np.ndarray, drawn: np.ndarray, q: float) -> np.ndarray:
    """(sets, RESAMPLES) q-quantiles of the resamples of `values` (sets x places) that draw each
    place `drawn` (places x RESAMPLES) times, as np.quantile's default ('linear') computes them."""
    sets, width = values.shape
    order = np.argsort(values, axis=1, kind="stable")   # NaN padding last: drawn zero times
    ordered = np.take_along_axis(values, order, axis=1)
    # Running totals of draws in value order: (sets, places, RESAMPLES), summed place by place: one
    # add over every set and replicate at a time is many times faster than np.cumsum along places.
    totals = drawn[order]
    for place in range(1, width):
        np.add(totals[:, place - 1], totals[:, place], out=totals[:, place])
    # np.quantile's neighbours of the virtual index (n - 1) q, the top one clipped to the largest.
    virtual = (width - 1) * np.float64(q)
    below = min(math.floor(virtual), width - 1)
    above = min(below + 1, width - 1)
    gamma = virtual - below
    rows = np.arange(sets)[:, None]

    def order_statistic(k: int) -> np.ndarray:
        # The k-th smallest drawn value (from 0) sits at the first place whose total exceeds k.
        return ordered[rows, (totals <= k).sum(axis=1, dtype=totals.dtype)]

    return _lerp(order_statistic(below), order_statistic(above), gamma)


def _counter(width: int) -> type[np.signedinteger]:
    return np.int8 if width < 2**7 else np.int16 if width < 2**15 else np.int32


def _lerp(a: np.ndarray, b: np.ndarray, t: np.float64) -> np.ndarray:
    """numpy's own interpolation between neighbouring order statistics (numpy.lib._function_base_impl
    `_lerp`), so a quantile here is bit for bit np.quantile's."""
    diff = b - a
    if t >= 0.5:
        return b - diff * (1 - t)
    return a + diff * t
