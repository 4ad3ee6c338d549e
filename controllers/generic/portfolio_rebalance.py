"""Hummingbot controller: portfolio rebalancing (pure logic in
shared_base/strategies/portfolio_rebalance.py)."""

from hummingbot.strategy_v2.controllers.controller_base import ControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import portfolio_rebalance as strategy

PortfolioRebalanceConfig = adapter.build_config_class(
    strategy.PortfolioRebalanceParams, ControllerConfigBase, __name__
)


class PortfolioRebalanceController(adapter.SharedGenericController):
    strategy_class = strategy.PortfolioRebalanceStrategy
