"""Directional trend follower with a regime filter: trade EMA crosses only while the market trends.

signal = +1 when fast EMA > slow EMA and the efficiency ratio confirms an up-trend,
         -1 for the mirror case (0 instead when long_only), 0 while the market chops.
Volatility-scaled barriers are left to Hummingbot's triple barrier; the shared kill switch applies.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import field_validator

from controllers.shared_base.indicators import Bars, efficiency_ratio, ema
from controllers.shared_base.params import DirectionalParams, above, updatable_field
from controllers.shared_base.strategies.base import DirectionalStrategy


class RegimeTrendParams(DirectionalParams):
    controller_name: str = "regime_trend"
    interval: str = "5m"
    stop_loss: Decimal = updatable_field(Decimal("0.01"), "Stop loss: ", gt=0, lt=1)
    take_profit: Decimal = updatable_field(Decimal("0.02"), "Take profit: ", gt=0, lt=1)
    time_limit: int = updatable_field(4 * 3600, "Position time limit (s): ", gt=0)
    fast_ema: int = updatable_field(20, "Fast EMA span (bars): ", ge=2)
    slow_ema: int = updatable_field(60, "Slow EMA span (bars): ", ge=3)
    regime_window: int = updatable_field(30, "Efficiency ratio window (bars): ", ge=2)
    regime_threshold: float = updatable_field(0.3, "Min |efficiency ratio| to call a trend: ", gt=0, lt=1)
    long_only: bool = updatable_field(True, "Never open shorts (spot): ")

    _slow_is_slower = field_validator("slow_ema")(above("fast_ema"))


def warmup_bars(params: RegimeTrendParams) -> int:
    """Bars before the first signal, from the params alone (the analysis sizes candle windows with it)."""
    return max(params.slow_ema, params.regime_window) + 1


class RegimeTrendStrategy(DirectionalStrategy):
    params_model = RegimeTrendParams
    params: RegimeTrendParams
    warmup = staticmethod(warmup_bars)

    def signals(self, bars: Bars) -> list[int]:
        params = self.params
        fast = ema(bars.closes, params.fast_ema)
        slow = ema(bars.closes, params.slow_ema)
        regime = efficiency_ratio(bars.closes, params.regime_window)
        warmup = max(params.slow_ema, params.regime_window)
        signals = []
        for i in range(len(bars)):
            signal = 0
            if i >= warmup:
                if fast[i] > slow[i] and regime[i] >= params.regime_threshold:
                    signal = 1
                elif fast[i] < slow[i] and regime[i] <= -params.regime_threshold and not params.long_only:
                    signal = -1
            signals.append(signal)
        return signals
