"""Walk-forward split for `hbot-strategies optimize`: search on the head of each market, score the tail.

Pure. The search only ever sees bars [0, train_end); the held-out bars [train_end, rows) are scored
once, for the best and the default configs. Indicators need history, so the held-out run is fed
`warmup` bars from the end of the training part before its first scored bar: that is causal (only
past prices), no held-out bar ever influences the search.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from controllers.analysis.errors import AnalysisError

# fewer scored bars than this make a Sharpe ratio noise
MIN_SCORED_BARS = 30
# params fields counted in bars say so in their prompt, e.g. "Volatility EWMA span (bars): "


class SplitError(AnalysisError):
    """A split that cannot work; `field` names the option or the market."""


@dataclass(frozen=True)
class WalkForwardSplit:
    """Row indices of one market's candles: train = [0, train_end), held out = [train_end, rows)."""

    rows: int
    train_end: int
    warmup: int

    @property
    def train_rows(self) -> int:
        return self.train_end

    @property
    def test_rows(self) -> int:
        return self.rows - self.train_end

    @property
    def test_feed_start(self) -> int:
        """First row fed to the held-out run: its warm-up comes from the end of the training part."""
        return max(0, self.train_end - self.warmup)

    def to_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "train_rows": self.train_rows,
            "test_rows": self.test_rows,
            "warmup": self.warmup,
            "test_feed_start": self.test_feed_start,
        }


def check_train_fraction(value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 < value < 1):
        raise SplitError("--train-fraction", f"must be strictly between 0 and 1, got {value!r}")
    return float(value)


def walk_forward_split(
    rows: int, train_fraction: float, warmup: int, market: str, min_scored: int = MIN_SCORED_BARS
) -> WalkForwardSplit:
    """The split of `rows` candles, or SplitError naming the market if either part is too short.

    The training part must hold the warm-up plus `min_scored` bars; the held-out part `min_scored`
    bars (its warm-up is borrowed from the training part).
    """
    # rounded first: 5760 * 0.7 is 4031.999... in binary floating point, and means 4032
    train_end = math.floor(round(rows * check_train_fraction(train_fraction), 6))
    need_train = warmup + min_scored
    if train_end < need_train:
        raise SplitError(
            market,
            f"{rows} candles give a training part of {train_end} bars; the warm-up of "
            f"{warmup} bars plus {min_scored} scored bars needs {need_train} "
            f"(use more candles, a larger --train-fraction or shorter windows in the space)",
        )
    if rows - train_end < min_scored:
        raise SplitError(
            market,
            f"{rows} candles leave {rows - train_end} held-out bars; at least {min_scored} "
            f"are needed (use more candles or a smaller --train-fraction)",
        )
    return WalkForwardSplit(rows, train_end, warmup)


def count_candle_rows(path: Path) -> int:
    """Data rows of a candles CSV (header excluded), without parsing prices."""
    try:
        with path.open(newline="") as handle:
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)
    except OSError as error:
        raise SplitError(f"--candles {path}", f"cannot read: {error.strerror or error}") from None
