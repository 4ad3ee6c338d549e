"""Market-making analytics (controllers/analysis/maker.py), on fills worked out by hand."""

from __future__ import annotations

import pytest

from controllers.analysis import maker


def fill(executor, leg, side, amount, price, close, fee, timestamp=0.0):
    return {
        "executor_id": executor,
        "leg": leg,
        "timestamp": timestamp,
        "side": side,
        "amount": amount,
        "price": price,
        "close": close,
        "fee_quote": fee,
    }


# A long: bought 2 at 100 on a bar closing at 101, sold at 103 on a bar closing at 102.5.
LONG = [fill("a", "entry", 1, 2.0, 100.0, 101.0, 0.2), fill("a", "exit", -1, 2.0, 103.0, 102.5, 0.206)]
# A short still open at the end: sold 1 at 50 (close 49.5), marked at 51 (close 50.9, slippage in it).
SHORT = [fill("b", "entry", -1, 1.0, 50.0, 49.5, 0.05), fill("b", "mark", 1, 1.0, 51.0, 50.9, 0.051)]


def test_a_long_round_trip_splits_into_spread_inventory_and_fees():
    parts = maker.decompose(LONG)
    assert parts["pnl_spread_quote"] == pytest.approx(3.0)  # 1 x 2 on the entry, 0.5 x 2 on the exit
    assert parts["pnl_inventory_quote"] == pytest.approx(3.0)  # (102.5 - 101) x 2
    assert parts["pnl_fees_quote"] == pytest.approx(0.406)
    assert parts["pnl_net_quote"] == pytest.approx((103 - 100) * 2 - 0.406)  # what the position made


def test_a_short_marked_at_the_end_loses_on_inventory_and_gives_back_its_edge_on_the_mark():
    parts = maker.decompose(SHORT)
    assert parts["pnl_spread_quote"] == pytest.approx(0.5 - 0.1)
    assert parts["pnl_inventory_quote"] == pytest.approx(49.5 - 50.9)
    assert parts["pnl_net_quote"] == pytest.approx(-(51 - 50) - 0.101)
    both = maker.decompose(LONG + SHORT)
    assert both["pnl_net_quote"] == pytest.approx(5.594 - 1.101)


def test_fills_at_the_close_capture_no_spread():
    """Hummingbot's own model: every fill at its bar's close, so all the PnL is inventory PnL."""
    parts = maker.decompose(
        [fill("c", "entry", 1, 1.0, 10.0, 10.0, 0.01), fill("c", "exit", -1, 1.0, 11.0, 11.0, 0)]
    )
    assert parts["pnl_spread_quote"] == 0 and parts["pnl_inventory_quote"] == pytest.approx(1.0)


def test_markouts_are_per_side_per_horizon_from_entries_only():
    closes = [100.0, 101.0, 99.0, 102.0]
    fills = [
        fill("a", "entry", 1, 1.0, 100.0, 100.0, 0, timestamp=0.0),
        fill("b", "entry", -1, 1.0, 101.0, 101.0, 0, timestamp=60.0),
        fill("b", "exit", 1, 1.0, 102.0, 102.0, 0, timestamp=180.0),  # exits are not quotes: ignored
        fill("c", "entry", 1, 1.0, 102.0, 102.0, 0, timestamp=180.0),  # no bar after it: counts nowhere
    ]
    out = maker.markouts(fills, [0.0, 60.0, 120.0, 180.0], closes, horizons=(1, 2, 5))
    assert out["markout_buy_1_bps"] == pytest.approx(100.0)  # 100 -> 101
    assert out["markout_buy_2_bps"] == pytest.approx(-100.0)  # 100 -> 99
    assert out["markout_sell_1_bps"] == pytest.approx(2 / 101 * 1e4)  # sold 101, then 99
    assert out["markout_sell_2_bps"] == pytest.approx(-1 / 101 * 1e4)  # then 102
    assert out["markout_buy_5_bps"] is None and out["markout_sell_5_bps"] is None


def test_fill_ratio_counts_position_quotes_that_filled():
    executors = [
        {"is_position": True, "filled_amount_quote": 10.0},
        {"is_position": True, "filled_amount_quote": 0.0},
        {"is_position": True, "filled_amount_quote": 5.0},
        {"is_position": False, "filled_amount_quote": 0.0},
    ]
    assert maker.fill_ratio(executors) == pytest.approx(2 / 3)
    assert maker.fill_ratio([]) is None


def test_quote_uptime_two_sided_and_any_side():
    bars = [
        {"resting_buys": 1, "resting_sells": 1},
        {"resting_buys": 1, "resting_sells": 0},
        {"resting_buys": 0, "resting_sells": 0},
        {"resting_buys": 2, "resting_sells": 3},
    ]
    assert maker.quote_uptime(bars) == {"quote_uptime": 0.5, "quote_uptime_any": 0.75}
    assert maker.quote_uptime([]) == {"quote_uptime": None, "quote_uptime_any": None}


def test_maker_metrics_keeps_the_scored_executors_fills_and_bars():
    bars = [
        {"timestamp": 0.0, "close": 101.0, "resting_buys": 0, "resting_sells": 0},  # warm-up
        {"timestamp": 60.0, "close": 102.5, "resting_buys": 1, "resting_sells": 1},
    ]
    executors = [{"id": "a", "is_position": True, "filled_amount_quote": 200.0}]
    out = maker.maker_metrics(LONG + SHORT, bars, executors, start_bar=1)
    assert out["pnl_net_quote"] == pytest.approx(5.594)  # b is not among the scored executors
    assert out["quote_uptime"] == 1.0 and out["fill_ratio"] == 1.0
    assert out["markout_buy_1_bps"] == pytest.approx((102.5 - 100) / 100 * 1e4)
