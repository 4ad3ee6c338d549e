"""Hook specifications for strategy plugins (pluggy project "hbot_fleet"), and the spec they register.

A plugin is any module or object with `@hookimpl` functions, exposed through an entry point in the
`hbot_fleet.strategies` group:

    from controllers.plugin_system.hookspecs import StrategySpec, hookimpl

    @hookimpl
    def register_strategies(register):
        register(StrategySpec(name=..., controller_type=..., params_model=..., controller_file=...,
                              warmup=my_strategy.warmup_bars))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy
from pydantic import BaseModel

PROJECT_NAME = "hbot_fleet"
ENTRY_POINT_GROUP = "hbot_fleet.strategies"
CONTROLLER_TYPES = ("market_making", "directional_trading", "generic")

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@dataclass(frozen=True)
class StrategySpec:
    """One strategy as a bot sees it: `controllers.<controller_type>.<name>` loaded from `controller_file`.

    `params_model` is the pure pydantic model (no Hummingbot import) whose defaults are a valid
    config; `controller_file` is the Hummingbot-facing module shipped into the bot as
    `controllers/<controller_type>/<name>.py`. `warmup` gives the bars of history a config needs
    before it trades (its longest indicator window plus one, say); None means 1. It is the one source
    of warm-up on the operator side: backtest, compare, optimize and their window checks ask it. Make it
    a module-level function (specs cross process boundaries, and a lambda does not pickle).
    """

    name: str
    controller_type: str
    params_model: type[BaseModel]
    controller_file: Path
    description: str = ""
    warmup: Callable[[Any], int] | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"strategy name {self.name!r} must be a Python identifier (it is a module name)")
        if self.controller_type not in CONTROLLER_TYPES:
            raise ValueError(
                f"{self.name}: controller_type {self.controller_type!r} not in {CONTROLLER_TYPES}"
            )
        if not (isinstance(self.params_model, type) and issubclass(self.params_model, BaseModel)):
            raise TypeError(f"{self.name}: params_model must be a pydantic model class")
        if Path(self.controller_file).stem != self.name:
            raise ValueError(
                f"{self.name}: controller file {self.controller_file} must be named {self.name}.py"
            )
        for field, expected in (("controller_name", self.name), ("controller_type", self.controller_type)):
            declared = self.params_model.model_fields.get(field)
            if declared is None or declared.default != expected:
                raise ValueError(f"{self.name}: params_model.{field} must default to {expected!r}")
        if self.warmup is not None and not callable(self.warmup):
            raise TypeError(f"{self.name}: warmup must be a function of the params (bars before trading)")

    def warmup_bars(self, params: Any) -> int:
        """Bars of history these params need before the strategy trades (at least 1)."""
        return max(1, int(self.warmup(params))) if self.warmup is not None else 1


@hookspec
def register_strategies(register: Callable[[StrategySpec], None]) -> None:
    """Call `register(spec)` once for every strategy this plugin provides."""
