"""Causal indicator series in plain Python, one pass each (value i only uses bars 0..i).

Each returns a list aligned with its input; values before the warm-up are still defined
(computed from what is available) and strategies decide when they trust them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def interval_seconds(interval: str) -> int:
    """'5m' -> 300. Accepts Hummingbot candle intervals (s, m, h, d, w)."""
    text = interval.strip()
    if len(text) < 2 or text[-1] not in _INTERVAL_UNITS or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(f"invalid candle interval {interval!r}; expected e.g. '1m', '5m', '1h'")
    return int(text[:-1]) * _INTERVAL_UNITS[text[-1]]


@dataclass(frozen=True)
class Bars:
    """OHLC candles as parallel float sequences, oldest first."""

    timestamps: Sequence[float]
    highs: Sequence[float]
    lows: Sequence[float]
    closes: Sequence[float]

    def __len__(self) -> int:
        return len(self.closes)


def ewma_volatility(closes: Sequence[float], span: int) -> list[float]:
    """Per-bar volatility: sqrt of an exponentially weighted mean of squared log returns."""
    alpha = 2.0 / (span + 1.0)
    out = [0.0] * len(closes)
    variance = None
    for i in range(1, len(closes)):
        previous, current = closes[i - 1], closes[i]
        r = math.log(current / previous) if previous > 0 and current > 0 else 0.0
        variance = r * r if variance is None else variance + alpha * (r * r - variance)
        out[i] = math.sqrt(variance)
    return out


def ema(values: Sequence[float], span: int) -> list[float]:
    alpha = 2.0 / (span + 1.0)
    out: list[float] = []
    level = None
    for value in values:
        level = value if level is None else level + alpha * (value - level)
        out.append(level)
    return out


def rsi(closes: Sequence[float], length: int) -> list[float]:
    """Wilder's RSI in [0, 100]; 50 until there is movement to measure."""
    out = [50.0] * len(closes)
    avg_gain = avg_loss = 0.0
    for i in range(1, len(closes)):
        change = closes[i] - closes[i - 1]
        gain, loss = max(change, 0.0), max(-change, 0.0)
        # Simple average while warming up, Wilder smoothing afterwards.
        weight = 1.0 / min(i, length)
        avg_gain += weight * (gain - avg_gain)
        avg_loss += weight * (loss - avg_loss)
        if avg_loss == 0.0:
            out[i] = 100.0 if avg_gain > 0 else 50.0
        else:
            out[i] = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    return out


def efficiency_ratio(closes: Sequence[float], length: int) -> list[float]:
    """Kaufman's signed efficiency ratio in [-1, 1]: net move over path length across `length` bars.

    Near +-1 the market trends cleanly; near 0 it chops. The sign gives the trend's direction.
    """
    out = [0.0] * len(closes)
    path = 0.0
    for i in range(1, len(closes)):
        path += abs(closes[i] - closes[i - 1])
        if i > length:
            path -= abs(closes[i - length] - closes[i - length - 1])
        start = closes[max(0, i - length)]
        out[i] = (closes[i] - start) / path if path > 0 else 0.0
    return out
