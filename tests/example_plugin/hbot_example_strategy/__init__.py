"""Example plugin: registers one strategy. This module is what the entry point loads."""

from pathlib import Path

from controllers.plugin_system.hookspecs import StrategySpec, hookimpl
from hbot_example_strategy.wide_spread_mm import WideSpreadParams


@hookimpl
def register_strategies(register):
    controller = Path(__file__).with_name("wide_spread_mm.py")
    register(
        StrategySpec(
            "wide_spread_mm", "market_making", WideSpreadParams, controller, "Example: wide fixed spreads"
        )
    )
