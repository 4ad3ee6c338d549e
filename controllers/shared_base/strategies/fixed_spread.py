"""Plain fixed-spread market maker: the baseline every other strategy is compared against.

No signals, no volatility and no skew, but it still runs through the shared fee floor, book clamp,
inventory limit and kill switch, so comparisons measure the signals and not missing risk controls.
"""

from __future__ import annotations

from controllers.shared_base.params import MarketMakingParams
from controllers.shared_base.strategies.base import MarketMakingStrategy


class FixedSpreadParams(MarketMakingParams):
    controller_name: str = "fixed_spread"


class FixedSpreadStrategy(MarketMakingStrategy):
    params_model = FixedSpreadParams
