"""Flagship inventory-aware market maker (Avellaneda-Stoikov structure, volatility-normalised units).

A-S quotes around a reservation price shifted against inventory, with a spread made of a liquidity
term plus a volatility term. Here both are expressed relative to measured volatility so the same
parameters transfer across markets and regimes instead of being fitted to one:

* half-spread per level  = min_spread_i + c * sigma_h        (sigma_h: EWMA candle volatility scaled
                                                              to the position's time limit)
* reservation shift      = -q * gamma * half-spread_0         (q = inventory / limit, in [-1, 1])
* adverse-selection guard: the side a clean trend would run over (Kaufman efficiency ratio) widens.
* hysteresis: a resting quote is only replaced once the plan moved by more than a fifth of its
  spread (`refresh_tolerance`, shared default); wider bands were tried and left quotes stale.

The shared base then floors every quote at the fee floor, keeps it on its side of the book, stops
adding at the inventory limit, flattens past it and obeys the drawdown kill switch.
"""

from __future__ import annotations

from collections.abc import Mapping

from controllers.shared_base import core
from controllers.shared_base.indicators import Bars, efficiency_ratio, ewma_volatility
from controllers.shared_base.params import MarketMakingParams, updatable_field
from controllers.shared_base.strategies.base import MarketMakingStrategy, Spreads, adverse_side_factors


class InventoryMMParams(MarketMakingParams):
    controller_name: str = "inventory_mm"
    buy_spreads: list[float] = updatable_field([0.003, 0.006], "Minimum buy spreads: ")
    sell_spreads: list[float] = updatable_field([0.003, 0.006], "Minimum sell spreads: ")
    volatility_window: int = updatable_field(48, "Volatility EWMA span (bars): ", ge=2)
    volatility_spread_coefficient: float = updatable_field(
        0.5, "Half-spread per unit of horizon volatility: ", ge=0
    )
    inventory_risk_aversion: float = updatable_field(
        1.0, "Reservation shift at the limit, in half-spreads: ", ge=0, le=2
    )
    trend_window: int = updatable_field(24, "Trend efficiency window (bars): ", ge=2)
    trend_widening: float = updatable_field(1.0, "Extra adverse-side spread in a clean trend: ", ge=0)


def warmup_bars(params: InventoryMMParams) -> int:
    """Bars before quoting: the longest indicator window, plus the bar it first reads."""
    return max(params.volatility_window, params.trend_window) + 1


class InventoryMMStrategy(MarketMakingStrategy):
    params_model = InventoryMMParams
    params: InventoryMMParams
    warmup = staticmethod(warmup_bars)

    def features(self, bars: Bars) -> dict[str, list[float]]:
        columns = super().features(bars)
        columns["volatility"] = ewma_volatility(bars.closes, self.params.volatility_window)
        columns["trend"] = efficiency_ratio(bars.closes, self.params.trend_window)
        return columns

    def widened_spreads(self, row: Mapping[str, float], timestamp: float) -> Spreads:
        p = self.params
        sigma = core.horizon_volatility(row.get("volatility", 0.0), p.bar_seconds, p.time_limit)
        buy = core.volatility_scaled_spreads(p.buy_spreads, sigma, p.volatility_spread_coefficient)
        sell = core.volatility_scaled_spreads(p.sell_spreads, sigma, p.volatility_spread_coefficient)
        trend = row.get("trend", 0.0)
        buy_factor, sell_factor = adverse_side_factors(trend, p.trend_widening)
        reasons = (f"sigma_h {sigma:.4%}", f"trend {trend:+.2f}")
        return core.widen(buy, buy_factor), core.widen(sell, sell_factor), reasons

    def skew_at_limit(self, buy_spreads: tuple[float, ...], sell_spreads: tuple[float, ...]) -> float:
        # Symmetric half-spread before the trend guard, so a trend does not also inflate the skew.
        first_level = min(buy_spreads[:1] + sell_spreads[:1], default=0.0)
        return self.params.inventory_risk_aversion * first_level
