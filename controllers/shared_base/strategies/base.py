"""The market-making strategy skeleton every quoting controller shares.

A strategy turns candles into per-bar feature columns (`features`) and, each tick, one feature row
plus account, book and risk state into a QuotePlan (`plan`). Subclasses only decide how spreads are
widened and how hard inventory is skewed; the limits, floor, clamp and kill switch are not optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from controllers.shared_base import core
from controllers.shared_base.indicators import Bars
from controllers.shared_base.params import MarketMakingParams

Spreads = tuple[tuple[float, ...], tuple[float, ...], tuple[str, ...]]


class MarketMakingStrategy:
    params_model: ClassVar[type[MarketMakingParams]] = MarketMakingParams

    def __init__(self, params: MarketMakingParams):
        self.params = params

    @property
    def warmup_bars(self) -> int:
        """Bars of history needed before quoting; also sizes the live candle window."""
        return 1

    def features(self, bars: Bars) -> dict[str, list[float]]:
        """Per-bar columns, causal. Must include `reference_price`; `ready` is 1.0 once warmed up."""
        count = len(bars)
        return {
            "reference_price": list(bars.closes),
            "ready": [1.0 if i + 1 >= self.warmup_bars else 0.0 for i in range(count)],
        }

    def widened_spreads(self, row: Mapping[str, float], timestamp: float) -> Spreads:
        """Base spreads after every widening this strategy applies, plus why."""
        return tuple(self.params.buy_spreads), tuple(self.params.sell_spreads), ()

    def skew_at_limit(self, buy_spreads: tuple[float, ...], sell_spreads: tuple[float, ...]) -> float:
        """Spread shift at full inventory; 0 means no skew."""
        return 0.0

    def plan(
        self,
        row: Mapping[str, float],
        account: core.AccountState,
        risk: core.RiskState,
        book: core.BookTop | None = None,
        timestamp: float = 0.0,
    ) -> core.QuotePlan:
        reference = core.reference_price(float(row["reference_price"]), book)
        if row.get("ready", 1.0) < 1.0 and not risk.killed:
            return core.QuotePlan(
                reference_price=reference,
                quote_buy=False,
                quote_sell=False,
                spread_floor=self.params.spread_floor,
                reasons=("warming up",),
            )
        buy, sell, reasons = self.widened_spreads(row, timestamp)
        return core.build_quote_plan(
            reference=reference,
            buy_spreads=buy,
            sell_spreads=sell,
            floor=self.params.spread_floor,
            account=account,
            max_inventory_quote=self.params.max_inventory_quote,
            skew_at_limit=self.skew_at_limit(buy, sell),
            risk=risk,
            book=book,
            reasons=reasons,
        )


def adverse_side_factors(direction: float, strength: float) -> tuple[float, float]:
    """(buy, sell) widening factors against a directional view in [-1, 1].

    A bullish view (> 0) means our asks get lifted before a rise, so asks widen; bearish widens bids.
    Factors are >= 1: a view can only make the controller more careful, never more aggressive.
    """
    direction = max(-1.0, min(1.0, direction))
    widening = 1.0 + max(strength, 0.0) * abs(direction)
    return (widening, 1.0) if direction < 0 else (1.0, widening)
