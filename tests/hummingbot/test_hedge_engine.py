"""The two-market engine (controllers/analysis/hedge_engine.py) on hand-built spot and perp candles, in the
Hummingbot runtime: the real controller, Hummingbot's engine and the project's simulators, nothing mocked.

The perp series differs from the spot's (another level, other opens), so a hedge priced from the spot
would be caught. Each hedge fill, fee and funding payment is recomputed here from the candles by hand.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_hedge_engine.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

from controllers import cli  # noqa: E402
from controllers.analysis.candles import load_candles  # noqa: E402
from controllers.analysis.fill_model import fill_terms  # noqa: E402
from controllers.analysis.perp import FUNDING_PERIOD, PerpTerms  # noqa: E402
from controllers.plugin_system.registry import load_registry  # noqa: E402

BARS = 600  # 5m bars: a little over two days, six funding timestamps
START = 1_700_006_400  # 2023-11-15 00:00 UTC: a funding timestamp
STEP = 300
TERMS = PerpTerms(maker_fee=0.0002, taker_fee=0.0005, funding_rate=0.0001)
BAND = 0.5  # base; one quote level is about 2.5 base, so every fill passes it


def spot_rows() -> list[tuple[float, ...]]:
    """A slow swing of +-3% around 100 (period 80 bars) with bars 0.8% tall: the quotes fill, and the
    inventory lasts (the config's barriers are far), so the hedge is held across funding timestamps."""
    rows, previous = [], 100.0
    for i in range(BARS):
        close = round(100.0 * (1 + 0.03 * math.sin(2 * math.pi * i / 40)), 4)
        high, low = round(max(previous, close) * 1.004, 4), round(min(previous, close) * 0.996, 4)
        rows.append((START + STEP * i, previous, high, low, close, 10.0))
        previous = close
    return rows


def perp_rows() -> list[tuple[float, ...]]:
    """The perp: 1% above the spot, its own opens (gapped from the last close) and its own wiggle."""
    rows = []
    for i, (t, _, high, low, close, volume) in enumerate(spot_rows()):
        perp_close = round(close * 1.01 + 0.05 * math.cos(i), 4)
        perp_open = round(perp_close * (1 - 0.002 * math.sin(i / 3)), 4)
        top = max(perp_open, perp_close, high * 1.01)
        bottom = min(perp_open, perp_close, low * 1.01)
        rows.append((t, perp_open, round(top, 4), round(bottom, 4), perp_close, volume))
    return rows


def write(path: Path, rows) -> Path:
    lines = ["timestamp,open,high,low,close,volume"]
    lines += [",".join([str(int(row[0])), *(repr(float(v)) for v in row[1:])]) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("hedge")
    return write(folder / "ETH-USDT_5m.csv", spot_rows()), write(folder / "ETH-USDT-PERP_5m.csv", perp_rows())


def config(**overrides) -> dict:
    fields = {
        "controller_name": "hedged_mm",
        "connector_name": "binance",
        "trading_pair": "ETH-USDT",
        "hedge_connector_name": "binance_perpetual",
        "hedge_trading_pair": "ETH-USDT",
        "interval": "5m",
        "total_amount_quote": 1000,
        "stop_loss": 0.03,
        "take_profit": 0.03,
        "time_limit": 7200,
        "max_drawdown_pct": 0.5,
        "delta_band_base": BAND,
        "min_hedge_base": 0.0,
        "hedge_cooldown": 0,
        # the spreads as given: no widening by volatility or trend, so the swing fills the quotes
        "volatility_spread_coefficient": 0.0,
        "trend_widening": 0.0,
        **overrides,
    }
    return load_registry().check(fields)


def hedged_run(files, fill="conservative", terms=TERMS, **overrides):
    from controllers.analysis.hedge_engine import run_hedged_config

    checked = config(**overrides)
    spot, perp = (load_candles(path) for path in files)
    return run_hedged_config(
        checked.config,
        spot,
        perp,
        terms=terms,
        fee=0.001,
        warmup_bars=checked.warmup_bars,
        fill=fill_terms("binance") if fill == "conservative" else None,
    )


@pytest.fixture(scope="module")
def run(files):
    return hedged_run(files)


def by_time(rows) -> dict[float, tuple[float, ...]]:
    return {float(row[0]): row for row in rows}


def test_hedge_fills_are_priced_on_the_perp_at_its_taker_rate(run):
    """Conservative model: a hedge (market) order fills at the next perp bar's open moved against it by
    the slippage, and pays the perp's taker rate; the spot's prices and rates play no part."""
    fills = run.extras["hedge_fills"]
    assert len(fills) >= 10, "the hedge barely traded: the candles no longer exercise it"
    perp, spot = by_time(perp_rows()), by_time(spot_rows())
    slippage = fill_terms("binance").slippage
    for fill in fills.to_dict("records"):
        perp_open = perp[fill["timestamp"]][1]
        price = perp_open * (1 + fill["side"] * slippage)
        assert fill["price"] == pytest.approx(price, rel=1e-12)
        assert fill["price"] != pytest.approx(spot[fill["timestamp"]][1] * (1 + fill["side"] * slippage))
        assert fill["fee_quote"] == pytest.approx(fill["amount"] * price * TERMS.taker_fee, rel=1e-12)
    summary = run.extras["hedge_summary"]
    assert summary["fills"] == len(fills)
    assert summary["fees_quote"] == pytest.approx(fills["fee_quote"].sum())


def test_funding_is_charged_on_the_position_before_each_funding_timestamp(run):
    """At each 8 h timestamp: the position held after the last tick before it (as that tick saw it: its
    own orders fill on the next bar, the one that crosses the timestamp), at that tick's perp close, times
    the rate. A short hedge of a long inventory receives a positive rate."""
    records = run.extras["hedge"].to_dict("records")
    expected, paid_ticks = 0.0, 0
    for t in range(START + FUNDING_PERIOD, START + STEP * BARS, FUNDING_PERIOD):
        last = [r for r in records if r["timestamp"] < t][-1]
        expected += last["position_base"] * last["perp_close"] * TERMS.funding_rate
        paid_ticks += last["position_base"] != 0
    summary = run.extras["hedge_summary"]
    assert paid_ticks >= 2, "the hedge was flat at (almost) every funding: the test proves nothing"
    assert summary["funding_quote"] == pytest.approx(expected, rel=1e-9)
    assert summary["funding_payments"] == paid_ticks


def test_the_run_pnl_is_the_spot_executors_plus_the_hedge_less_funding(run):
    """The last bar's PnL, recomputed: every spot executor's net PnL, plus the hedge in cash terms (what
    its fills paid and received, its position at the last perp close, less fees and funding)."""
    fills = run.extras["hedge_fills"]
    position = (fills["side"] * fills["amount"]).sum()
    cash = -(fills["side"] * fills["amount"] * fills["price"]).sum()
    last_close = perp_rows()[-1][4]
    summary = run.extras["hedge_summary"]
    hedge = cash + position * last_close - fills["fee_quote"].sum() - summary["funding_quote"]
    spot = run.executors.loc[run.executors["is_position"], "net_pnl_quote"].sum()
    assert run.bars["pnl_quote"].iloc[-1] == pytest.approx(spot + hedge, abs=1e-9)
    assert summary["equity_quote"] == pytest.approx(hedge, abs=1e-9)
    assert not set(run.fills["executor_id"]) & set(fills["executor_id"]), "hedge fills in the spot ledger"


@pytest.mark.parametrize("ratio", [1.0, 0.8])
def test_the_perp_tracks_minus_spot_inventory_times_the_ratio_within_the_band(files, ratio):
    """Each tick, with no cooldown and no minimum: either the perp is within the band of -spot * ratio,
    or the controller sends the difference; the next tick finds the perp exactly at that target. So the
    perp strays past the band only on a tick whose spot inventory moved since the last one."""
    run = hedged_run(files, hedge_ratio=ratio, funding_hedge_ratio=min(ratio, 0.5))
    rows = [r for r in run.extras["hedge"].to_dict("records") if not math.isnan(r["net_delta_base"])]
    assert sum(r["orders"] > 0 for r in rows) >= 10
    for now, after in zip(rows, rows[1:], strict=False):
        assert now["target_base"] == pytest.approx(-now["spot_inventory_base"] * ratio, abs=1e-9)
        gap = now["target_base"] - now["position_base"]
        if now["orders"]:
            assert now["reason"] == "rebalancing" and abs(gap) > BAND
            assert after["position_base"] == pytest.approx(now["target_base"], abs=1e-9)
        else:
            assert now["reason"] == "inside the band" and abs(gap) <= BAND
            assert after["position_base"] == pytest.approx(now["position_base"], abs=1e-12)
        if abs(after["target_base"] - after["position_base"]) > BAND:  # only right after a spot fill
            assert after["spot_inventory_base"] != pytest.approx(now["spot_inventory_base"], abs=1e-9)
        if ratio == 1.0 and abs(after["net_delta_base"]) > BAND:
            assert after["spot_inventory_base"] != pytest.approx(now["spot_inventory_base"], abs=1e-9)


def test_the_controller_cuts_the_hedge_while_funding_makes_it_costly(files):
    """Funding at -0.1% per 8 h: a short hedge pays 0.1% a period, past max_funding_rate (0.05%), so the
    controller reads the engine's funding info and holds funding_hedge_ratio (0.5) of a long inventory."""
    terms = PerpTerms(TERMS.maker_fee, TERMS.taker_fee, funding_rate=-0.001)
    run = hedged_run(files, terms=terms)
    rows = [r for r in run.extras["hedge"].to_dict("records") if not math.isnan(r["net_delta_base"])]
    long_inventory = [r for r in rows if r["spot_inventory_base"] > 0]
    assert long_inventory
    for row in long_inventory:
        assert row["target_base"] == pytest.approx(-0.5 * row["spot_inventory_base"], abs=1e-9)
    short_inventory = [r for r in rows if r["spot_inventory_base"] < 0]  # a long hedge: it receives
    for row in short_inventory:
        assert row["target_base"] == pytest.approx(-row["spot_inventory_base"], abs=1e-9)


def test_hummingbots_fill_model_fills_the_hedge_at_the_pricing_bars_perp_close(files):
    run = hedged_run(files, fill="hummingbot")
    fills = run.extras["hedge_fills"].to_dict("records")
    assert fills
    perp = by_time(perp_rows())
    for fill in fills:
        close = perp[fill["timestamp"]][4]
        assert fill["price"] == pytest.approx(close, rel=1e-12)
        assert fill["fee_quote"] == pytest.approx(fill["amount"] * close * TERMS.taker_fee, rel=1e-12)


def test_the_one_market_engine_never_hedges_at_a_made_up_price(files):
    """Hummingbot's provider answers 1 for a pair it has no price for: without the perp's candles the
    controller must not size a hedge on that."""
    from controllers.analysis.engine import run_config

    checked = config()
    run = run_config(
        checked.config, load_candles(files[0]), fee=0.001, warmup_bars=checked.warmup_bars, fill=None
    )
    assert run.extras == {} and run.executors["is_position"].all()


def test_backtest_cli_runs_the_hedge_and_reports_it(files, tmp_path, capsys):
    config_file = tmp_path / "hedged.yml"
    fields = {k: v for k, v in config().config.items() if v is not None}
    config_file.write_text(json.dumps(fields))
    out = tmp_path / "report"
    argv = ["backtest", str(config_file), "--candles", str(files[0]), "--hedge-candles", str(files[1])]
    status = cli.main([*argv, "--out", str(out), "--no-progress"])
    printed = capsys.readouterr()
    assert status == 0, printed.err
    report = json.loads((out / "metrics.json").read_text())
    hedge = report["hedge"]
    assert hedge["fills"] >= 10 and hedge["zero_basis"] is False
    assert hedge["candles"]["file"] == "ETH-USDT-PERP_5m.csv" and hedge["terms"]["funding_rate"] == 0.0001
    assert hedge["terms"]["taker_fee"] == 0.0005  # binance_perpetual's public tier, not the spot's 0.1%
    assert 0 < hedge["tracking"]["outside_band"] < 0.5
    assert "hedge on binance_perpetual ETH-USDT" in printed.out
    page = (out / "index.html").read_text()
    assert "<h2>Hedge on binance_perpetual ETH-USDT</h2>" in page and "ETH-USDT-PERP_5m.csv" in page
    assert "zero basis" not in page and "bars past the band" in page
