"""Bad bot declarations fail in the bots layer's preflight, name the field, and leave the host as it was.

Runs playbooks/bots.yml against a fresh (never converged) sandbox VPS: any task that slipped past
preflight would create /opt/hbot, install packages or start containers. The cases run in one bots.yml
run, each as an inventory host of its own (an alias of that VPS, the case's overrides in its host_vars):
each host must fail on its own input alone, as each VPS of a real inventory does.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from preflight_harness import run_cases, sandboxctl

HOST = "bots-badinput"
PORT = 2402

GOOD_BOT = {
    "name": "bot1",
    "connector": "binance",
    "credentials": "main",
    "controllers": [
        {"plugin": "fixed_spread", "config": {"trading_pair": "ETH-USDT", "total_amount_quote": 10}}
    ],
    "cpus": 1.0,
    "memory": "1g",
}
GOOD = {
    "hummingbot_config_password": "correct-horse-battery-staple",
    "hummingbot_mqtt_password": "mqtt-password-for-tests",
    "hummingbot_mqtt_monitor_password": "monitor-password-for-tests",
    "hummingbot_credentials": {"main": {"api_key": "k" * 24, "api_secret": "s" * 24}},
    "hummingbot_pull_images": False,
    "hummingbot_bots": [GOOD_BOT],
}


def bot(**changes) -> dict:
    return {**copy.deepcopy(GOOD_BOT), **changes}


def controller(plugin: str = "fixed_spread", **config) -> list[dict]:
    return [{"plugin": plugin, "config": {"trading_pair": "ETH-USDT", "total_amount_quote": 10, **config}}]


# (case id, variables overriding GOOD, the field the error must name)
CASES = [
    (
        "unknown-controller",
        {"hummingbot_bots": [bot(controllers=controller("no_such_strategy"))]},
        "hummingbot_bots[0].controllers[0].plugin",
    ),
    (
        "invalid-controller-value",
        {"hummingbot_bots": [bot(controllers=controller(total_amount_quote=-5))]},
        "hummingbot_bots[0].controllers[0].config.total_amount_quote",
    ),
    (
        "invalid-controller-type",
        {"hummingbot_bots": [bot(controllers=controller(buy_spreads="wide"))]},
        "hummingbot_bots[0].controllers[0].config.buy_spreads",
    ),
    (
        "controller-on-other-connector",
        {"hummingbot_bots": [bot(controllers=controller(connector_name="bybit"))]},
        "hummingbot_bots[0].controllers[0].config.connector_name",
    ),
    (
        "duplicate-controller-id",
        {"hummingbot_bots": [bot(controllers=controller() + controller())]},
        "hummingbot_bots[0].controllers[1].id",
    ),
    (
        "missing-credentials-in-vault",
        {"hummingbot_bots": [bot(credentials="not_in_vault")]},
        "hummingbot_bots[0].credentials",
    ),
    (
        "missing-api-secret-in-vault",
        {"hummingbot_credentials": {"main": {"api_key": "k" * 24}}},
        "hummingbot_credentials.main.api_secret",
    ),
    ("missing-config-password", {"hummingbot_config_password": ""}, "hummingbot_config_password"),
    ("missing-mqtt-password", {"hummingbot_mqtt_password": "short"}, "hummingbot_mqtt_password"),
    ("duplicate-bot-names", {"hummingbot_bots": [bot(), bot()]}, "hummingbot_bots[1].name"),
    ("name-unsafe-as-path", {"hummingbot_bots": [bot(name="../etc")]}, "hummingbot_bots[0].name"),
    ("name-with-slash-and-capitals", {"hummingbot_bots": [bot(name="Bot/1")]}, "hummingbot_bots[0].name"),
    (
        "two-bots-one-database",
        {"hummingbot_bots": [bot(), bot(name="bot2", dir="/opt/hbot/bot1")]},
        "hummingbot_bots[1].dir",
    ),
    (
        "bot-image-without-version",
        {"hummingbot_bots": [bot(image="hummingbot/hummingbot")]},
        "hummingbot_bots[0].image",
    ),
    ("default-image-latest", {"hummingbot_image": "hummingbot/hummingbot:latest"}, "hummingbot_image"),
    (
        "unknown-connector",
        {"hummingbot_bots": [bot(connector="no_such_exchange")]},
        "hummingbot_bots[0].connector",
    ),
    ("memory-not-a-size", {"hummingbot_bots": [bot(memory="lots")]}, "hummingbot_bots[0].memory"),
    ("unknown-state", {"hummingbot_bots": [bot(state="paused")]}, "hummingbot_bots[0].state"),
    ("bots-not-a-list", {"hummingbot_bots": "bot1"}, "hummingbot_bots"),
]


@pytest.fixture(scope="module")
def inventory(tmp_path_factory) -> Path:
    hosts = sandboxctl.up([(HOST, PORT)], "trixie")
    path = tmp_path_factory.mktemp("inventory") / "hosts.yml"
    sandboxctl.write_inventory(path, hosts)
    (path.parent / "group_vars" / "vps").mkdir(parents=True)
    (path.parent / "group_vars" / "vps" / "main.yml").write_text(json.dumps(GOOD, indent=1) + "\n")
    yield path
    sandboxctl.down([HOST])


@pytest.fixture(scope="module")
def bad(inventory, gate_reports):
    """Every bad case, the backtest gate's too, in one bots.yml run, each on a host of its own."""
    cases = {case: overrides for case, overrides, _ in CASES}
    for case, report, _ in GATE_CASES:
        cases[case] = {"hummingbot_bots": [signal_bot(gate_reports[report] if report else None)]}
    return run_cases(inventory, PORT, "bots.yml", cases, timeout=600)


