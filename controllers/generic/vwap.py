"""Hummingbot controller: vwap execution (pure logic in shared_base/strategies/execution_algos.py)."""

from hummingbot.strategy_v2.controllers.controller_base import ControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import execution_algos as strategy

VwapConfig = adapter.build_config_class(strategy.VwapParams, ControllerConfigBase, __name__)


class VwapController(adapter.SharedExecutionController):
    strategy_class = strategy.VwapStrategy
