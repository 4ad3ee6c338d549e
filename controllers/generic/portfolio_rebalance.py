"""Hummingbot controller: portfolio rebalancing (pure logic in shared_base/strategies/portfolio_rebalance.py).

Trades with market OrderExecutors, sells first and buys once the sells are done, one batch at a time.
"""

from decimal import Decimal

from hummingbot.core.data_type.common import PriceType, TradeType
from hummingbot.strategy_v2.controllers.controller_base import ControllerBase, ControllerConfigBase
from hummingbot.strategy_v2.executors.data_types import ConnectorPair
from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy, OrderExecutorConfig
from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction

from controllers.shared_base import adapter
from controllers.shared_base.strategies import portfolio_rebalance as strategy


class _Markets:
    def update_markets(self, markets):
        for asset in sorted(self.target_weights):
            if asset != self.quote_asset:
                markets = markets.add_or_update(self.connector_name, f"{asset}-{self.quote_asset}")
        return markets


PortfolioRebalanceConfig = adapter.build_config_class(
    strategy.PortfolioRebalanceParams, ControllerConfigBase, __name__, methods=_Markets
)


class PortfolioRebalanceController(ControllerBase):
    def __init__(self, config, *args, **kwargs):
        super().__init__(config, *args, **kwargs)
        self.params = adapter.pure_params(config, strategy.PortfolioRebalanceParams)
        self.market_data_provider.initialize_rate_sources(
            [
                ConnectorPair(connector_name=config.connector_name, trading_pair=pair)
                for pair in self.params.trading_pairs
            ]
        )
        self.plan: strategy.RebalancePlan | None = None
        self.last_rebalance: float | None = None
        self.rebalancing = False

    def update_config(self, new_config) -> None:
        adapter.apply_updatable_fields(self.config, new_config, strategy.PortfolioRebalanceParams)
        self.params = adapter.pure_params(self.config, strategy.PortfolioRebalanceParams)

    async def update_processed_data(self) -> None:
        p = self.params
        holdings = {
            asset: float(self.market_data_provider.get_balance(p.connector_name, asset))
            for asset in p.target_weights
        }
        prices = {
            asset: float(
                self.market_data_provider.get_price_by_type(
                    p.connector_name, f"{asset}-{p.quote_asset}", PriceType.MidPrice
                )
            )
            for asset in p.target_weights
            if asset != p.quote_asset
        }
        self.plan = strategy.plan_rebalance(
            holdings,
            prices,
            p,
            float(self.market_data_provider.time()),
            self.last_rebalance,
            continuing=self.rebalancing,
        )
        self.processed_data = {
            "weights": self.plan.weights,
            "drift": self.plan.drift,
            "triggered": self.plan.triggered,
        }

    def determine_executor_actions(self):
        if (
            self.plan is None
            or self.config.manual_kill_switch
            or any(e.is_active for e in self.executors_info)
        ):
            return []
        if self.plan.triggered:
            self.last_rebalance = float(self.market_data_provider.time())
        self.rebalancing = bool(self.plan.orders)
        batch = [order for order in self.plan.orders if order.side == "sell"] or list(self.plan.orders)
        return [
            CreateExecutorAction(
                controller_id=self.config.id,
                executor_config=OrderExecutorConfig(
                    timestamp=self.market_data_provider.time(),
                    connector_name=self.params.connector_name,
                    trading_pair=order.trading_pair,
                    side=TradeType.SELL if order.side == "sell" else TradeType.BUY,
                    amount=Decimal(str(order.amount_base)),
                    execution_strategy=ExecutionStrategy.MARKET,
                    level_id="rebalance",
                ),
            )
            for order in batch
        ]

    def get_custom_info(self) -> dict:
        if self.plan is None:
            return {}
        return {
            "drift": {k: round(v, 4) for k, v in self.plan.drift.items()},
            "rebalancing": self.rebalancing,
        }
