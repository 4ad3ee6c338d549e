"""Backtest against paper on one small window (issue #15, item 5): the flagship's defaults on 60 bars of
ETH-BTC (rows 5400-5459, outside the published study's windows), through a Hummingbot paper-trading run
on the role's replay market and through the conservative backtest (tests/hummingbot/paper_runs.py).

The issue's target (fill counts within 20%) is not met: the published study
(docs/backtest-vs-paper.md) says why. What this test holds is the agreement as measured, so that a
change to either side that moves it fails here. Measured on this window (2026-12-04, runs repeat to
the fill): backtest 22 fills, net -0.00032 BTC; paper 51 fills, net -0.00087 BTC (2.3x); the paper run
with the controller priced on bar closes as in a backtest, 42 fills (1.9x), 13 of the backtest's 14
limit fills at the same price and side. The bounds sit about a third either side of those ratios:
the study's four runs put the paper bot at 1.8-2.7x, and with the paper connector's order-tracker bug
(fixed in hbot_paper.py) this test fails at 14x (312 fills) and 7.7x.
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
