"""Decisions "path" inside Hummingbot's own engine (the analysis runtime, offline): the controller decides
at each of four points of every bar, as a bot on the replay market does, and everything the reports read
stays one row a bar.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_path_decisions.py

The walk itself (bar_path, walk_bars) has hand-worked cases in tests/unit/test_fill_model.py, and
test_paper_market.py holds it equal to the replay's. What the bot does with it, against this backtest,
is docs/backtest-vs-paper.md and test_backtest_vs_paper.py.
"""

from __future__ import annotations

import math

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

import pandas as pd  # noqa: E402
from test_fill_model_engine import LTC_CONFIG, ltc_window  # noqa: E402  the same LTC-BTC window

from controllers.analysis.engine import UnsupportedExecutorError, run_config  # noqa: E402
from controllers.analysis.fill_model import PATH_POINTS, bar_path, fill_terms  # noqa: E402
from controllers.plugin_system.registry import load_registry  # noqa: E402

ROWS = 300  # bars of LTC-BTC the path runs take: the flagship still quotes on most of them


def run(controller: str, decisions: str, candles=None, **config):
    checked = load_registry().check({**LTC_CONFIG, "controller_name": controller, **config})
    return run_config(
        checked.config,
        candles if candles is not None else ltc_window(ROWS),
        fee=0.001,
        warmup_bars=checked.warmup_bars,
        fill=fill_terms("binance", decisions=decisions),
    )


@pytest.fixture(scope="module")
def runs():
    return {decisions: run("inventory_mm", decisions) for decisions in ("close", "path")}


def test_a_path_run_keeps_one_record_a_bar_at_the_bars_own_times_and_closes(runs):
    close, path = runs["close"].bars, runs["path"].bars
    assert len(path) == len(close) == ROWS
    assert path["timestamp"].tolist() == close["timestamp"].tolist()
    assert path["close"].tolist() == close["close"].tolist()  # each bar's last point is its close
    assert path["best_bid"].notna().sum() >= len(path) // 2  # the controller's quotes, a bar each


def test_fills_happen_inside_bars_and_the_bot_like_run_trades_more(runs):
    """A quote re-priced at one point meets a later one: fills fall between the bars' opening times, and
    the run makes more of them than one decision a bar (the study measures how many more)."""
    fills = runs["path"].fills
    entries = fills[fills["leg"] == "entry"]
    assert (entries["timestamp"] % 300 != 0).any()
    assert set((entries["timestamp"] % 300).unique()) <= {0.0, 75.0, 150.0, 225.0}
    assert len(fills) > len(runs["close"].fills)


def test_each_point_sees_the_bars_closed_before_it_and_its_own_price():
    """The frame the controller decided on: bar t's four points carry bar t-1's features (a bot's candle
    feed holds closed bars only) and the point's own price as the reference (a bot's book mid); the first
    bar, with nothing closed before it, warms up."""
    from controllers.analysis.engine import config_class_for, engine_config, run_backtest

    candles = ltc_window(60)
    checked = load_registry().check({**LTC_CONFIG, "controller_name": "inventory_mm"})
    data = engine_config({"controller_type": "market_making", **checked.config})
    frames = {}
    for decisions in ("close", "path"):
        result = run_backtest(
            data,
            candles,
            config_class=config_class_for("inventory_mm"),
            interval="5m",
            fee=0.001,
            fill=fill_terms("binance", decisions=decisions),
        )
        frames[decisions] = result.processed_data["features"]
    close, path = frames["close"], frames["path"]
    assert len(path) == PATH_POINTS * len(close)
    bars = close.reset_index(drop=True)
    for t in (1, 30, 59):
        points = path[path["bar_timestamp"] == bars["timestamp"][t]]
        assert points["timestamp"].tolist() == [bars["timestamp"][t] + 75 * k for k in range(PATH_POINTS)]
        assert points["volatility"].tolist() == [bars["volatility"][t - 1]] * PATH_POINTS
        assert points["trend"].tolist() == [bars["trend"][t - 1]] * PATH_POINTS
        ohlc = [bars[name][t] for name in ("open", "high", "low", "close")]
        assert tuple(points["reference_price"]) == bar_path(*ohlc)
    assert set(path[path["bar_timestamp"] == bars["timestamp"][0]]["ready"]) == {0.0}


def test_path_decisions_are_the_default_where_they_fit_and_refused_by_name_where_not():
    """A market maker decides along the path unless told; an execution algorithm (judged against one
    market order on a bar) and a hedge's perp (stepped with the spot's bars) decide once a bar, and a
    path run of either is refused before it starts, naming the option."""
    from controllers.analysis.hedge_engine import HedgedBacktestingEngine
    from controllers.analysis.inputs import FillChoice, InputError, prepare_backtest

    candles = ltc_window(120)

    def job(controller: str, decisions: str | None = None):
        config = {**LTC_CONFIG, "controller_name": controller}
        return prepare_backtest(
            config, candles, 0.001, choice=FillChoice("conservative", decisions=decisions)
        )

    assert job("inventory_mm").fill.decisions == "path"
    assert job("inventory_mm", "close").fill.decisions == "close"
    assert job("twap").fill.decisions == "close"
    with pytest.raises(InputError, match="^decisions: twap is stepped once a bar"):
        job("twap", "path")
    with pytest.raises(UnsupportedExecutorError, match="^decisions: 'path' is not simulated for a hedged"):
        HedgedBacktestingEngine(
            None,
            fill_terms("binance", decisions="path"),
            hedge_connector="binance_perpetual",
            hedge_pair="LTC-USDT",
            perp_candles=pd.DataFrame(),
            terms=None,
        )


def test_the_report_says_how_the_controller_decided():
    from controllers.analysis.fill_model import assumptions
    from controllers.analysis.metrics import run_metrics

    path = run("fixed_spread", "path")
    assert path.fill_model["decisions"] == "path"
    assert any("each of four points of every bar" in line for line in assumptions(path.fill_model))
    metrics = run_metrics(path)
    assert metrics["trades"] > 0 and not math.isnan(metrics["sharpe"])
    assert metrics["markout_buy_1_bps"] is not None and metrics["markout_sell_5_bps"] is not None
