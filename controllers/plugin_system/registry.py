"""The strategy registry: what exists, where it lives, what to ship into a bot, and whether a config is valid.

The bots role and the CLI both use this; neither ever imports Hummingbot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from controllers.plugin_system.hookspecs import StrategySpec
from controllers.plugin_system.manager import StrategyPluginManager
from controllers.shared_base.params import PASSTHROUGH_FIELDS, format_validation_errors

SHARED_BASE_DIR = Path(__file__).resolve().parents[1] / "shared_base"

__all__ = ["ShipFile", "StrategyRegistry", "StrategySpec", "UnknownStrategyError", "load_registry"]


class UnknownStrategyError(KeyError):
    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        super().__init__(f"unknown strategy {name!r}; known: {', '.join(sorted(known)) or 'none'}")

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class ShipFile:
    """A file to copy into a bot: `destination` is relative to the bot root (/home/hummingbot)."""

    source: Path
    destination: PurePosixPath


def _plain(value: Any) -> Any:
    """Decimals to floats (and recursively) so defaults read naturally in YAML and JSON."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class StrategyRegistry:
    def __init__(self, plugins: StrategyPluginManager):
        self.plugins = plugins
        self._specs: dict[str, StrategySpec] = {}
        self._owners: dict[str, str] = {}
        plugins.register_strategies(self._add)

    def _add(self, plugin_name: str, spec: StrategySpec) -> None:
        if not isinstance(spec, StrategySpec):
            raise TypeError(f"register() expects a StrategySpec, got {type(spec).__name__}")
        if spec.name in self._specs:
            raise ValueError(
                f"strategy {spec.name!r} is already registered by plugin {self._owners[spec.name]!r}"
            )
        self._specs[spec.name] = spec
        self._owners[spec.name] = plugin_name

    @property
    def plugin_failures(self) -> dict[str, str]:
        """Plugin name -> why it did not load or register."""
        return dict(self.plugins.failures)

    def names(self) -> list[str]:
        return sorted(self._specs)

    def get(self, name: str) -> StrategySpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownStrategyError(name, self._specs) from None

    def plugin_of(self, name: str) -> str:
        self.get(name)
        return self._owners[name]

    def params_model(self, name: str) -> type[BaseModel]:
        return self.get(name).params_model

    def module_path(self, name: str) -> str:
        """Import path of the controller inside a bot, as Hummingbot resolves it."""
        spec = self.get(name)
        return f"controllers.{spec.controller_type}.{spec.name}"

    def files_to_ship(self, name: str) -> list[ShipFile]:
        """The controller module plus every file of the shared base folder (no caches)."""
        spec = self.get(name)
        controller = ShipFile(
            Path(spec.controller_file), PurePosixPath("controllers", spec.controller_type, f"{spec.name}.py")
        )
        shared = [
            ShipFile(
                path, PurePosixPath("controllers", "shared_base", *path.relative_to(SHARED_BASE_DIR).parts)
            )
            for path in sorted(SHARED_BASE_DIR.rglob("*.py"))
            if "__pycache__" not in path.parts
        ]
        return [controller, *shared]

    def default_config(self, name: str) -> dict[str, Any]:
        """A complete, valid controller config; Hummingbot's passthrough fields keep their defaults."""
        model = self.params_model(name)
        passthrough = set(PASSTHROUGH_FIELDS) & set(model.model_fields)
        config = _plain(model().model_dump(mode="python", exclude=passthrough))
        # Hummingbot 2.12 declares position_mode's default as the string "HEDGE", which its validator
        # never sees (defaults are not validated): every dump of the config then warned "Expected
        # `enum`" into errors.log at each start, and perpetuals got the string. Written out, it is
        # validated into the enum.
        if "position_mode" in model.model_fields:
            config["position_mode"] = model.model_fields["position_mode"].default
        return config

    def validate(self, config: Mapping[str, Any]) -> list[str]:
        """Errors as 'field: message' lines; an empty list means the config is valid."""
        if not isinstance(config, Mapping):
            return [f"(config): expected a mapping of fields, got {type(config).__name__}"]
        name = config.get("controller_name")
        if not name:
            return ["controller_name: missing; it selects the strategy"]
        try:
            spec = self.get(str(name))
        except UnknownStrategyError as error:
            return [f"controller_name: {error}"]
        declared_type = config.get("controller_type", spec.controller_type)
        if declared_type != spec.controller_type:
            return [f"controller_type: {name} is a {spec.controller_type} controller, not {declared_type!r}"]
        try:
            spec.params_model.model_validate(dict(config))
        except ValidationError as error:
            return format_validation_errors(error)
        return []

    def parse(self, config: Mapping[str, Any]) -> BaseModel:
        """The validated params model for a config; raises ValueError listing every error."""
        errors = self.validate(config)
        if errors:
            raise ValueError("; ".join(errors))
        return self.params_model(str(config["controller_name"])).model_validate(dict(config))


def load_registry(plugins: StrategyPluginManager | None = None) -> StrategyRegistry:
    """Registry over the built-ins and every installed `hbot_fleet.strategies` entry point."""
    return StrategyRegistry(plugins or StrategyPluginManager())
