"""Bot-side controller, shipped into a bot as controllers/market_making/wide_spread_mm.py.

It imports only the shared base, never this package. The Hummingbot classes are defined only where
Hummingbot is installed; the operator side needs nothing but the pure params model.
"""

from importlib.util import find_spec

from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams, FixedSpreadStrategy


class WideSpreadParams(FixedSpreadParams):
    controller_name: str = "wide_spread_mm"
    buy_spreads: list[float] = [0.01, 0.02, 0.04]
    sell_spreads: list[float] = [0.01, 0.02, 0.04]


class WideSpreadStrategy(FixedSpreadStrategy):
    params_model = WideSpreadParams


if find_spec("hummingbot") is not None:
    from hummingbot.strategy_v2.controllers.market_making_controller_base import (
        MarketMakingControllerConfigBase,
    )

    from controllers.shared_base import adapter

    WideSpreadConfig = adapter.build_config_class(
        WideSpreadParams, MarketMakingControllerConfigBase, __name__
    )

    class WideSpreadController(adapter.SharedMarketMakingController):
        strategy_class = WideSpreadStrategy
