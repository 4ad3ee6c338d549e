"""The search space of `hbot-strategies optimize`, derived from a strategy's pydantic params model.

Pure (no Hummingbot, no Optuna): the host validates a space before anything runs, and the runtime
samples from the same objects.

Which fields are searched by default: the strategy's numeric and boolean tuning fields. Never
searched: identity and market fields, capital and fees (facts, not knobs), Hummingbot's passthrough
fields. Searchable only when a space file names them: the risk budgets and the sentiment inputs
(an operator sets those; a backtest has no recorded scores).

Ranges stay inside the model's validated bounds (ge/gt/le/lt); where the model has no bound on a
side, the default range is the field's default divided / multiplied by `DEFAULT_SPAN`. A spread
ladder (`buy_spreads`, `sell_spreads`) is searched as its level-0 spread, floored at the fee floor;
further levels keep their ratio to level 0.

A space file (YAML or JSON) narrows this: a mapping of field -> {low, high, log} or a fixed value.
When given, exactly the fields it names are searched (or fixed); everything else keeps the base
config's value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError

from controllers.analysis.errors import AnalysisError, problem
from controllers.shared_base.params import PASSTHROUGH_FIELDS, format_validation_errors
from controllers.shared_base.plain import plain

# default range = [default / DEFAULT_SPAN, default * DEFAULT_SPAN] where the model sets no bound
DEFAULT_SPAN = 4.0
# a positive float range at least this wide (high / low) is sampled on a log scale
LOG_SCALE_RATIO = 10.0
# facts about the market and the account, never tuned
NEVER_SEARCHED = frozenset(
    {
        "controller_name",
        "controller_type",
        "connector_name",
        "trading_pair",
        "candles_connector",
        "candles_trading_pair",
        "interval",
        "total_amount_quote",
        "fee_maker",
        "fee_taker",
        "leverage",
        "buy_amounts_pct",
        "sell_amounts_pct",
        "sentiment_source",
    }
    | PASSTHROUGH_FIELDS
)
# operator decisions: searched only when a space file names them
OPT_IN_ONLY = frozenset(
    {
        "max_inventory_pct",
        "max_drawdown_pct",
        "long_only",
        "sentiment_enabled",
        "sentiment_max_widening",
        "sentiment_max_age_seconds",
    }
)
LADDER_FIELDS = frozenset({"buy_spreads", "sell_spreads"})
# fields the params model rejects below the fee floor
FEE_FLOORED_FIELDS = frozenset({"take_profit"}) | LADDER_FIELDS
SPEC_KEYS = frozenset({"low", "high", "log"})

Kind = Literal["int", "float", "bool", "ladder"]


class SpaceError(AnalysisError):
    """A space problem; `field` is the field it is about."""


@dataclass(frozen=True)
class Bounds:
    """The model's validated bounds of a field; None means unbounded on that side."""

    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    def admits(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        return not (
            self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive))
        )

    def describe(self) -> str:
        low = "(-inf" if self.low is None else f"{'[' if self.low_inclusive else '('}{self.low:g}"
        high = "inf)" if self.high is None else f"{self.high:g}{']' if self.high_inclusive else ')'}"
        return f"{low}, {high}"


@dataclass(frozen=True)
class ParamRange:
    """One searched parameter: `kind` decides how it is sampled and written back into a config."""

    name: str
    kind: Kind
    low: float = 0.0
    high: float = 0.0
    log: bool = False

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "bool":
            return {"kind": "bool", "choices": [False, True]}
        return {"kind": self.kind, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class SearchSpace:
    """Searched ranges plus fixed overrides, over a validated base config."""

    controller: str
    ranges: tuple[ParamRange, ...]
    fixed: tuple[tuple[str, Any], ...] = ()

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.ranges]

    def to_dict(self) -> dict[str, Any]:
        return {
            "searched": {r.name: r.to_dict() for r in self.ranges},
            "fixed": {name: plain(value) for name, value in self.fixed},
        }


def field_kind(model: type[BaseModel], name: str) -> Kind | None:
    """How a field would be searched, or None if its type is not searchable."""
    annotation = model.model_fields[name].annotation
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation in (float, Decimal):
        return "float"
    if name in LADDER_FIELDS and get_origin(annotation) is list and get_args(annotation) == (float,):
        return "ladder"
    return None


