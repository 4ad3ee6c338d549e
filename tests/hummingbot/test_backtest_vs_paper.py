"""Backtest against paper on one small window (issue #15, item 5): the flagship's defaults on 60 bars of
ETH-BTC (rows 5400-5459, outside the published study's windows), through a Hummingbot paper-trading run
on the role's replay market and through the conservative backtest (tests/hummingbot/paper_runs.py).

The issue's target (fill counts within 20%, net PnL of the same sign) holds for the backtest that
decides at each point of a bar's path (`--decisions path`), and is what the first test asserts. The
backtest that decides once a bar misses it: the published study (docs/backtest-vs-paper.md) says why,
and the other tests hold that agreement as measured, so that a change to either side that moves it
fails here. Measured on this window (2026-12-06, runs repeat to the fill): paper 51 fills, net -0.00087
BTC; backtest_path 52 fills, net -0.00063 BTC; backtest 22 fills, net -0.00028 BTC (paper 2.3x); the
paper run with the controller priced on bar closes as in a backtest, 42 fills (1.9x), 13 of the
backtest's 14 limit fills at the same price and side. The bounds of the close-decision ratios sit about
a third either side of them: the study's four runs put the paper bot at 1.8-2.7x, and with the paper
connector's order-tracker bug (fixed in hbot_paper.py) this test fails at 14x (312 fills) and 7.7x.
"""

import os
from pathlib import Path

import pandas as pd
import pytest
from paper_runs import Window, compare_window, fill_ratio

CANDLES = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles")) / "ETH-BTC_5m.csv"
pytestmark = pytest.mark.skipif(not CANDLES.exists(), reason="needs the shared candles")
WINDOW = Window(str(CANDLES), first=5400, bars=60)


@pytest.fixture(scope="module")
def row():
    return compare_window(WINDOW, "inventory_mm")


def test_the_backtest_deciding_along_each_bars_path_meets_the_target_against_the_paper_bot(row):
    """The issue's target, on a window the study did not use: fills within 20%, net PnL of one sign."""
    assert row["backtest_path"]["fills"] >= 20, "too few fills for a ratio to mean anything"
    assert 0.8 <= fill_ratio(row, "paper", "backtest_path") <= 1.2, (
        row["backtest_path"]["fills"],
        row["paper"]["fills"],
    )
    assert (row["paper"]["net_pnl_quote"] > 0) == (row["backtest_path"]["net_pnl_quote"] > 0)


def test_the_paper_bot_fills_about_twice_as_often_as_the_backtest_and_loses_likewise(row):
    assert row["backtest"]["fills"] >= 10, "too few backtest fills for a ratio to mean anything"
    assert 1.5 <= fill_ratio(row) <= 3.2, (row["backtest"]["fills"], row["paper"]["fills"])
    # Both sides' net PnL (marked to the window's last close) has the same sign.
    assert (row["paper"]["net_pnl_quote"] > 0) == (row["backtest"]["net_pnl_quote"] > 0), (
        row["backtest"]["net_pnl_quote"],
        row["paper"]["net_pnl_quote"],
    )


def test_priced_as_in_the_backtest_the_paper_run_fills_the_same_quotes_at_the_same_prices(row):
    """With the controller's inputs made equal (bar closes, no book), what is left is the two fill
    models. Most of the backtest's limit fills are the paper engine's too, at the same price and side,
    in the same bar or the next (the paper run's executor clocks run on, the backtest's on bars)."""
    assert 1.3 <= fill_ratio(row, "paper_candle_priced") <= 2.6
    backtest, paper = (row["fills"][engine] for engine in ("backtest", "paper_candle_priced"))
    backtest, paper = (f[f["kind"] == "limit"] for f in (backtest, paper))
    matched = 0
    for fill in backtest.itertuples():
        near = paper[
            (paper["side"] == fill.side)
            & ((paper["price"] / fill.price - 1).abs() < 1e-4)
            & ((paper["timestamp"] - fill.timestamp).abs() <= 2 * 300)
        ]
        matched += not near.empty
    assert matched >= 0.75 * len(backtest), f"{matched} of {len(backtest)} backtest limit fills matched"


def test_the_kill_switch_reads_each_finished_executors_final_pnl(row):
    """The controller's closed-executor ledger (what its kill switch reads) holds, for every executor it
    counted, the net PnL Hummingbot stored for it when it finished. It once counted an executor as soon as
    it began shutting down, before its market close filled: a stop then lacked its exit's fee and price
    (9 bps of its size on average on LTC-BTC), and a paper bot whose fills had lost 5% read 4%."""
    notes = row["notes"]["paper"]
    read, stored = notes["ledger_read"], notes["net_pnl_by_id"]
    closed = notes["close_types"]
    assert len(read) >= 20 and closed.get("STOP_LOSS", 0) + closed.get("TIME_LIMIT", 0) >= 5, closed
    assert notes["ledger_realised_pnl"] == pytest.approx(sum(stored[i] for i in read), rel=1e-9, abs=1e-15)


def test_both_engines_charge_the_same_fee_rate(row):
    """0.1% of the traded notional on every fill, maker or taker, on both sides."""
    for engine in ("backtest", "paper"):
        fills = row["fills"][engine]
        rate = fills["fee_quote"] / (fills["amount"] * fills["price"])
        assert rate.round(9).eq(0.001).all(), engine


def test_the_paper_run_trades_only_inside_the_window(row):
    candles = pd.read_csv(CANDLES)
    first, end = (
        candles["timestamp"].iloc[WINDOW.first],
        candles["timestamp"].iloc[WINDOW.first + WINDOW.bars],
    )
    for engine in ("backtest", "paper"):
        stamps = row["fills"][engine]["timestamp"]
        assert stamps.min() >= first and stamps.max() < end, engine
