"""Hummingbot controller: regime-filtered trend follower (pure logic in
shared_base/strategies/regime_trend.py)."""

from hummingbot.strategy_v2.controllers.directional_trading_controller_base import (
    DirectionalTradingControllerConfigBase,
)

from controllers.shared_base import adapter
from controllers.shared_base.strategies import regime_trend as strategy

RegimeTrendConfig = adapter.build_config_class(
    strategy.RegimeTrendParams, DirectionalTradingControllerConfigBase, __name__
)


class RegimeTrendController(adapter.SharedDirectionalController):
    strategy_class = strategy.RegimeTrendStrategy
