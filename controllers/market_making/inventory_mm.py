"""Hummingbot controller: flagship inventory-aware market maker (pure logic in
shared_base/strategies/inventory_mm.py)."""

from hummingbot.strategy_v2.controllers.market_making_controller_base import MarketMakingControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import inventory_mm as strategy

InventoryMMConfig = adapter.build_config_class(
    strategy.InventoryMMParams, MarketMakingControllerConfigBase, __name__
)


class InventoryMMController(adapter.SharedMarketMakingController):
    strategy_class = strategy.InventoryMMStrategy
