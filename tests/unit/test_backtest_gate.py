"""The backtest gate: an enabled sentiment/LLM signal needs a report of that exact config, not worse."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from controllers.analysis import gate
from controllers.plugin_system.registry import load_registry

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "plugins" / "filter"))
from hbot_bots import hbot_bots_plan  # noqa: E402

SIGNAL_CONFIG = {"trading_pair": "ETH-USDT", "total_amount_quote": 10, "sentiment_enabled": True}
DEFAULTS = {"image": "hummingbot/hummingbot:version-2.12.0", "cpus": 1, "memory": "1g", "root": "/opt/hbot"}


def declared(config=None, report=None, plugin="pmm_rsi_llm") -> list[dict]:
    entry = {"plugin": plugin, "config": dict(SIGNAL_CONFIG if config is None else config)}
    if report is not None:
        entry["backtest_report"] = str(report)
    return [{"name": "bot1", "connector": "binance", "credentials": "main", "controllers": [entry]}]


def plan(bots: list[dict]) -> dict:
    result = hbot_bots_plan(
        bots,
        {**DEFAULTS, "script": "v2_with_controllers.py"},
        {"main": {"api_key": "k", "api_secret": "s"}},
        {"binance": ["api_key", "api_secret"]},
    )
    assert result["errors"] == []
    return result


def deployed_fingerprint(config=None) -> str:
    """The fingerprint of the config as the bots plan deploys it (connector from the bot)."""
    return (
        load_registry()
        .check({"controller_name": "pmm_rsi_llm", "connector_name": "binance", **(config or SIGNAL_CONFIG)})
        .fingerprint
    )


def write_report(folder: Path, sha: str, sharpe, sharpe_off, with_off=True, model="conservative") -> Path:
    report = {
        "schema": "hbot-backtest/1",
        "config_sha256": sha,
        "fill_model": {"name": model} if model else {},
        "metrics": {"sharpe": sharpe},
        "signal_off": {"config_sha256": "x", "metrics": {"sharpe": sharpe_off}} if with_off else None,
    }
    path = folder / "metrics.json"
    path.write_text(json.dumps(report))
    return path


def check(bots, base: Path) -> list[str]:
    return gate.check_bots(bots, plan(bots), base)


def test_signal_off_needs_no_report(tmp_path):
    assert check(declared({"trading_pair": "ETH-USDT", "total_amount_quote": 10}), tmp_path) == []
    assert check(declared({"trading_pair": "ETH-USDT"}, plugin="inventory_mm"), tmp_path) == []


def test_signal_on_without_a_report_names_bot_controller_and_key(tmp_path):
    [error] = check(declared(), tmp_path)
    assert error.startswith(
        "hummingbot_bots[0].controllers[0].backtest_report: bot bot1, controller pmm_rsi_llm"
    )
    assert "sentiment_enabled is on" in error and "none is named" in error


def test_a_report_that_does_not_exist_is_named(tmp_path):
    [error] = check(declared(report="reports/missing.json"), tmp_path)
    assert f"{tmp_path}/reports/missing.json does not exist" in error


def test_a_report_of_another_config_is_a_mismatch(tmp_path):
    other = deployed_fingerprint({**SIGNAL_CONFIG, "rsi_length": 21})
    path = write_report(tmp_path, other, 2.0, 1.0)
    [error] = check(declared(report=path), tmp_path)
    assert "is of another config" in error and other[:12] in error and deployed_fingerprint()[:12] in error


def test_a_signal_that_lowers_sharpe_is_refused(tmp_path):
    path = write_report(tmp_path, deployed_fingerprint(), 1.0, 1.5)
    [error] = check(declared(report=path), tmp_path)
    assert "worse with the signal: Sharpe 1.000 with it on, below 1.500 with it off" in error


@pytest.mark.parametrize("model", ["hummingbot", None])
def test_a_report_of_hummingbots_fill_model_is_refused_however_good(tmp_path, model):
    """Hummingbot's simulator fills past the quote and charges no exit fee: its Sharpe cannot put a
    signal live. A report older than the fill models, which names none, is refused too."""
    path = write_report(tmp_path, deployed_fingerprint(), 3.0, 0.1, model=model)
    [error] = check(declared(report=path), tmp_path)
    assert f"was made by the {model or 'unnamed'} fill model, not the conservative one" in error
    assert "--fill-model conservative" in error


def test_a_report_without_its_signal_off_run_is_refused(tmp_path):
    path = write_report(tmp_path, deployed_fingerprint(), 1.0, None, with_off=False)
    [error] = check(declared(report=path), tmp_path)
    assert "no signal-off run" in error


def test_undefined_sharpe_is_refused(tmp_path):
    path = write_report(tmp_path, deployed_fingerprint(), None, 0.5)
    [error] = check(declared(report=path), tmp_path)
    assert "no defined Sharpe" in error


def test_not_a_backtest_report_is_refused(tmp_path):
    (tmp_path / "metrics.json").write_text('{"schema": "something-else"}')
    [error] = check(declared(report=tmp_path / "metrics.json"), tmp_path)
    assert "is not a backtest report" in error
    (tmp_path / "metrics.json").write_text("not json")
    [error] = check(declared(report=tmp_path / "metrics.json"), tmp_path)
    assert "is not JSON" in error


@pytest.mark.parametrize("equal", [True, False])
def test_a_matching_report_that_does_not_lower_sharpe_passes(tmp_path, equal):
    path = write_report(tmp_path, deployed_fingerprint(), 1.5, 1.5 if equal else 0.2)
    assert check(declared(report=path), tmp_path) == []
    # a folder stands for its metrics.json; a relative path is relative to the inventory folder
    assert check(declared(report=tmp_path.name), tmp_path.parent) == []


def test_the_fingerprint_ignores_spelling_and_the_id(tmp_path):
    path = write_report(tmp_path, deployed_fingerprint(), 1.5, 1.0)
    respelled = {**SIGNAL_CONFIG, "total_amount_quote": "10", "rsi_length": 14}  # 14 is the default
    bots = declared(respelled, report=path)
    bots[0]["controllers"][0]["id"] = "sentiment-mm"
    assert check(bots, tmp_path) == []
