"""Execution quality of a parent order worked in child orders: what an execution trader judges an
algorithm (TWAP, VWAP, iceberg, or a single market order) by. Pure: plain floats, no Hummingbot.

* **Implementation shortfall** (Perold): the executed part's average price against the arrival price
  (the mid when the parent order started), in basis points, signed so that a positive figure is a
  cost: a buy that paid above arrival, a sell that got below it. Fees are reported apart (`fees_bps`,
  on the executed notional); `total_cost_bps` is the sum. The part not executed is reported as
  `completion`, not priced: its opportunity cost depends on what the trader does with it next.
* **Slippage against the interval VWAP**: the same signed figure against the market's
  volume-weighted price over the window the order worked, computed from candles with each bar's
  typical price (high + low + close) / 3. It says whether the algorithm beat the market's own
  average while it traded, which the arrival price cannot (a trending window moves both).

Both live (the controllers' custom info, from their finished child orders) and in backtests (from
the simulated fills) read these functions, so one rule prices both.

    fills = [Fill(amount_base=1.0, quote=101.0, fee_quote=0.02)]
    execution_quality(BUY, target_base=2.0, arrival_price=100.0, fills=fills, vwap=100.5)
    # shortfall_bps=100.0, vwap_slippage_bps≈49.75, fees_bps≈1.98, completion=0.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

BUY, SELL = 1, -1
BPS = 10_000.0


@dataclass(frozen=True)
class Fill:
    """One executed child order (or part of one): base amount, quote notional and the fee in quote."""

    amount_base: float
    quote: float
    fee_quote: float = 0.0


@dataclass(frozen=True)
class ExecutionQuality:
    side: int  # BUY (+1) or SELL (-1)
    target_base: float
    filled_base: float
    filled_quote: float
    fees_quote: float
    arrival_price: float
    average_price: float | None  # None: nothing executed
    shortfall_bps: float | None  # price only, on the executed part; > 0 is a cost
    fees_bps: float | None  # fees over the executed notional
    vwap: float | None  # the market's interval VWAP, when given
    vwap_slippage_bps: float | None  # > 0: worse than the market's own average

    @property
    def completion(self) -> float:
        """Executed fraction of the target (may exceed 1 by at most a rounding step)."""
        return self.filled_base / self.target_base if self.target_base > 0 else 0.0

    @property
    def remaining_base(self) -> float:
        return max(self.target_base - self.filled_base, 0.0)

    @property
    def total_cost_bps(self) -> float | None:
        if self.shortfall_bps is None or self.fees_bps is None:
            return None
        return self.shortfall_bps + self.fees_bps

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "completion": self.completion,
            "remaining_base": self.remaining_base,
            "total_cost_bps": self.total_cost_bps,
        }


def signed_bps(side: int, price: float, benchmark: float) -> float:
    """How much worse than `benchmark` a `side` trade at `price` was, in basis points (> 0: a cost)."""
    if benchmark <= 0:
        raise ValueError(f"benchmark price must be > 0, got {benchmark}")
    return side * (price - benchmark) / benchmark * BPS


def interval_vwap(
    highs: Sequence[float], lows: Sequence[float], closes: Sequence[float], volumes: Sequence[float]
) -> float | None:
    """Volume-weighted typical price of these bars; None when they traded no volume."""
    if not len(highs) == len(lows) == len(closes) == len(volumes):
        raise ValueError("highs, lows, closes and volumes must have one value per bar")
    weight = sum(volumes)
    if weight <= 0:
        return None
    return (
        sum((h + lo + c) / 3.0 * v for h, lo, c, v in zip(highs, lows, closes, volumes, strict=True)) / weight
    )


def execution_quality(
    side: int,
    target_base: float,
    arrival_price: float,
    fills: Iterable[Fill],
    vwap: float | None = None,
) -> ExecutionQuality:
    """The parent order's quality from its executed child fills (see the module docstring)."""
    if side not in (BUY, SELL):
        raise ValueError(f"side must be {BUY} (buy) or {SELL} (sell), got {side}")
    if arrival_price <= 0:
        raise ValueError(f"arrival_price must be > 0, got {arrival_price}")
    fills = list(fills)
    base = sum(f.amount_base for f in fills)
    quote = sum(f.quote for f in fills)
    fees = sum(f.fee_quote for f in fills)
    average = quote / base if base > 0 else None
    return ExecutionQuality(
        side=side,
        target_base=target_base,
        filled_base=base,
        filled_quote=quote,
        fees_quote=fees,
        arrival_price=arrival_price,
        average_price=average,
        shortfall_bps=None if average is None else signed_bps(side, average, arrival_price),
        fees_bps=None if average is None else fees / quote * BPS,
        vwap=vwap,
        vwap_slippage_bps=None if average is None or vwap is None else signed_bps(side, average, vwap),
    )
