"""Hummingbot controller: fixed-spread baseline (pure logic in shared_base/strategies/fixed_spread.py)."""

from hummingbot.strategy_v2.controllers.market_making_controller_base import MarketMakingControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import fixed_spread as strategy

FixedSpreadConfig = adapter.build_config_class(
    strategy.FixedSpreadParams, MarketMakingControllerConfigBase, __name__
)


class FixedSpreadController(adapter.SharedMarketMakingController):
    strategy_class = strategy.FixedSpreadStrategy
