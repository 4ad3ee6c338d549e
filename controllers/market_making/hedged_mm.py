"""Hummingbot controller: the flagship's quoting on spot, hedged on a perpetual (pure logic in
shared_base/strategies/hedged_mm.py and shared_base/hedge.py)."""

from hummingbot.strategy_v2.controllers.market_making_controller_base import MarketMakingControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import hedged_mm as strategy

HedgedMMConfig = adapter.build_config_class(
    strategy.HedgedMMParams, MarketMakingControllerConfigBase, __name__, adapter.HedgeMarkets
)


class HedgedMMController(adapter.SharedHedgedMarketMakingController):
    strategy_class = strategy.HedgedMMStrategy
