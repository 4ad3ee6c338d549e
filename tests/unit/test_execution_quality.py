"""Execution quality by hand: shortfall against arrival, slippage against the interval VWAP, fees apart."""

import pytest

from controllers.shared_base.execution import (
    BUY,
    SELL,
    Fill,
    execution_quality,
    interval_vwap,
    signed_bps,
)


def test_a_buy_above_arrival_is_a_cost_and_a_sell_below_it_too():
    assert signed_bps(BUY, 101.0, 100.0) == pytest.approx(100.0)
    assert signed_bps(SELL, 99.0, 100.0) == pytest.approx(100.0)
    assert signed_bps(SELL, 101.0, 100.0) == pytest.approx(-100.0)  # a sell above arrival gained


def test_shortfall_is_on_the_executed_part_and_fees_are_apart():
    # bought 1 at 100 and 1 at 102: average 101, arrival 100 -> 100 bps; fees 0.0404 on 202 -> 2 bps
    fills = [Fill(1.0, 100.0, 0.02), Fill(1.0, 102.0, 0.0204)]
    quality = execution_quality(BUY, target_base=4.0, arrival_price=100.0, fills=fills, vwap=100.5)
    assert quality.average_price == pytest.approx(101.0)
    assert quality.shortfall_bps == pytest.approx(100.0)
    assert quality.fees_bps == pytest.approx(0.0404 / 202 * 1e4)
    assert quality.total_cost_bps == pytest.approx(100.0 + 2.0)
    assert quality.vwap_slippage_bps == pytest.approx((101 - 100.5) / 100.5 * 1e4)
    assert quality.completion == pytest.approx(0.5)
    assert quality.remaining_base == pytest.approx(2.0)


def test_nothing_executed_has_no_price_figures():
    quality = execution_quality(SELL, target_base=1.0, arrival_price=100.0, fills=[], vwap=100.0)
    assert quality.average_price is None and quality.shortfall_bps is None
    assert quality.total_cost_bps is None and quality.completion == 0.0


def test_interval_vwap_weights_typical_prices_by_volume():
    # typical prices 10 and 20, volumes 1 and 3 -> (10 + 60) / 4
    assert interval_vwap([12, 21], [9, 19], [9, 20], [1, 3]) == pytest.approx(17.5)
    assert interval_vwap([1.0], [1.0], [1.0], [0.0]) is None
    with pytest.raises(ValueError, match="one value per bar"):
        interval_vwap([1.0], [1.0], [1.0], [])


@pytest.mark.parametrize(("side", "arrival", "message"), [(0, 100.0, "side"), (BUY, 0.0, "arrival_price")])
def test_bad_input_names_the_field(side, arrival, message):
    with pytest.raises(ValueError, match=message):
        execution_quality(side, 1.0, arrival, [])
