"""Execution report figures by hand: a run's child fills and the single market order benchmark."""

import pytest

from controllers.analysis.execution_report import (
    ExecutedFill,
    execution_report,
    market_fill,
    order_fills,
)
from controllers.shared_base.execution import BUY, SELL

CANDLES = {
    "timestamp": [0.0, 60.0, 120.0, 180.0, 240.0],
    "open": [100.0, 100.0, 102.0, 103.0, 104.0],
    "high": [100.0, 101.0, 103.0, 104.0, 105.0],
    "low": [100.0, 99.0, 101.0, 102.0, 103.0],
    "close": [100.0, 100.0, 102.5, 103.0, 104.0],
    "volume": [10.0, 10.0, 10.0, 20.0, 10.0],
}
CONSERVATIVE = {
    "name": "conservative",
    "maker_fee": 0.0002,
    "taker_fee": 0.0006,
    "slippage": 0.001,
    "tick": 0.5,
}
HUMMINGBOT = {"name": "hummingbot", "fee": 0.001}
# a TWAP's two child buys, the first order created on bar 1 (ts 60, close 100): the arrival price
LEDGER = [
    {"executor_id": "a", "leg": "fill", "timestamp": 120.0, "side": 1, "amount": 1.0, "price": 102.0,
     "fee_quote": 0.0204, "close": 102.5},
    {"executor_id": "b", "leg": "fill", "timestamp": 180.0, "side": 1, "amount": 1.0, "price": 103.0,
     "fee_quote": 0.0206, "close": 103.0},
    {"executor_id": "p", "leg": "entry", "timestamp": 180.0, "side": -1, "amount": 5.0, "price": 1.0,
     "fee_quote": 0.0, "close": 103.0},  # a position's entry: not an order executor's fill
]  # fmt: skip
# interval VWAP over bars 2..3: typical prices (103 + 101 + 102.5) / 3 and (104 + 102 + 103) / 3 = 103,
# volumes 10 and 20
VWAP = ((103 + 101 + 102.5) / 3 * 10 + 103 * 20) / 30


def test_only_order_executor_fills_are_read_from_the_ledger():
    assert [f.timestamp for f in order_fills(LEDGER)] == [120.0, 180.0]


def test_the_run_against_arrival_and_the_interval_vwap():
    report = execution_report(LEDGER, CANDLES, side=BUY, start=60.0, fill_model=CONSERVATIVE, target_base=2.0)
    assert (report.arrival_timestamp, report.arrival_price, report.window) == (60.0, 100.0, (120.0, 180.0))
    run = report.run
    assert run.average_price == pytest.approx(102.5)
    assert run.shortfall_bps == pytest.approx(250.0)  # (102.5 - 100) / 100
    assert run.fees_bps == pytest.approx(0.041 / 205 * 1e4)  # 2 bps
    assert run.vwap == pytest.approx(VWAP)
    assert run.vwap_slippage_bps == pytest.approx((102.5 - VWAP) / VWAP * 1e4)
    assert run.completion == 1.0


def test_the_conservative_benchmark_is_one_market_order_at_the_next_open_plus_slippage():
    bench = execution_report(LEDGER, CANDLES, side=BUY, start=60.0, fill_model=CONSERVATIVE).benchmark
    # 2 base at bar 2's open 102 x 1.001 = 102.102, taker fee 2 x 102.102 x 0.0006
    assert (bench.filled_base, bench.average_price) == (2.0, pytest.approx(102.102))
    assert bench.fees_quote == pytest.approx(0.1225224)
    assert bench.shortfall_bps == pytest.approx(210.2)
    assert bench.fees_bps == pytest.approx(6.0)
    assert bench.vwap_slippage_bps == pytest.approx((102.102 - VWAP) / VWAP * 1e4)


def test_hummingbots_benchmark_fills_at_the_pricing_close_with_the_flat_fee():
    bench = execution_report(LEDGER, CANDLES, side=BUY, start=60.0, fill_model=HUMMINGBOT).benchmark
    assert (bench.average_price, bench.shortfall_bps) == (100.0, 0.0)
    assert bench.fees_quote == pytest.approx(0.2) and bench.fees_bps == pytest.approx(10.0)


def test_a_sell_below_arrival_is_a_cost_and_a_partial_run_reports_its_completion():
    fills = [ExecutedFill(120.0, SELL, 1.0, 101.0, 0.0)]
    report = execution_report(fills, CANDLES, side=SELL, start=60.0, fill_model=CONSERVATIVE, target_base=4.0)
    assert report.run.shortfall_bps == pytest.approx(-100.0)  # sold at 101 over arrival 100: a gain
    assert report.run.completion == pytest.approx(0.25)
    # the benchmark sells all 4 at 102 x 0.999 = 101.898
    assert report.benchmark.average_price == pytest.approx(101.898)
    assert report.benchmark.shortfall_bps == pytest.approx(-189.8)
    assert report.window == (120.0, 120.0)
    assert report.as_dict()["benchmark"]["filled_base"] == 4.0


def test_fills_on_the_pricing_bar_take_that_bar_as_the_window_and_nothing_filled_reports_none():
    hb = [ExecutedFill(60.0, BUY, 2.0, 100.0, 0.2)]
    report = execution_report(hb, CANDLES, side=BUY, start=60.0, fill_model=HUMMINGBOT)
    assert report.window == (60.0, 60.0) and report.run.vwap == pytest.approx((101 + 99 + 100) / 3)
    empty = execution_report([], CANDLES, side=BUY, start=60.0, fill_model=CONSERVATIVE, target_base=1.0)
    assert empty.run.average_price is None and empty.run.completion == 0.0
    assert empty.benchmark.average_price == pytest.approx(102.102)


def test_no_next_bar_leaves_the_conservative_benchmark_unfilled():
    assert market_fill(CANDLES, 4, BUY, 1.0, CONSERVATIVE) is None
    report = execution_report([], CANDLES, side=BUY, start=240.0, fill_model=CONSERVATIVE, target_base=1.0)
    assert report.benchmark is None


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="other side"):
        execution_report(LEDGER, CANDLES, side=SELL, start=60.0, fill_model=CONSERVATIVE)
    with pytest.raises(ValueError, match="not a candle's timestamp"):
        execution_report(LEDGER, CANDLES, side=BUY, start=61.0, fill_model=CONSERVATIVE)
    with pytest.raises(ValueError, match="unknown model"):
        execution_report(LEDGER, CANDLES, side=BUY, start=60.0, fill_model={"name": "optimistic"})
    with pytest.raises(ValueError, match="missing columns"):
        execution_report(LEDGER, {"timestamp": [60.0]}, side=BUY, start=60.0, fill_model=CONSERVATIVE)
