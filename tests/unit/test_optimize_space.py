"""The optimize search space: derived from each strategy's params model, narrowed by a user file."""

from __future__ import annotations

import pytest

from controllers.analysis.optimize.space import (
    DEFAULT_SPAN,
    SpaceError,
    apply_params,
    base_params,
    config_errors,
    default_fields,
    derive_space,
    field_bounds,
    narrow_space,
    searchable_fields,
)
from controllers.plugin_system.registry import load_registry

REGISTRY = load_registry()
TRADING = ["inventory_mm", "pmm_rsi_llm", "fixed_spread", "regime_trend"]


def base_of(controller: str, **values):
    model = REGISTRY.params_model(controller)
    return model, model.model_validate({"controller_name": controller, **values})


@pytest.mark.parametrize("controller", TRADING)
def test_derived_ranges_lie_inside_the_models_validated_bounds(controller):
    model, base = base_of(controller)
    space = derive_space(model, base, controller)
    assert space.ranges
    for param in space.ranges:
        bounds = field_bounds(model, param.name)
        if param.kind == "bool":
            continue
        assert param.low < param.high
        assert bounds.admits(param.low) and bounds.admits(param.high), (param, bounds)
    # fields the model checks against the fee floor start at the floor, not below it
    for name in ("take_profit", "buy_spreads", "sell_spreads"):
        if name in space.names:
            config = apply_params(base, space, {name: space.ranges[space.names.index(name)].low})
            assert config_errors(model, config) == []


@pytest.mark.parametrize("controller", TRADING)
def test_facts_and_risk_budgets_are_never_searched_by_default(controller):
    model, base = base_of(controller)
    names = derive_space(model, base, controller).names
    for fact in ("total_amount_quote", "fee_maker", "fee_taker", "leverage", "trading_pair", "interval"):
        assert fact not in names
    for budget in ("max_inventory_pct", "max_drawdown_pct", "sentiment_enabled"):
        assert budget not in names
        if budget in model.model_fields:
            assert budget in searchable_fields(model)  # a space file may still name it


def test_inventory_mm_space_spans_the_default_within_bounds():
    model, base = base_of("inventory_mm")
    space = {p.name: p for p in derive_space(model, base, "inventory_mm").ranges}
    # unbounded above: default / SPAN .. default * SPAN
    window = space["volatility_window"]
    assert (window.kind, window.low, window.high) == ("int", 48 / DEFAULT_SPAN, 48 * DEFAULT_SPAN)
    # le=2 caps the upper end at the model's bound
    assert space["inventory_risk_aversion"].high == 2.0
    # the ladder is searched by its level-0 spread, never below the fee floor
    assert space["buy_spreads"].kind == "ladder"
    assert space["buy_spreads"].low == pytest.approx(base.spread_floor)
    assert space["take_profit"].low >= base.spread_floor
    assert set(default_fields(model)) >= set(space)


def test_a_ladder_keeps_its_level_ratios():
    model, base = base_of("inventory_mm", buy_spreads=[0.004, 0.01])
    space = narrow_space(model, base, "inventory_mm", {"buy_spreads": {"low": 0.003, "high": 0.02}})
    config = apply_params(base, space, {"buy_spreads": 0.008})
    assert config["buy_spreads"] == pytest.approx([0.008, 0.02])
    assert config["sell_spreads"] == base.sell_spreads


def test_narrowed_space_is_exactly_the_files_fields_with_fixed_values_applied():
    model, base = base_of("regime_trend")
    spec = {
        "fast_ema": {"low": 5, "high": 30},
        "slow_ema": {"low": 40, "high": 200, "log": True},
        "long_only": True,
    }
    space = narrow_space(model, base, "regime_trend", spec)
    assert space.names == ["fast_ema", "slow_ema"]
    assert space.ranges[1].log is True
    assert dict(space.fixed) == {"long_only": True}
    config = apply_params(base, space, {"fast_ema": 12.0, "slow_ema": 90})
    assert (config["fast_ema"], config["slow_ema"], config["long_only"]) == (12, 90, True)
    assert isinstance(config["fast_ema"], int)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"volatility_windw": {"low": 5, "high": 9}},
            "space.volatility_windw: unknown parameter of inventory_mm",
        ),
        ({"fee_maker": {"low": 0.0, "high": 0.001}}, "space.fee_maker: not a searchable parameter"),
        (
            {"volatility_window": {"low": 1, "high": 9}},
            "space.volatility_window.low: 1 is outside the field's valid range [2, inf)",
        ),
        (
            {"inventory_risk_aversion": {"low": 0.5, "high": 3}},
            "space.inventory_risk_aversion.high: 3 is outside",
        ),
        ({"buy_spreads": {"low": 0.001, "high": 0.01}}, "space.buy_spreads.low: 0.001 is outside"),
        ({"volatility_window": {"low": 9, "high": 9}}, "space.volatility_window: low 9 must be below high 9"),
        (
            {"volatility_window": {"low": 5.5, "high": 9}},
            "space.volatility_window.low: volatility_window is an integer",
        ),
        ({"volatility_window": {"low": "5", "high": 9}}, "space.volatility_window.low: expected a number"),
        (
            {"volatility_window": {"low": 5, "high": 9, "step": 1}},
            "space.volatility_window: unknown key(s) ['step']",
        ),
        (
            {"trend_widening": {"low": 0, "high": 2, "log": True}},
            "space.trend_widening.log: a log scale needs low > 0",
        ),
        ({"volatility_window": 1}, "space.volatility_window: Input should be greater than or equal to 2"),
        ({"volatility_window": 20}, "space: every field is fixed"),
        ([], "space: expected a non-empty mapping"),
    ],
)
def test_bad_space_entries_are_rejected_naming_the_field(spec, message):
    model, base = base_of("inventory_mm")
    with pytest.raises(SpaceError) as error:
        narrow_space(model, base, "inventory_mm", spec)
    assert message in str(error.value)


def test_the_base_configs_own_values_seed_the_search_when_inside_the_space():
    model, base = base_of("inventory_mm")
    spec = {"volatility_window": {"low": 10, "high": 40}, "trend_widening": {"low": 0.5, "high": 2}}
    space = narrow_space(model, base, "inventory_mm", spec)
    # volatility_window's default 48 lies outside 10..40, so only trend_widening is seeded
    assert base_params(base, space) == {"trend_widening": 1.0}
