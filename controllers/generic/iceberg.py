"""Hummingbot controller: iceberg execution (pure logic in shared_base/strategies/execution_algos.py)."""

from hummingbot.strategy_v2.controllers.controller_base import ControllerConfigBase

from controllers.shared_base import adapter
from controllers.shared_base.strategies import execution_algos as strategy

IcebergConfig = adapter.build_config_class(strategy.IcebergParams, ControllerConfigBase, __name__)


class IcebergController(adapter.SharedExecutionController):
    strategy_class = strategy.IcebergStrategy
