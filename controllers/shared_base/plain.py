"""Plain values, one canonical JSON text per value, and its digest: the one place the project turns its
own values (Decimals, numpy scalars, tuples, pydantic dumps) into what a JSON or YAML author writes.

Pure and dependency-free: the registry, the bots plan, the analysis and the engine inside a bot tree all
use it.

    plain({"spread": Decimal("0.01"), "levels": (1, 2)})   # {"spread": 0.01, "levels": [1, 2]}
    digest(config)                                          # sha256 hex of canonical_json(config)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def plain(value: Any, *, finite: bool = False) -> Any:
    """Decimals and numpy scalars to Python numbers, tuples to lists, mapping keys to str, recursively.

    finite: NaN and infinities become None (JSON has neither), for documents written to disk. Off by
    default so that a NaN in a config is refused by canonical_json, not silently blanked.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item, finite=finite) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item, finite=finite) for item in value]
    if isinstance(value, Decimal):
        value = float(value)
    elif hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy / pandas scalars
        value = value.item()
    if finite and isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, no NaN: one text per value."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(value: Any) -> str:
    """sha256 (hex) of the canonical JSON: config fingerprints, the bots' cold digests, study names."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
