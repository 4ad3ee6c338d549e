"""The hedge study's plan (hedged_mm and inventory_mm with one quoting config per spot file, checked before
anything runs) and its figures, by hand. The runs need the engine: tests/hummingbot/test_hedge_engine.py."""

from __future__ import annotations

import pytest

from controllers import cli
from controllers.analysis import runtime
from controllers.analysis.hedge_study import (
    HEDGED,
    UNHEDGED,
    differences,
    hedge_band,
    median_hold_bars,
    plan_study,
    pnl_change_std,
    reading,
)
from controllers.analysis.inputs import HedgeChoice, InputError
from controllers.cli import exit_codes


def candles_file(folder, name="LTC-BTC_5m.csv", bars=300, price=0.02):
    path = folder / name
    rows = ["timestamp,open,high,low,close,volume"]
    rows += [
        f"{1_700_000_000 + i * 300},{price},{price * 1.01},{price * 0.99},{price},10" for i in range(bars)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_each_spot_file_gets_both_controllers_with_one_quoting_under_both_kill_switches(tmp_path):
    spot, perp = candles_file(tmp_path), candles_file(tmp_path, "XRP-USDT-PERP_5m.csv")
    cases, skipped = plan_study([spot, perp], fee=0.001, capital=1000, band_share=0.2)
    assert skipped == ["XRP-USDT-PERP_5m"]  # a perpetual: hedged_mm quotes on spot
    assert [(c.label, c.kill_switch) for c in cases] == [
        (UNHEDGED, "as shipped"),
        (HEDGED, "as shipped"),
        (UNHEDGED, "off"),
        (HEDGED, "off"),
    ]
    unhedged, hedged = cases[0].checked.config, cases[1].checked.config
    quoting = {k: v for k, v in unhedged.items() if k not in ("controller_name",)}
    assert {k: hedged[k] for k in quoting} == quoting, "the two must quote alike"
    assert hedged["hedge_connector_name"] == "binance_perpetual" and hedged["hedge_trading_pair"] == "LTC-BTC"
    # 20% of the inventory cap (1000 * 0.5) in base at the first close (0.02): 5000 LTC, and half of it
    assert hedged["delta_band_base"] == pytest.approx(5000.0) and hedged["min_hedge_base"] == pytest.approx(
        2500
    )
    assert cases[1].terms.taker_fee == 0.0005 and cases[1].terms.funding_rate == 0.0001
    assert cases[0].terms is None
    assert cases[2].checked.config["max_drawdown_pct"] == 1.0 and unhedged["max_drawdown_pct"] == 0.05


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capital": 0}, "capital: 0 must be positive"),
        ({"band_share": 1.5}, "band_share: 1.5 must be in (0, 1]"),
        ({"hedge": HedgeChoice(candles="x.csv")}, "hedge_candles: the study prices each file's perp"),
        ({"hedge": HedgeChoice(funding_rate=0.2)}, "funding_rate: 0.2 is outside"),
    ],
)
def test_bad_input_is_refused_naming_the_field(tmp_path, kwargs, message):
    with pytest.raises(InputError) as error:
        plan_study([candles_file(tmp_path)], **{"fee": 0.001, "capital": 1000, **kwargs})
    assert message in str(error.value)


def test_only_perpetual_files_is_refused(tmp_path):
    with pytest.raises(InputError, match="candles: no spot candle file given"):
        plan_study([candles_file(tmp_path, "XRP-USDT-PERP_5m.csv")], fee=0.001, capital=1000)


def test_band_and_variance_by_hand():
    assert hedge_band(500.0, 0.1, 0.2) == pytest.approx(1000.0)
    assert pnl_change_std([0.0, 1.0, 3.0, 2.0]) == pytest.approx(
        ((1 - 2 / 3) ** 2 + (2 - 2 / 3) ** 2 + (-1 - 2 / 3) ** 2) ** 0.5 / 2**0.5
    )
    assert pnl_change_std([1.0, 2.0]) is None


def test_differences_pair_each_market_and_kill_switch():
    def row(label, kill, pnl, std, dd, delta):
        return {"market": "M", "label": label, "kill_switch": kill, "net_pnl_quote": pnl,
                "pnl_change_std_quote": std, "max_drawdown": dd, "mean_abs_delta_pct": delta}  # fmt: skip

    rows = [row(UNHEDGED, "off", -10.0, 2.0, 0.1, 0.04), row(HEDGED, "off", -12.0, 1.0, 0.05, 0.01)]
    rows.append(row(UNHEDGED, "as shipped", 1.0, 0.0, 0.0, 0.0))  # no hedged twin: left out
    (only,) = differences(rows)
    assert only["kill_switch"] == "off" and only["pnl_difference_quote"] == pytest.approx(-2.0)
    assert only["std_ratio"] == 0.5 and only["drawdown_ratio"] == 0.5 and only["delta_ratio"] == 0.25


def test_the_cli_checks_on_the_host_then_reruns_in_the_runtime(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, inputs, *_: calls.append((argv, inputs)) or 0)
    spot = candles_file(tmp_path)
    out = tmp_path / "hedge"
    argv = ["hedge", "--candles", str(spot), "--out", str(out), "--funding-rate", "0.0003"]
    assert cli.main([*argv, "--band-share", "0.1"]) == 0
    ((rerun, inputs),) = calls
    assert rerun[:2] == ["hedge", "--candles"] and inputs == [spot]
    assert rerun[rerun.index("--funding-rate") + 1] == "0.0003" and "--band-share" in rerun
    assert "hbot-strategies hedge --candles" in rerun[rerun.index("--display-command") + 1]
    status = cli.main([*argv, "--band-share", "0"])
    assert status == exit_codes.INVALID and "band_share: 0.0 must be in (0, 1]" in capsys.readouterr().err


def test_median_hold_counts_entry_to_exit_bars_and_leaves_marks_out():
    fills = [
        {"executor_id": "a", "leg": "entry", "timestamp": 0.0},
        {"executor_id": "a", "leg": "exit", "timestamp": 600.0},  # 2 bars of 5m
        {"executor_id": "b", "leg": "entry", "timestamp": 300.0},
        {"executor_id": "b", "leg": "exit", "timestamp": 300.0},  # in its entry's bar
        {"executor_id": "c", "leg": "entry", "timestamp": 0.0},
        {"executor_id": "c", "leg": "exit", "timestamp": 3000.0},  # 10 bars
        {"executor_id": "d", "leg": "entry", "timestamp": 0.0},
        {"executor_id": "d", "leg": "mark", "timestamp": 9000.0},  # still open at the end
    ]
    assert median_hold_bars(fills, 300) == 2.0
    assert median_hold_bars(fills[-2:], 300) is None


def test_the_reading_counts_what_the_pairs_show():
    pairs = [
        {"std_ratio": 0.5, "drawdown_ratio": 1.2, "delta_ratio": 0.9, "pnl_difference_quote": -1.0},
        {"std_ratio": 1.5, "drawdown_ratio": None, "delta_ratio": 1.1, "pnl_difference_quote": 2.0},
    ]
    (text, _) = reading(pairs)
    assert text.startswith("Over the 2 (market, kill switch) pairs the hedge lowered the bar-to-bar PnL")
    assert (
        "variance in 1, the max drawdown in 0, the mean |net delta| in 1, and raised the net PnL in 1."
        in text
    )
    assert reading([]) == []