def field_bounds(model: type[BaseModel], name: str) -> Bounds:
    """The ge/gt/le/lt constraints pydantic enforces on a field."""
    bounds = Bounds()
    for item in model.model_fields[name].metadata:
        if isinstance(item, Ge):
            bounds = replace(bounds, low=float(item.ge), low_inclusive=True)
        elif isinstance(item, Gt):
            bounds = replace(bounds, low=float(item.gt), low_inclusive=False)
        elif isinstance(item, Le):
            bounds = replace(bounds, high=float(item.le), high_inclusive=True)
        elif isinstance(item, Lt):
            bounds = replace(bounds, high=float(item.lt), high_inclusive=False)
    return bounds


def searchable_fields(model: type[BaseModel]) -> list[str]:
    """Every field a space file may name."""
    return [n for n in model.model_fields if n not in NEVER_SEARCHED and field_kind(model, n) is not None]


def default_fields(model: type[BaseModel]) -> list[str]:
    """The fields searched when no space file is given."""
    return [n for n in searchable_fields(model) if n not in OPT_IN_ONLY]


def _inside(bounds: Bounds, value: float, towards: float) -> float:
    """`value` pulled inside the bounds; an open bound is approached to within 1% of the way to `towards`."""
    if bounds.admits(value):
        return value
    edge = bounds.low if bounds.low is not None and value <= bounds.low else bounds.high
    inclusive = bounds.low_inclusive if edge == bounds.low else bounds.high_inclusive
    return edge if inclusive else edge + (towards - edge) * 0.01


def default_range(model: type[BaseModel], name: str, base: BaseModel) -> ParamRange | None:
    """The default range of one field around the base config's value, inside the model's bounds.

    None when the field cannot vary (its bounds pin it, or its base value is not a number).
    """
    kind = field_kind(model, name)
    if kind is None:
        return None
    if kind == "bool":
        return ParamRange(name, "bool")
    value = getattr(base, name)
    centre = float(value[0]) if kind == "ladder" else float(value)
    bounds = field_bounds(model, name)
    if name in FEE_FLOORED_FIELDS:
        bounds = _with_floor(bounds, base.spread_floor)
    if centre > 0:
        low, high = centre / DEFAULT_SPAN, centre * DEFAULT_SPAN
    else:
        low, high = centre, centre + 1.0
    low, high = _inside(bounds, low, centre), _inside(bounds, high, centre)
    if kind == "int":
        low, high = float(math.ceil(low)), float(math.floor(high))
    if not low < high:
        return None
    return ParamRange(name, kind, low, high, log=_log_scale(kind, low, high))


def _with_floor(bounds: Bounds, floor: float) -> Bounds:
    if bounds.low is None or bounds.low < floor:
        return replace(bounds, low=floor, low_inclusive=True)
    return bounds


def _log_scale(kind: Kind, low: float, high: float) -> bool:
    return kind != "bool" and low > 0 and high / low >= LOG_SCALE_RATIO


def derive_space(model: type[BaseModel], base: BaseModel, controller: str) -> SearchSpace:
    """The default search space: every default field that can vary."""
    ranges = [default_range(model, name, base) for name in default_fields(model)]
    return SearchSpace(controller, tuple(r for r in ranges if r is not None))


