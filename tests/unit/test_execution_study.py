"""The execution study's plan (which windows, how large, checked before anything runs) and its summary,
by hand. The runs themselves need the engine: tests/hummingbot/test_analysis.py."""

import pytest

from controllers.analysis.execution_study import plan_study, scaled, summarise
from controllers.analysis.inputs import InputError


def candles_file(tmp_path, bars: int, volume: float = 10.0, name: str = "LTC-BTC_5m.csv"):
    path = tmp_path / name
    rows = ["timestamp,open,high,low,close,volume"]
    rows += [f"{1_700_000_000 + i * 300},1.0,1.01,0.99,1.0,{volume}" for i in range(bars)]
    path.write_text("\n".join(rows) + "\n")
    return path


TWAP = {"controller_name": "twap", "duration": 3600, "slices": 4, "target_base": 1.0}


def test_a_window_a_day_on_both_sides_sized_to_a_share_of_its_volume(tmp_path):
    # 3 days of 5m bars; a 1 h window needs 12 bars + 4 after it; twap warms up in 1 bar
    path = candles_file(tmp_path, 3 * 288)
    windows = plan_study([("twap", TWAP)], [path], volume_share=0.05, fee=0.001)
    starts = sorted({w.first + w.warmup_bars for w in windows})
    assert starts == [1, 289, 577]  # from the warm-up on, every 288 bars, while a whole window fits
    assert [w.config["side"] for w in windows[:2]] == ["buy", "sell"]
    window = windows[0]
    assert window.stop - window.first - window.warmup_bars == 12 + 4
    assert window.config["target_base"] == pytest.approx(0.05 * 16 * 10.0)  # 5% of the window's 160
    assert window.config["total_amount_quote"] == pytest.approx(8.0)  # its value at the first close (1.0)
    assert window.config["trading_pair"] == "LTC-BTC" and window.config["interval"] == "5m"


def test_windows_that_traded_nothing_are_skipped(tmp_path):
    path = candles_file(tmp_path, 2 * 288, volume=0.0)
    assert plan_study([("twap", TWAP)], [path], volume_share=0.05, fee=0.001) == []


def test_other_base_fields_keep_their_share_of_the_target():
    config = scaled(
        {"target_base": 2.0, "visible_base": 0.5, "min_child_base": 0.0, "duration": 60}, 8.0, "sell"
    )
    assert config == {
        "target_base": 8.0,
        "visible_base": 2.0,
        "min_child_base": 0.0,
        "duration": 60,
        "side": "sell",
    }


@pytest.mark.parametrize(
    ("template", "share", "field"),
    [
        ({"controller_name": "inventory_mm"}, 0.05, "not an execution algorithm"),
        (TWAP, 0.0, "volume_share"),
        ({**TWAP, "slices": 0}, 0.05, "slices"),
    ],
)
def test_bad_input_is_refused_naming_the_field_before_anything_runs(tmp_path, template, share, field):
    path = candles_file(tmp_path, 300)
    with pytest.raises(InputError, match=field):
        plan_study([("x", template)], [path], volume_share=share, fee=0.001)


def row(side, cost, benchmark, market="M", completion=1.0, vwap=0.0):
    return {"market": market, "label": "twap", "side": side, "completion": completion, "cost_bps": cost,
            "benchmark_cost_bps": benchmark, "vwap_slippage_bps": vwap}  # fmt: skip


def test_the_summary_is_per_side_both_sides_and_every_market():
    rows = [row("buy", 10.0, 16.0), row("buy", 20.0, 14.0), row("sell", 12.0, 15.0)]
    summary = {(r["market"], r["side"]): r for r in summarise(rows)}
    buy = summary[("M", "buy")]
    assert buy["windows"] == 2 and buy["cost_bps"] == pytest.approx(15.0)
    assert buy["saving_bps"] == pytest.approx(0.0)  # +6 and -6
    assert buy["saving_se_bps"] == pytest.approx(6.0)  # stdev(6, -6) = 8.485 / sqrt(2)
    assert buy["cheaper"] == pytest.approx(0.5)
    both = summary[("M", "both")]
    assert both["windows"] == 3 and both["saving_bps"] == pytest.approx(1.0)  # (6 - 6 + 3) / 3
    assert summary[("all", "both")]["saving_bps"] == pytest.approx(1.0)


def test_a_window_with_no_child_counts_in_completion_but_is_not_priced():
    rows = [row("buy", 10.0, 12.0), {"market": "M", "label": "twap", "side": "buy", "completion": 0.0}]
    buy = next(r for r in summarise(rows) if r["side"] == "buy")
    assert buy["windows"] == 2 and buy["completion"] == pytest.approx(0.5)
    assert buy["saving_bps"] == pytest.approx(2.0) and buy["saving_se_bps"] is None
