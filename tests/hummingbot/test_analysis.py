"""`hbot-strategies backtest` and `compare` end to end in the analysis runtime (real Hummingbot engine,
real candles, matplotlib), offline:

    tests/hummingbot/run_in_runtime.sh \
        pytest -q tests/hummingbot/test_analysis.py
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

from controllers import cli  # noqa: E402
from controllers.plugin_system.registry import load_registry  # noqa: E402

CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))
WINDOW_ROWS = 400


def window(tmp_path: Path, name: str = "ETH-BTC_5m.csv", rows: int = WINDOW_ROWS) -> Path:
    """The first `rows` bars of a shared candle file, under the same (market-naming) file name."""
    source = CANDLES_DIR / name
    if not source.is_file():
        pytest.fail(f"{source} is missing: mount ../shared/data/candles at {CANDLES_DIR}")
    lines = source.read_text().splitlines()[: rows + 1]
    target = tmp_path / "candles" / name
    target.parent.mkdir(exist_ok=True)
    target.write_text("\n".join(lines) + "\n")
    return target


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_backtest_writes_metrics_and_a_report(tmp_path, capsys):
    candles = window(tmp_path)
    config = write_yaml(
        tmp_path / "imm.yml",
        "controller_name: inventory_mm\ntrading_pair: ETH-BTC\ninterval: 5m\ntotal_amount_quote: 1000\n",
    )
    out = tmp_path / "report"
    status = cli.main(
        ["backtest", str(config), "--candles", str(candles), "--out", str(out), "--no-progress"]
    )
    assert status == 0, capsys.readouterr().err
    report = json.loads((out / "metrics.json").read_text())
    assert report["schema"] == "hbot-backtest/1" and report["controller"] == "inventory_mm"
    assert (
        report["config_sha256"]
        == load_registry()
        .check(
            {
                "controller_name": "inventory_mm",
                "trading_pair": "ETH-BTC",
                "interval": "5m",
                "total_amount_quote": 1000,
            }
        )
        .fingerprint
    )
    assert report["candles"]["rows"] == WINDOW_ROWS and report["candles"]["interval"] == "5m"
    assert report["fee"] == 0.001 and report["signal_off"] is None
    # The runtime's Hummingbot named as its release, as the image's label says (not only PyPI's date).
    assert report["hummingbot_version"] == "2.12.0 (PyPI 20260126)"
    metrics, engine = report["metrics"], report["engine"]
    assert metrics["trades"] > 0, "the flagship placed no trade on a 400-bar window"
    assert metrics["bars"] == WINDOW_ROWS - report["warmup_bars"] + 1
    # Same quantity, two computations: the equity curve's last PnL is the engine's net PnL.
    assert metrics["net_pnl_quote"] == pytest.approx(engine["net_pnl_quote"], abs=1e-6)
    assert metrics["profit_factor"] == pytest.approx(engine["profit_factor"], rel=1e-9)
    assert 0 <= metrics["max_drawdown"] < 1 and metrics["sharpe"] is not None
    assert metrics["inventory_max_abs_pct"] <= 0.5 + 0.1  # the flagship's limit, one fill of slack
    assert {row["quantity"] for row in report["comparison"]} >= {"Sharpe", "max drawdown", "win rate"}
    for name in ("equity.png", "drawdown.png", "trade_pnl.png", "inventory.png", "quotes.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name
    page = (out / "index.html").read_text()
    assert all(f'src="{name}"' in page for name in ("equity.png", "quotes.png")) and "Conventions" in page
    # The market-making figures (the default, conservative model's): they add up, and the page shows them.
    parts = metrics["pnl_spread_quote"] + metrics["pnl_inventory_quote"] - metrics["pnl_fees_quote"]
    assert (
        parts == pytest.approx(engine["net_pnl_quote"], abs=1e-6)
        and report["fill_model"]["name"] == "conservative"
    )
    assert 0 < metrics["fill_ratio"] <= 1 and "<h2>Market making</h2>" in page and "+15 bars" in page
    # Read by a quant: capital and currency, dates as dates, percentages as percentages, Sharpe labelled.
    assert (
        "Capital 1,000.00 BTC (total_amount_quote)" in page
        and "2018-01-10 04:55 UTC to 2018-01-11 14:10 UTC" in page
    )
    assert f"<td>max drawdown, of the peak</td><td>{metrics['max_drawdown']:.2%}</td>" in page
    assert "Sharpe (annualised, per-bar equity returns)" in page and " BTC</td>" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["candles", "imm.yml", "report"]  # no staging left


def test_a_config_that_never_fills_is_reported_with_no_trades(tmp_path, capsys):
    # Hummingbot 2.12's own summary raises IndexError when no executor filled; the report must not.
    candles = window(tmp_path, rows=300)
    config = write_yaml(
        tmp_path / "wide.yml",
        "controller_name: fixed_spread\ntrading_pair: ETH-BTC\ninterval: 5m\ntotal_amount_quote: 1000\n"
        "buy_spreads: [0.3]\nsell_spreads: [0.3]\n",
    )
    out = tmp_path / "report"
    argv = ["backtest", str(config), "--candles", str(candles), "--out", str(out), "--no-progress"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    report = json.loads((out / "metrics.json").read_text())
    assert report["metrics"]["trades"] == 0 and report["engine"]["total_positions"] == 0
    assert report["engine"]["total_executors"] > 0  # it quoted; nothing reached its prices
    assert report["metrics"]["sharpe"] is None  # undefined, not a made-up number


def test_backtest_with_sentiment_on_also_runs_it_off(tmp_path, capsys):
    candles = window(tmp_path)
    first = int(candles.read_text().splitlines()[1].split(",")[0])
    scores = (
        tmp_path / "sentiment.csv"
    )  # recorded scores: a test double for an LLM feed (none is reachable here)
    scores.write_text(
        "timestamp,score\n" + "".join(f"{first + 3600 * i},{(-1) ** i * 0.8}\n" for i in range(40))
    )
    config = write_yaml(
        tmp_path / "llm.yml",
        "controller_name: pmm_rsi_llm\ntrading_pair: ETH-BTC\ninterval: 5m\ntotal_amount_quote: 1000\n"
        f"sentiment_enabled: true\nsentiment_source: {scores}\nsentiment_max_age_seconds: 7200\n",
    )
    out = tmp_path / "report"
    status = cli.main(
        ["backtest", str(config), "--candles", str(candles), "--out", str(out), "--no-progress"]
    )
    assert status == 0, capsys.readouterr().err
    report = json.loads((out / "metrics.json").read_text())
    off = report["signal_off"]
    assert off["switched_off"] == ["sentiment_enabled"]
    assert off["config_sha256"] != report["config_sha256"]
    assert off["metrics"]["sharpe"] is not None and report["metrics"]["sharpe"] is not None
    # the signal only ever widens: with it on, the controller trades less or the same
    assert report["metrics"]["volume_quote"] <= off["metrics"]["volume_quote"] + 1e-9
    assert report["metrics"] != off["metrics"], "the recorded sentiment changed nothing"


def test_compare_two_configs_on_one_window(tmp_path, capsys):
    # A window where every row trades past the flagship's warm-up: on the first 400 bars of the January
    # 2018 spot files the baseline's kill switch trips before it ends (no common bars to bootstrap).
    candles = window(tmp_path, "XRP-USDT-PERP_5m.csv")
    flagship = write_yaml(tmp_path / "flagship.yml", "controller_name: inventory_mm\n")
    seed = write_yaml(tmp_path / "seed.yml", "controller_name: pmm_rsi_llm\n")
    out = tmp_path / "cmp"
    argv = ["compare", "--configs", str(flagship), str(seed), "--candles", str(candles), "--out", str(out)]
    status = cli.main([*argv, "--workers", "2", "--no-progress"])
    assert status == 0, capsys.readouterr().err
    rows = list(csv.DictReader((tmp_path / "cmp.csv").open()))
    assert [(row["market"], row["label"]) for row in rows] == [
        ("XRP-USDT-PERP_5m", "fixed_spread (baseline)"),
        ("XRP-USDT-PERP_5m", "flagship"),
        ("XRP-USDT-PERP_5m", "seed"),
    ]
    assert all(int(row["trades"]) > 0 and row["sharpe"] != "" for row in rows), rows
    table = (tmp_path / "cmp.md").read_text()
    assert "| XRP-USDT-PERP_5m | flagship |" in table and "Regenerate: `hbot-strategies compare" in table
    assert "`flagship` beats the baseline on PnL in" in table
    assert "## Market making: where the PnL came from" in table and "## How sure" in table
    for row in rows[1:]:  # each against the baseline, with its bootstrap interval around it
        low, diff, high = (float(row[key]) for key in ("sharpe_diff_low", "sharpe_diff", "sharpe_diff_high"))
        assert low <= diff <= high, row


def test_the_engine_refuses_an_executor_it_cannot_simulate_by_name():
    """Hummingbot's engine drops any executor but position and DCA without a word, so a strategy it cannot
    model would report zero trades; the project's engine names it instead (order executors it simulates,
    but not a LIMIT_CHASER: tests/hummingbot/test_order_executor_sim.py)."""
    from decimal import Decimal
    from types import SimpleNamespace

    import pandas as pd
    from hummingbot.core.data_type.common import TradeType
    from hummingbot.strategy_v2.executors.twap_executor.data_types import TWAPExecutorConfig

    from controllers.analysis.engine import RecordingBacktestingEngine, UnsupportedExecutorError

    engine = RecordingBacktestingEngine()
    # Test double for the controller: the refusal reads only its name; the engine and config are real.
    engine.controller = SimpleNamespace(config=SimpleNamespace(controller_name="twap_demo"))
    twap = TWAPExecutorConfig(
        timestamp=0,
        connector_name="binance",
        trading_pair="ETH-BTC",
        side=TradeType.BUY,
        total_amount_quote=Decimal("100"),
        total_duration=600,
        order_interval=60,
    )
    with pytest.raises(
        UnsupportedExecutorError, match="twap_demo: created an executor of type TWAPExecutorConfig"
    ):
        engine.simulate_executor(twap, pd.DataFrame(), 0.001)


# --- execution algorithms: `backtest` prices them against a single market order -----------------------


def bar_candles(tmp_path: Path, bars: list[tuple[float, float, float, float]], interval: int = 60) -> Path:
    """Hand-built (open, high, low, close) bars a minute apart, volume 10 each."""
    path = tmp_path / "candles" / "LTC-BTC_1m.csv"
    path.parent.mkdir(exist_ok=True)
    rows = ["timestamp,open,high,low,close,volume"]
    rows += [f"{1_700_000_000 + i * interval},{o},{h},{lo},{c},10" for i, (o, h, lo, c) in enumerate(bars)]
    path.write_text("\n".join(rows) + "\n")
    return path


def twap_config(tmp_path: Path, order_type: str) -> Path:
    return write_yaml(
        tmp_path / "twap.yml",
        "controller_name: twap\ntrading_pair: LTC-BTC\ninterval: 1m\nside: buy\ntarget_base: 3.0\n"
        f"duration: 180\nslices: 3\norder_type: {order_type}\ntotal_amount_quote: 1000\n",
    )


def test_a_taker_twap_fills_each_slice_at_the_next_open_and_is_priced_against_one_market_order(
    tmp_path, capsys
):
    """Three taker slices a minute apart: the child priced on bar k fills at bar k+1's open plus the
    slippage, taker fee; the benchmark is all of it at bar 1's open. Arrival: bar 0's close (100)."""
    opens = [100.0, 101.0, 102.0, 104.0] + [104.0] * 6
    candles = bar_candles(tmp_path, [(o, o * 1.01, o * 0.99, o) for o in opens])
    out = tmp_path / "twap-report"
    status = cli.main(
        [
            "backtest", str(twap_config(tmp_path, "taker")), "--candles", str(candles), "--out", str(out),
            "--no-progress", "--taker-fee", "0.001", "--slippage", "0.0005",
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0, captured.err
    report = json.loads((out / "metrics.json").read_text())
    assert report["schema"] == "hbot-execution-backtest/1" and report["child_orders"] == 3
    run, benchmark = report["execution"]["run"], report["execution"]["benchmark"]
    assert report["execution"]["arrival_price"] == 100.0
    prices = [101.0 * 1.0005, 102.0 * 1.0005, 104.0 * 1.0005]
    assert run["filled_base"] == pytest.approx(3.0) and run["completion"] == pytest.approx(1.0)
    assert run["average_price"] == pytest.approx(sum(prices) / 3)
    assert run["shortfall_bps"] == pytest.approx((sum(prices) / 3 - 100) / 100 * 1e4)
    assert run["fees_bps"] == pytest.approx(10.0)
    assert benchmark["average_price"] == pytest.approx(101.0 * 1.0005)
    assert benchmark["shortfall_bps"] < run["shortfall_bps"]  # a rising market: waiting cost more
    assert "100% of 3 executed in 3 child orders" in captured.out
    html = (out / "index.html").read_text()
    assert "one market order" in html and "implementation shortfall" in html


def test_a_maker_twap_in_a_market_that_only_rises_ends_in_the_taker_sweep(tmp_path, capsys):
    """Each bar opens and bottoms where the last closed, one higher: a maker buy at the touch (the
    pricing bar's close) never trades through, so each slice is cancelled and rolled, and the final
    taker sweep buys all of it. A maker fill here would mean a fill the market never offered."""
    candles = bar_candles(tmp_path, [(100.0 + i, 101.5 + i, 100.0 + i, 101.0 + i) for i in range(12)])
    out = tmp_path / "maker-report"
    argv = [
        "backtest", str(twap_config(tmp_path, "maker")), "--candles", str(candles), "--out", str(out),
        "--no-progress",
    ]  # fmt: skip
    assert cli.main(argv) == 0, capsys.readouterr().err
    report = json.loads((out / "metrics.json").read_text())
    assert report["execution"]["run"]["completion"] == pytest.approx(1.0)
    # the sweep alone filled: the makers were cancelled and rolled (slice 0's, then one for slices 1-2:
    # a cancel and the next child take a bar each, one child at a time)
    assert report["fills"] == 1 and report["child_orders"] == 3


def test_compare_refuses_an_execution_algorithm_by_name(tmp_path, capsys):
    candles = window(tmp_path)
    config = write_yaml(tmp_path / "twap.yml", "controller_name: twap\ntrading_pair: ETH-BTC\ninterval: 5m\n")
    argv = ["compare", "--configs", str(config), "--candles", str(candles), "--out", str(tmp_path / "c.md")]
    status = cli.main([*argv, "--no-progress"])
    assert status != 0
    assert "twap is an execution algorithm" in capsys.readouterr().err


def test_the_execution_study_prices_every_window_on_both_sides(tmp_path, capsys):
    """400 bars of 5m, a window every 6 h (72 bars), a 1 h TWAP (12 bars, 4 more for a sweep): windows
    start at bars 1, 73, 145, 217, 289 and 361, each on both sides, and each completes."""
    candles = window(tmp_path)
    config = write_yaml(tmp_path / "twap.yml", "controller_name: twap\nduration: 3600\nslices: 6\n")
    out = tmp_path / "study"
    argv = ["execution", "--configs", str(config), "--candles", str(candles), "--out", str(out)]
    assert cli.main([*argv, "--every-hours", "6", "--no-progress"]) == 0, capsys.readouterr().err
    with (tmp_path / "study.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12 and {row["side"] for row in rows} == {"buy", "sell"}
    assert all(float(row["completion"]) == pytest.approx(1.0) for row in rows)
    assert all(float(row["benchmark_cost_bps"]) > 0 for row in rows)  # a market order pays at least its fee
    document = (tmp_path / "study.md").read_text()
    assert "| all | twap | both | 12 |" in document and "no market impact" in document
