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
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

# JSON's scalar types, each to its exact type (bool first: True is an int too). Their subclasses (an
# IntEnum, numpy's float64, the tagged str and float that ansible-core hands a filter) become the base
# type: pydantic refuses a tagged float where a float belongs.
_JSON_SCALARS = (bool, int, float, str)


def plain(value: Any, *, finite: bool = False, other: Callable[[Any], Any] | None = None) -> Any:
    """Decimals and numpy scalars to Python numbers, tuples to lists, mapping keys to str, recursively.

    Items are read by key and by index, not through a C-level reader: Ansible's lazy containers template
    an item only when it is read that way.
    finite: NaN and infinities become None (JSON has neither), for documents written to disk. Off by
    default so that a NaN in a config is refused by canonical_json, not silently blanked.
    other: what becomes of a value JSON has no type for (the Ansible filters pass `str`, as a
    `json.dumps(default=str)` round trip would); kept as it is by default.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(value[key], finite=finite, other=other) for key in value}
    if isinstance(value, list | tuple):
        return [plain(value[index], finite=finite, other=other) for index in range(len(value))]
    if isinstance(value, Decimal):
        value = float(value)
    elif hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy / pandas scalars
        value = value.item()
    elif isinstance(value, _JSON_SCALARS):
        if type(value) not in _JSON_SCALARS:  # a subclass: the first base it belongs to
            value = next(kind for kind in _JSON_SCALARS if isinstance(value, kind))(value)
    elif other is not None and value is not None:
        value = other(value)
    if finite and isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, no NaN: one text per value."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(value: Any) -> str:
    """sha256 (hex) of the canonical JSON: config fingerprints, the bots' cold digests, study names."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
