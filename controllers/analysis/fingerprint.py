"""The identity of a controller config: what a backtest report was run on, and what a bot deploys.

Two configs that the registry normalises to the same values (defaults filled in, numbers as floats)
have the same fingerprint, however they were written; `id` names a deployment, not a strategy, so it
is left out. Pure: no Hummingbot, usable on the operator side and inside the runtime alike.

    config_fingerprint({"controller_name": "inventory_mm", "trading_pair": "ETH-BTC"})  # sha256 hex
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from controllers.plugin_system.registry import StrategyRegistry, load_registry

EXCLUDED_FIELDS = frozenset({"id"})


def _plain(value: Any) -> Any:
    """Decimals to floats, tuples to lists, recursively: the JSON a YAML author would write."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def normalise_config(config: Mapping[str, Any], registry: StrategyRegistry | None = None) -> dict[str, Any]:
    """The config as the registry validates it: every field, defaults filled in, `id` left out.

    Raises ValueError naming every invalid field (the registry's messages).
    """
    registry = registry or load_registry()
    model = registry.parse(config)
    return _plain(model.model_dump(mode="python", exclude=set(EXCLUDED_FIELDS)))


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace: one text per value."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_fingerprint(config: Mapping[str, Any], registry: StrategyRegistry | None = None) -> str:
    """sha256 (hex) of the canonical JSON of the normalised config."""
    return hashlib.sha256(canonical_json(normalise_config(config, registry)).encode()).hexdigest()