@pytest.mark.parametrize(("case", "field"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_bot_input_fails_in_preflight_and_changes_nothing(bad, case, field):
    bad.assert_failed_alone(case, field)


def test_secrets_never_appear_in_the_failure_output(bad):
    for secret in (GOOD["hummingbot_config_password"], GOOD["hummingbot_mqtt_password"], "k" * 24, "s" * 24):
        assert secret not in bad.output


@pytest.fixture(scope="module")
def good(inventory, gate_reports):
    """The inventory as it is, and with a signal backed by its report: one preflight run, a host each."""
    cases = {"as-is": {}, "backed-signal": {"hummingbot_bots": [signal_bot(gate_reports["good"])]}}
    return run_cases(inventory, PORT, "bots.yml", cases, "--tags", "preflight", timeout=600)


def test_good_input_passes_preflight(good):
    assert "as-is" not in good.failures and good.count("as-is", "failed") == 0, good.output[-3000:]


# --- the backtest gate: an enabled sentiment/LLM signal needs a report of that exact config --------------
SIGNAL_CONFIG = {"trading_pair": "ETH-USDT", "total_amount_quote": 10, "sentiment_enabled": True}


def signal_bot(report: Path | None = None) -> dict:
    entry = {"plugin": "pmm_rsi_llm", "config": dict(SIGNAL_CONFIG)}
    if report is not None:
        entry["backtest_report"] = str(report)
    return bot(controllers=[entry])


@pytest.fixture(scope="module")
def gate_reports(tmp_path_factory) -> dict[str, Path]:
    """metrics.json files as `hbot-strategies backtest` writes them (only the fields the gate reads)."""
    from controllers.plugin_system.registry import load_registry

    def config_fingerprint(config):
        return load_registry().check(config).fingerprint

    market = {"controller_name": "pmm_rsi_llm", "connector_name": "binance"}
    deployed = config_fingerprint({**market, **SIGNAL_CONFIG})  # as the bots plan deploys it
    other = config_fingerprint({**market, **SIGNAL_CONFIG, "rsi_length": 20})
    folder = tmp_path_factory.mktemp("reports")
    reports = {}
    for name, sha, sharpe, sharpe_off in (
        ("good", deployed, 1.2, 0.9),
        ("other-config", other, 1.2, 0.9),
        ("worse", deployed, 0.4, 0.9),
    ):
        path = folder / f"{name}.json"
        path.write_text(
            json.dumps(
                {
                    "schema": "hbot-backtest/1",
                    "config_sha256": sha,
                    "fill_model": {"name": "conservative"},
                    "metrics": {"sharpe": sharpe},
                    "signal_off": {"metrics": {"sharpe": sharpe_off}},
                }
            )
        )
        reports[name] = path
    reports["missing"] = folder / "never-written.json"
    return reports


GATE_CASES = [
    ("signal-without-report", None, "none is named"),
    ("report-missing", "missing", "does not exist"),
    ("report-of-another-config", "other-config", "is of another config"),
    ("signal-lowers-sharpe", "worse", "is worse with the signal"),
]


@pytest.mark.parametrize(("case", "problem"), [c[::2] for c in GATE_CASES], ids=[c[0] for c in GATE_CASES])
def test_backtest_gate_fails_in_preflight_and_changes_nothing(bad, case, problem):
    field = "hummingbot_bots[0].controllers[0].backtest_report: bot bot1, controller pmm_rsi_llm"
    bad.assert_failed_alone(case, field, problem)


def test_backtest_gate_passes_a_report_that_backs_the_signal(good):
    assert "backed-signal" not in good.failures, good.failures["backed-signal"][-3000:]
    assert good.count("backed-signal", "failed") == 0, good.output[-3000:]
