"""The strategy registry: what exists, where it lives, what to ship into a bot, and whether a config is valid.

The bots role and the CLI both use this; neither ever imports Hummingbot. A config is checked once:

    checked = registry.check(config)   # ConfigError listing every "field: message" otherwise
    checked.config, checked.fingerprint, checked.warmup_bars, checked.params, checked.spec

and the CheckedConfig is what backtest, compare, optimize, the bots plan and the backtest gate carry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from controllers.plugin_system.hookspecs import StrategySpec
from controllers.plugin_system.manager import StrategyPluginManager
from controllers.shared_base.params import PASSTHROUGH_FIELDS, format_validation_errors
from controllers.shared_base.plain import digest, plain

SHARED_BASE_DIR = Path(__file__).resolve().parents[1] / "shared_base"
# Left out of a config's identity: `id` names a deployment, not a strategy.
NOT_FINGERPRINTED = frozenset({"id"})

__all__ = [
    "CheckedConfig",
    "ConfigError",
    "ShipFile",
    "StrategyRegistry",
    "StrategySpec",
    "UnknownStrategyError",
    "load_registry",
]


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


class ConfigError(ValueError):
    """A config the registry refuses; `errors` holds every problem as a "field: message" line."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class CheckedConfig:
    """A controller config validated once, and everything derived from it.

    `config` is the normalised config (every field, defaults filled in, numbers as a YAML author writes
    them, `id` left out): two configs that normalise alike are the same strategy, whatever their
    spelling, and share `fingerprint` (sha256 of its canonical JSON). `warmup_bars` comes from the
    strategy's registration. Nothing here can be changed in place: `config` and `params` are fresh
    copies on each access.
    """

    spec: StrategySpec
    text: str  # the normalised config as JSON, in the params model's field order
    fingerprint: str
    warmup_bars: int
    _params: BaseModel = field(repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.text)

    @property
    def params(self) -> BaseModel:
        return self._params.model_copy(deep=True)


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
        config = plain(model().model_dump(mode="python", exclude=passthrough))
        # Hummingbot 2.12 declares position_mode's default as the string "HEDGE", which its validator
        # never sees (defaults are not validated): every dump of the config then warned "Expected
        # `enum`" into errors.log at each start, and perpetuals got the string. Written out, it is
        # validated into the enum.
        if "position_mode" in model.model_fields:
            config["position_mode"] = model.model_fields["position_mode"].default
        return config

    def check(self, config: Mapping[str, Any]) -> CheckedConfig:
        """The config validated once, as a CheckedConfig; ConfigError listing every invalid field."""
        spec, params = self._validated(config)
        normalised = plain(params.model_dump(mode="python", exclude=set(NOT_FINGERPRINTED)))
        text = json.dumps(normalised, allow_nan=False)
        return CheckedConfig(spec, text, digest(normalised), spec.warmup_bars(params), params)

    def validate(self, config: Mapping[str, Any]) -> list[str]:
        """Errors as 'field: message' lines; an empty list means the config is valid."""
        try:
            self._validated(config)
        except ConfigError as error:
            return error.errors
        return []

    def _validated(self, config: Mapping[str, Any]) -> tuple[StrategySpec, BaseModel]:
        if not isinstance(config, Mapping):
            raise ConfigError([f"(config): expected a mapping of fields, got {type(config).__name__}"])
        name = config.get("controller_name")
        if not name:
            raise ConfigError(["controller_name: missing; it selects the strategy"])
        try:
            spec = self.get(str(name))
        except UnknownStrategyError as error:
            raise ConfigError([f"controller_name: {error}"]) from None
        declared_type = config.get("controller_type", spec.controller_type)
        if declared_type != spec.controller_type:
            raise ConfigError(
                [f"controller_type: {name} is a {spec.controller_type} controller, not {declared_type!r}"]
            )
        try:
            return spec, spec.params_model.model_validate(dict(config))
        except ValidationError as error:
            raise ConfigError(format_validation_errors(error)) from None


def load_registry(plugins: StrategyPluginManager | None = None) -> StrategyRegistry:
    """Registry over the built-ins and every installed `hbot_fleet.strategies` entry point."""
    return StrategyRegistry(plugins or StrategyPluginManager())
