"""Every validation rule rejects with the offending field named in the error."""

import pytest
from pydantic import ValidationError

from controllers.shared_base.params import format_validation_errors
from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams
from controllers.shared_base.strategies.inventory_mm import InventoryMMParams
from controllers.shared_base.strategies.pmm_rsi_llm import PmmRsiLlmParams
from controllers.shared_base.strategies.portfolio_rebalance import PortfolioRebalanceParams
from controllers.shared_base.strategies.regime_trend import RegimeTrendParams


def errors_for(model, **values) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model(**values)
    return format_validation_errors(caught.value)


def assert_rejected(model, field, fragment, **values):
    errors = errors_for(model, **values)
    assert any(line.startswith(f"{field}:") and fragment in line for line in errors), errors


def test_seed_production_defaults_for_pmm_rsi_llm():
    params = PmmRsiLlmParams()
    assert params.executor_refresh_time == 30
    assert params.cooldown_time == 5
    assert float(params.stop_loss) == 0.005 and float(params.take_profit) == 0.005
    assert params.time_limit == 900
    assert params.leverage == 1
    assert params.sentiment_enabled is False


@pytest.mark.parametrize("field", ["buy_spreads", "sell_spreads"])
def test_negative_spread(field):
    assert_rejected(FixedSpreadParams, field, "negative spread", **{field: [0.004, -0.01]})


@pytest.mark.parametrize("field", ["buy_spreads", "sell_spreads"])
def test_spread_below_fee_floor(field):
    assert_rejected(FixedSpreadParams, field, "fee floor", **{field: [0.001]})


def test_fee_floor_follows_configured_fees():
    FixedSpreadParams(fee_maker=0.0, fee_taker=0.0, buy_spreads=[0.0001], sell_spreads=[0.0001])
    assert_rejected(FixedSpreadParams, "buy_spreads", "fee floor", fee_maker=0.002, buy_spreads=[0.005])


def test_spreads_accept_hummingbot_comma_strings():
    assert FixedSpreadParams(buy_spreads="0.004, 0.01").buy_spreads == [0.004, 0.01]


def test_amounts_must_match_levels():
    assert_rejected(FixedSpreadParams, "buy_amounts_pct", "one weight per level", buy_amounts_pct=[1, 1, 1])
    assert_rejected(FixedSpreadParams, "sell_amounts_pct", "> 0", sell_amounts_pct=[1, 0])


def test_level_weights_normalise_over_both_sides():
    params = FixedSpreadParams(buy_amounts_pct=[1, 3], sell_amounts_pct=[2, 2])
    assert params.level_weights("buy") == pytest.approx([0.125, 0.375])
    assert sum(params.level_weights("buy") + params.level_weights("sell")) == pytest.approx(1.0)


def test_portfolio_weights_must_sum_to_one():
    assert_rejected(
        PortfolioRebalanceParams, "target_weights", "sum to", target_weights={"BTC": 0.5, "USDT": 0.4}
    )
    assert_rejected(PortfolioRebalanceParams, "target_weights", "needs a weight", target_weights={"BTC": 1.0})


def test_leverage_on_spot_rejected_but_allowed_on_perpetual():
    assert_rejected(InventoryMMParams, "leverage", "spot", leverage=5)
    assert_rejected(RegimeTrendParams, "leverage", "spot", leverage=2)
    assert InventoryMMParams(connector_name="binance_perpetual", leverage=5).leverage == 5


@pytest.mark.parametrize("field", ["stop_loss", "take_profit"])
@pytest.mark.parametrize("value", [0, -0.01])
def test_stop_loss_and_take_profit_must_be_positive(field, value):
    assert_rejected(PmmRsiLlmParams, field, "greater than 0", **{field: value})
    assert_rejected(RegimeTrendParams, field, "greater than 0", **{field: value})


def test_take_profit_must_pay_fees():
    assert_rejected(FixedSpreadParams, "take_profit", "fee floor", take_profit=0.001)


@pytest.mark.parametrize("refresh", [5, 3])
def test_refresh_must_exceed_cooldown(refresh):
    assert_rejected(
        PmmRsiLlmParams, "executor_refresh_time", "cooldown", executor_refresh_time=refresh, cooldown_time=5
    )


def test_unknown_field_is_named():
    nearest = "unknown field; did you mean 'buy_spreads'?"
    assert_rejected(FixedSpreadParams, "buy_spread", nearest, buy_spread=[0.01])
    assert_rejected(FixedSpreadParams, "wallet", "unknown field", wallet="x")


def test_strategy_specific_rules():
    assert_rejected(
        PmmRsiLlmParams, "rsi_overbought", "greater than rsi_oversold", rsi_oversold=60, rsi_overbought=40
    )
    assert_rejected(RegimeTrendParams, "slow_ema", "greater than fast_ema", fast_ema=50, slow_ema=20)
    assert_rejected(PortfolioRebalanceParams, "threshold_pct", "round-trip", threshold_pct=0.001)
    assert_rejected(InventoryMMParams, "interval", "invalid candle interval", interval="5x")


def test_hummingbot_passthrough_fields_are_accepted():
    params = InventoryMMParams(
        id="abc",
        candles_config=[],
        manual_kill_switch=False,
        position_mode="HEDGE",
        take_profit_order_type="LIMIT",
        trailing_stop=None,
        skip_rebalance=True,
    )
    assert params.id == "abc"


def test_refresh_tolerance_is_a_fraction_of_the_spread():
    assert FixedSpreadParams().refresh_tolerance == pytest.approx(0.2)
    FixedSpreadParams(refresh_tolerance=0)  # 0: Hummingbot's plain time-based refresh
    assert_rejected(FixedSpreadParams, "refresh_tolerance", "less than or equal to 1", refresh_tolerance=1.5)
    assert_rejected(FixedSpreadParams, "refresh_tolerance", "greater than or equal", refresh_tolerance=-0.1)


# --- Absurd and non-finite values: refused by name, whatever else they would pass --------------------


@pytest.mark.parametrize("field", ["buy_spreads", "sell_spreads"])
def test_a_spread_of_150_percent_is_refused_as_a_typo(field):
    assert_rejected(InventoryMMParams, f"{field}", "spreads are fractions", **{field: [0.004, 1.5]})


@pytest.mark.parametrize(
    ("field", "value"),
    [("buy_spreads", [float("nan")]), ("total_amount_quote", 1e309), ("fee_maker", float("nan"))],
)
def test_non_finite_values_are_refused(field, value):
    errors = errors_for(InventoryMMParams, **{field: value})
    assert any(line.startswith(field) and "finite" in line for line in errors), errors


@pytest.mark.parametrize("field", ["buy_spreads", "sell_spreads"])
def test_a_side_with_no_quote_level_is_refused(field):
    assert_rejected(InventoryMMParams, field, "no quote level", **{field: []})


def test_an_interval_the_candle_feed_does_not_offer_is_refused():
    assert_rejected(InventoryMMParams, "interval", "not a candle interval Hummingbot offers", interval="7m")
    bitget = {"connector_name": "bitget", "interval": "2h"}
    assert_rejected(InventoryMMParams, "interval", "for bitget", **bitget)
    assert InventoryMMParams(connector_name="bybit", interval="2h").interval == "2h"
