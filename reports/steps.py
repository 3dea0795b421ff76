"""Step detection over a history of per-run figures, in the manner of asv's `step_detect`.

A benchmark's median from run to run is a piecewise-constant signal plus noise:
a change to an engine or to the harness moves it to a new level and it stays
there. The series is split where a split lowers the L1 cost (sum of absolute
deviations from each segment's median) the most, recursively (binary
segmentation); a split is kept only when its step is larger than both the
threshold and the series' own noise. Work is in log space, so a step is a ratio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A step must exceed this many robust standard deviations of the run-to-run noise.
NOISE_FACTOR = 4.0


@dataclass(frozen=True)
class Step:
    index: int          # the first run of the new level
    before: float       # the median of the level before (the series' units)
    after: float        # the median of the level from `index` on
    noise: float        # the run-to-run noise the step was weighed against, as a relative figure

    @property
    def ratio(self) -> float:
        return self.after / self.before


def noise(values: Sequence[float]) -> float:
    """The run-to-run noise of a series, as a relative standard deviation: from the median absolute
    difference of successive log values, which a few steps do not move (asv estimates it alike)."""
    logs = np.log(np.asarray(values, dtype=float))
    if logs.size < 3:
        return 0.0
    return float(1.4826 * np.median(np.abs(np.diff(logs))) / math.sqrt(2))


def detect(values: Sequence[float], threshold: float) -> list[Step]:
    """The steps of a series of positive figures (oldest first) larger than `threshold` (a relative
    change, e.g. 0.02) and than NOISE_FACTOR times the series' noise, in order."""
    logs = np.log(np.asarray(values, dtype=float))
    sigma = noise(values)
    smallest = max(math.log1p(threshold), NOISE_FACTOR * sigma)
    found: list[int] = []
    _split(logs, 0, logs.size, smallest, found)
    found.sort()
    bounds = [0, *found, logs.size]
    steps = []
    for k, at in enumerate(found):
        before, after = logs[bounds[k]:at], logs[at:bounds[k + 2]]
        steps.append(Step(at, float(np.exp(np.median(before))), float(np.exp(np.median(after))), sigma))
    return steps


def _split(logs: np.ndarray, start: int, end: int, smallest: float, found: list[int]) -> None:
    if end - start < 2:
        return
    segment = logs[start:end]
    whole = _cost(segment)
    best, at = whole, None
    for k in range(1, segment.size):
        cost = _cost(segment[:k]) + _cost(segment[k:])
        if cost < best:
            best, at = cost, k
    if at is None:
        return
    step = float(np.median(segment[at:]) - np.median(segment[:at]))
    if abs(step) <= smallest:
        return
    found.append(start + at)
    _split(logs, start, start + at, smallest, found)
    _split(logs, start + at, end, smallest, found)


def _cost(segment: np.ndarray) -> float:
    return float(np.abs(segment - np.median(segment)).sum())
