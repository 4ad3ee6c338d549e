"""Hummingbot controller: twap execution (pure logic in shared_base/strategies/execution_algos.py)."""

from hummingbot.strategy_v2.controllers.controller_base import ControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import execution_algos as strategy

TwapConfig = adapter.build_config_class(strategy.TwapParams, ControllerConfigBase, __name__)


class TwapController(adapter.SharedExecutionController):
    strategy_class = strategy.TwapStrategy