def _number(field: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpaceError(f"{field}.{key}", f"expected a number, got {value!r}")
    if not math.isfinite(value):
        raise SpaceError(f"{field}.{key}", f"must be finite, got {value!r}")
    return float(value)


def _user_range(model: type[BaseModel], base: BaseModel, name: str, spec: Mapping[str, Any]) -> ParamRange:
    """A {low, high, log} entry checked against the field's kind and validated bounds."""
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise SpaceError(name, f"unknown key(s) {unknown}; allowed: low, high, log")
    kind = field_kind(model, name)
    if kind == "bool":
        raise SpaceError(name, "a boolean is searched over both values; give no range (or fix it)")
    fallback = default_range(model, name, base)
    low = _number(name, "low", spec["low"]) if "low" in spec else (fallback.low if fallback else None)
    high = _number(name, "high", spec["high"]) if "high" in spec else (fallback.high if fallback else None)
    if low is None or high is None:
        raise SpaceError(name, "give both low and high (the field has no default range)")
    bounds = field_bounds(model, name)
    if name in FEE_FLOORED_FIELDS:
        bounds = _with_floor(bounds, base.spread_floor)
    for key, value in (("low", low), ("high", high)):
        if not bounds.admits(value):
            raise SpaceError(
                f"{name}.{key}", f"{value:g} is outside the field's valid range {bounds.describe()}"
            )
        if kind == "int" and value != int(value):
            raise SpaceError(f"{name}.{key}", f"{name} is an integer, got {value:g}")
    if not low < high:
        raise SpaceError(name, f"low {low:g} must be below high {high:g} (to fix a value, give it alone)")
    log = spec.get("log", _log_scale(kind, low, high))
    if not isinstance(log, bool):
        raise SpaceError(f"{name}.log", f"expected true or false, got {log!r}")
    if log and low <= 0:
        raise SpaceError(f"{name}.log", f"a log scale needs low > 0, got {low:g}")
    return ParamRange(name, kind, low, high, log)


def narrow_space(model: type[BaseModel], base: BaseModel, controller: str, spec: Any) -> SearchSpace:
    """The space a user file describes; every error names the field (`space.<field>...`)."""
    if not isinstance(spec, Mapping) or not spec:
        raise SpaceError("space", f"expected a non-empty mapping of field -> range or value, got {spec!r}")
    allowed = searchable_fields(model)
    ranges: list[ParamRange] = []
    fixed: list[tuple[str, Any]] = []
    for name, entry in spec.items():
        try:
            if name not in model.model_fields:
                raise SpaceError(name, f"unknown parameter of {controller}; searchable: {', '.join(allowed)}")
            if name not in allowed:
                raise SpaceError(name, "not a searchable parameter (a fact or an identity, not a knob)")
            if isinstance(entry, Mapping):
                ranges.append(_user_range(model, base, name, entry))
            else:
                fixed.append((name, entry))
        except SpaceError as error:
            raise error.as_(SpaceError, lambda field: f"space.{field}") from None
    space = SearchSpace(controller, tuple(ranges), tuple(fixed))
    errors = config_errors(model, apply_params(base, space, {}))
    if errors:
        raise SpaceError.each((f"space.{field}", message) for field, message in map(problem, errors))
    if not ranges:
        raise SpaceError("space", "every field is fixed; give at least one {low, high} range to search")
    return space


def config_errors(model: type[BaseModel], config: Mapping[str, Any]) -> list[str]:
    """'field: message' lines for a config the params model rejects; empty when it is valid."""
    try:
        model.model_validate(dict(config))
    except ValidationError as error:
        return format_validation_errors(error)
    return []


def apply_params(base: BaseModel, space: SearchSpace, params: Mapping[str, Any]) -> dict[str, Any]:
    """The config a trial runs: the base config, the space's fixed values, then the sampled values.

    A ladder value is the level-0 spread; further levels keep their ratio to level 0.
    """
    config = plain(
        base.model_dump(mode="python", exclude=set(PASSTHROUGH_FIELDS) & set(type(base).model_fields))
    )
    config.update(dict(space.fixed))
    kinds = {r.name: r.kind for r in space.ranges}
    for name, value in params.items():
        if kinds.get(name) == "ladder":
            levels = [float(level) for level in config[name]]
            config[name] = [float(value) * level / levels[0] for level in levels]
        elif kinds.get(name) == "int":
            config[name] = int(value)
        else:
            config[name] = value
    return config


def base_params(base: BaseModel, space: SearchSpace) -> dict[str, Any]:
    """The base config's own values of the searched parameters, where they lie inside the space:
    the search's first trial, so the best trial is never worse in-sample than the base config."""
    fixed = dict(space.fixed)
    params: dict[str, Any] = {}
    for r in space.ranges:
        value = fixed.get(r.name, getattr(base, r.name))
        if r.kind == "bool":
            params[r.name] = bool(value)
            continue
        number = float(value[0]) if r.kind == "ladder" else float(value)
        if r.low <= number <= r.high:
            params[r.name] = int(number) if r.kind == "int" else number
    return params


def extreme_configs(base: BaseModel, space: SearchSpace) -> list[dict[str, Any]]:
    """The base config with every searched integer at its high end: the longest warm-up the
    search can ask for (bar-count fields are integers)."""
    highs = {r.name: r.high for r in space.ranges if r.kind == "int"}
    return [apply_params(base, space, highs)]
