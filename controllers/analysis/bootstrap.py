"""How sure a ranking is: a paired moving-block bootstrap of the Sharpe difference between two runs.

Pure (no numpy, no pandas). Two controllers run over the same bars have per-bar returns that move
together (same market) and are autocorrelated (open positions carry over bars), so resampling single
bars would understate the spread. Here each resample draws the same blocks of consecutive bars from
both series, which keeps both the pairing and the short-range dependence. Block length defaults to
round(n ** (1/3)) bars, the usual order for a block bootstrap of a mean-type statistic.

Each block's sums come from prefix sums, so a resample costs n / block additions, not n: 1,000
resamples of a 20,000-bar file take about half a second here. The generator is seeded: the same inputs
give the same interval to the last digit.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

RESAMPLES = 1000
LEVEL = 0.95
SEED = 0


def _prefix(values: Sequence[float]) -> tuple[list[float], list[float]]:
    return list(accumulate(values, initial=0.0)), list(accumulate((v * v for v in values), initial=0.0))


def _sharpe(total: float, squares: float, n: int, periods: float) -> float | None:
    """Annualised Sharpe (risk-free 0) from a series' sum and sum of squares; None without variance."""
    variance = (squares - total * total / n) / (n - 1)
    if variance <= 1e-300:
        return None
    return total / n / math.sqrt(variance) * math.sqrt(periods)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default)."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def sharpe_difference(
    ours: Sequence[float],
    theirs: Sequence[float],
    periods: float,
    *,
    block: int | None = None,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> dict[str, Any] | None:
    """Sharpe(ours) - Sharpe(theirs) and its `level` confidence interval; None when either series has
    no variance (a Sharpe is undefined) or the two are not the same bars."""
    n = len(ours)
    if n != len(theirs) or n < 3:
        return None
    block = block or max(1, round(n ** (1 / 3)))
    if not 1 <= block <= n:
        raise ValueError(f"block: {block} must be between 1 and the series' {n} bars")
    sum_a, sq_a = _prefix(ours)
    sum_b, sq_b = _prefix(theirs)
    point_a, point_b = _sharpe(sum_a[-1], sq_a[-1], n, periods), _sharpe(sum_b[-1], sq_b[-1], n, periods)
    if point_a is None or point_b is None:
        return None
    rng = random.Random(seed)
    lengths = [block] * (n // block) + ([n % block] if n % block else [])
    differences = []
    for _ in range(resamples):
        total_a = squares_a = total_b = squares_b = 0.0
        for length in lengths:
            start = rng.randrange(n - block + 1)
            end = start + length
            total_a += sum_a[end] - sum_a[start]
            squares_a += sq_a[end] - sq_a[start]
            total_b += sum_b[end] - sum_b[start]
            squares_b += sq_b[end] - sq_b[start]
        a, b = _sharpe(total_a, squares_a, n, periods), _sharpe(total_b, squares_b, n, periods)
        if a is not None and b is not None:
            differences.append(a - b)
    if len(differences) < resamples / 2:
        return None
    differences.sort()
    tail = (1 - level) / 2
    return {
        "sharpe_diff": point_a - point_b,
        "sharpe_diff_low": _quantile(differences, tail),
        "sharpe_diff_high": _quantile(differences, 1 - tail),
        "block_bars": block,
        "resamples": len(differences),
    }


__all__ = ["LEVEL", "RESAMPLES", "SEED", "sharpe_difference"]
