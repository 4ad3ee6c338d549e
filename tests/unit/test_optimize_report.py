"""The optimize report: which fill model made it, in-sample next to held-out per market, failed trials by
number, written whole."""

from __future__ import annotations

import json
import stat

import pytest

from controllers.analysis.optimize.report import finish_report, render_markdown, write_reports

CONSERVATIVE = {
    "name": "conservative",
    "maker_fee": 0.0002,
    "taker_fee": 0.0005,
    "slippage": 0.0005,
    "tick": 0.01,
}


def metrics(sharpe, total_return=0.01, drawdown=0.02, trades=12):
    return {"sharpe": sharpe, "total_return": total_return, "max_drawdown": drawdown, "trades": trades}


def report(**changes):
    data = {
        "controller": "inventory_mm",
        "study": "inventory_mm-abc",
        "storage": "postgresql://optuna:***@db/optuna",
        "objective": "mean in-sample sharpe across markets (maximised)",
        "train_fraction": 0.7,
        "fee": 0.001,
        "fill_model": CONSERVATIVE,
        "workers": 2,
        "trials_per_minute": 12.5,
        "space": {"searched": {"volatility_window": {"kind": "int", "low": 10, "high": 40}}, "fixed": {}},
        "best": {"trial": 3, "value": 2.5, "params": {"volatility_window": 21}},
        "markets": [
            {
                "market": "ETH-BTC_5m",
                "split": {
                    "rows": 300,
                    "train_rows": 210,
                    "test_rows": 90,
                    "warmup": 41,
                    "test_feed_start": 169,
                },
                "best": {"in_sample": metrics(2.5), "out_of_sample": metrics(-0.75)},
                "base": {"in_sample": metrics(1.25), "out_of_sample": {"error": "IndexError: boom"}},
            }
        ],
        "trials": [
            {"number": 0, "state": "COMPLETE", "params": {"volatility_window": 12}, "error": None},
            {"number": 1, "state": "FAIL", "params": {"volatility_window": 33}, "error": "RuntimeError: bad"},
            {"number": 2, "state": "PRUNED", "params": {}, "error": None, "rejected": "ETH-BTC_5m: flat"},
            {"number": 3, "state": "COMPLETE", "params": {"volatility_window": 21}, "error": None},
        ],
    }
    data.update(changes)
    return finish_report(data)


def test_markdown_puts_in_sample_next_to_held_out_for_best_and_base():
    text = render_markdown(report())
    assert "| market | config | sharpe in-sample | sharpe held-out |" in text
    assert "| ETH-BTC_5m | best | 2.5 | -0.75 |" in text
    assert "| ETH-BTC_5m | base | 1.25 | error |" in text
    assert "- ETH-BTC_5m base out_of_sample: IndexError: boom" in text
    assert "| ETH-BTC_5m | 210 | 90 | 41 |" in text
    assert (
        "Trials: 4 in the study (2 complete, 1 fail, 1 pruned), 2 worker process(es), 12.5 trials/min."
        in text
    )


def test_markdown_says_which_fill_model_made_the_figures():
    text = render_markdown(report())
    assert "Fills and fees:\n\n- Conservative fill model" in text
    assert "maker 0.020% on limit fills, taker 0.050% on market fills" in text
    assert "by one price increment (0.01)" in text
    assert "Hummingbot" not in text and "Fee 0.001 per fill" not in text
    hummingbot = render_markdown(report(fill_model={"name": "hummingbot", "fee": 0.001}))
    assert "- Hummingbot 2.12's own position simulator" in hummingbot
    assert "(0.1000%), the exit leg free" in hummingbot and "Conservative" not in hummingbot


def test_markets_under_different_terms_each_say_theirs():
    spot = {**CONSERVATIVE, "maker_fee": 0.001, "taker_fee": 0.001}
    text = render_markdown(report(fill_model={"ETH-USDT-PERP_5m": CONSERVATIVE, "ETH-BTC_5m": spot}))
    perp_part, spot_part = text.split("Fills and fees on ETH-USDT-PERP_5m:")[1].split(
        "Fills and fees on ETH-BTC_5m:"
    )
    assert "maker 0.020%" in perp_part and "maker 0.100%" not in perp_part
    assert "maker 0.100%" in spot_part


def test_failed_and_pruned_trials_are_listed_by_number_with_their_reason():
    text = render_markdown(report())
    assert '- trial 1: RuntimeError: bad (params {"volatility_window": 33})' in text
    assert "- trial 2: ETH-BTC_5m: flat" in text
    assert "Trial 3, in-sample objective 2.5." in text


def test_no_completed_trial_says_so():
    text = render_markdown(report(best=None))
    assert "No trial completed: there is no best configuration." in text


def test_reports_are_written_whole_and_readable(tmp_path):
    json_path, markdown_path = tmp_path / "optimize.json", tmp_path / "optimize.md"
    write_reports(report(), json_path, markdown_path)
    assert json.loads(json_path.read_text())["trial_counts"] == {"COMPLETE": 2, "FAIL": 1, "PRUNED": 1}
    assert markdown_path.read_text().startswith("# Walk-forward optimisation: inventory_mm")
    assert stat.S_IMODE(json_path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["optimize.json", "optimize.md"]


def test_a_report_that_cannot_be_rendered_leaves_no_file(tmp_path):
    broken = report(best={"trial": 1, "value": float("nan"), "params": {}})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        write_reports(broken, tmp_path / "optimize.json", tmp_path / "optimize.md")
    assert list(tmp_path.iterdir()) == []
