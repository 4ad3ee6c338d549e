"""pmm_rsi_llm, reworked: a market maker that uses RSI and (optionally) sentiment only to widen.

Fixes of the seed's known issues: RSI widens the adverse side at extremes instead of shifting the
price (1); seed production defaults, SL/TP 0.5% against 0.4% spreads (2) and 30 s refresh (3);
inventory skew (4); fee floor (5); sentiment is off by default and is an external recorded/LLM score
behind `SignalProvider`, never a trading signal on its own (6); volatility widens, never pauses (7);
sentiment can only widen (8).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import field_validator

from controllers.shared_base import core
from controllers.shared_base.indicators import Bars, ewma_volatility, rsi
from controllers.shared_base.params import MarketMakingParams, above, updatable_field
from controllers.shared_base.signals import NoSignal, SignalProvider
from controllers.shared_base.strategies.base import MarketMakingStrategy, Spreads, adverse_side_factors


class PmmRsiLlmParams(MarketMakingParams):
    controller_name: str = "pmm_rsi_llm"
    rsi_length: int = updatable_field(14, "RSI length (bars): ", ge=2)
    rsi_oversold: float = updatable_field(30.0, "RSI oversold: ", gt=0, lt=100)
    rsi_overbought: float = updatable_field(70.0, "RSI overbought: ", gt=0, lt=100)
    rsi_max_widening: float = updatable_field(1.0, "Extra spread at RSI 0/100: ", ge=0)
    volatility_window: int = updatable_field(30, "Volatility EWMA span (bars): ", ge=2)
    volatility_spread_coefficient: float = updatable_field(
        0.5, "Spread added per unit of horizon volatility: ", ge=0
    )
    inventory_skew: float = updatable_field(
        0.5, "Skew at the inventory limit, in level-0 spreads: ", ge=0, le=2
    )
    sentiment_enabled: bool = updatable_field(False, "Use sentiment to widen: ")
    sentiment_max_widening: float = updatable_field(0.5, "Extra spread at |1|: ", ge=0)
    sentiment_source: str | None = updatable_field(None, "Recorded scores file: ")
    sentiment_max_age_seconds: int = updatable_field(3600, "Score expiry (s): ", gt=0)

    _bands_ordered = field_validator("rsi_overbought")(above("rsi_oversold"))


def warmup_bars(params: PmmRsiLlmParams) -> int:
    """Bars before quoting: the longest indicator window, plus the bar it first reads."""
    return max(params.rsi_length, params.volatility_window) + 1


class PmmRsiLlmStrategy(MarketMakingStrategy):
    params_model = PmmRsiLlmParams
    params: PmmRsiLlmParams
    warmup = staticmethod(warmup_bars)

    def __init__(self, params: PmmRsiLlmParams, signal_provider: SignalProvider | None = None):
        super().__init__(params)
        self.signal_provider: SignalProvider = signal_provider or NoSignal()

    def features(self, bars: Bars) -> dict[str, list[float]]:
        columns = super().features(bars)
        columns["volatility"] = ewma_volatility(bars.closes, self.params.volatility_window)
        columns["rsi"] = rsi(bars.closes, self.params.rsi_length)
        return columns

    def rsi_direction(self, value: float) -> float:
        """How far RSI is into an extreme band: +1 at 100 (overbought), -1 at 0, 0 between the bands."""
        p = self.params
        if value > p.rsi_overbought:
            return (value - p.rsi_overbought) / (100.0 - p.rsi_overbought)
        if value < p.rsi_oversold:
            return -(p.rsi_oversold - value) / p.rsi_oversold
        return 0.0

    def widened_spreads(self, row: Mapping[str, float], timestamp: float) -> Spreads:
        p = self.params
        sigma = core.horizon_volatility(row.get("volatility", 0.0), p.bar_seconds, p.time_limit)
        buy = core.volatility_scaled_spreads(p.buy_spreads, sigma, p.volatility_spread_coefficient)
        sell = core.volatility_scaled_spreads(p.sell_spreads, sigma, p.volatility_spread_coefficient)
        reasons = []
        rsi_view = self.rsi_direction(row.get("rsi", 50.0))
        if rsi_view:
            buy_factor, sell_factor = adverse_side_factors(rsi_view, p.rsi_max_widening)
            buy, sell = core.widen(buy, buy_factor), core.widen(sell, sell_factor)
            reasons.append(f"rsi {row['rsi']:.1f} widens {'sells' if rsi_view > 0 else 'buys'}")
        score = self.signal_provider.score(timestamp) if p.sentiment_enabled else None
        if score:
            buy_factor, sell_factor = adverse_side_factors(score, p.sentiment_max_widening)
            buy, sell = core.widen(buy, buy_factor), core.widen(sell, sell_factor)
            reasons.append(f"sentiment {score:+.2f} widens {'sells' if score > 0 else 'buys'}")
        return buy, sell, tuple(reasons)

    def skew_at_limit(self, buy_spreads: tuple[float, ...], sell_spreads: tuple[float, ...]) -> float:
        first_level = min(buy_spreads[:1] + sell_spreads[:1], default=0.0)
        return self.params.inventory_skew * first_level
