"""The bots' plan (plugins/filter/hbot_bots.py): each bot declared once serves the bots role and the
monitoring layer's exporter, and a misspelt field is refused by name, before anything changes."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("hbot_bots", REPO / "plugins/filter/hbot_bots.py")
plan_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plan_module)

DEFAULTS = {
    "image": "hummingbot/hummingbot:version-2.12.0",
    "cpus": 1.0,
    "memory": "1g",
    "root": "/opt/hbot",
    "script": "hbot_v2_controllers.py",
}
KEYS = {"binance": ["api_key", "api_secret"]}
CREDENTIALS = {"main": {"api_key": "k" * 24, "api_secret": "s" * 24}}
# A hedged bot's perpetual account: its connector's key fields and its vault entry.
HEDGE_KEYS = {**KEYS, "binance_perpetual": ["api_key", "api_secret"]}
HEDGE_CREDENTIALS = {**CREDENTIALS, "futures": {"api_key": "f" * 24, "api_secret": "g" * 24}}
BOT = {
    "name": "bot1",
    "connector": "binance",
    "credentials": "main",
    "controllers": [
        {"plugin": "fixed_spread", "config": {"trading_pair": "ETH-USDT", "total_amount_quote": 10}}
    ],
    "limits": {"max_drawdown_quote": 5},
}


def plan(*bots):
    return plan_module.hbot_bots_plan(list(bots), DEFAULTS, CREDENTIALS, KEYS)


def test_the_exporter_reads_what_the_bots_role_writes():
    second = {**copy.deepcopy(BOT), "name": "bot2", "dir": "/srv/bots/two/"}
    second["limits"] = {"no_fill_seconds": 60}
    stopped = {**copy.deepcopy(BOT), "name": "bot3", "state": "stopped"}
    planned = {bot["name"]: bot for bot in plan(BOT, second, stopped)["bots"]}
    watched = plan_module.hbot_exporter_bots([BOT, second, stopped], "/opt/hbot")
    assert [w["name"] for w in watched] == ["bot1", "bot2"]  # a bot declared stopped raises no alerts
    for entry in watched:
        bot = planned[entry["name"]]
        assert entry["db_path"] == bot["database"]
        assert entry["errors_log_path"] == f"{bot['dir']}/logs/errors.log"
        assert entry["mqtt_instance_id"] == bot["name"]
    assert watched[0]["limits"] == {"max_drawdown_quote": 5}
    assert watched[1]["db_path"] == "/srv/bots/two/data/bot2.sqlite"


def test_exporter_derivation_skips_what_the_preflight_rejects():
    assert plan_module.hbot_exporter_bots("not a list", "/opt/hbot") == []
    assert plan_module.hbot_exporter_bots([{"connector": "binance"}, "bot"], "/opt/hbot") == []


def test_a_misspelt_bot_field_is_refused_with_the_nearest_name():
    typo = {k: v for k, v in BOT.items() if k != "limits"} | {"limts": {"max_drawdown_quote": 5}}
    errors = plan(typo)["errors"]
    assert "hummingbot_bots[0].limts: unknown field; did you mean 'limits'?" in errors


def test_a_misspelt_controller_field_is_refused_with_the_nearest_name():
    bot = copy.deepcopy(BOT)
    bot["controllers"][0]["confg"] = bot["controllers"][0].pop("config")
    errors = plan(bot)["errors"]
    assert "hummingbot_bots[0].controllers[0].confg: unknown field; did you mean 'config'?" in errors


def test_a_field_with_no_near_name_lists_the_known_ones():
    errors = plan({**BOT, "wallet": "x"})["errors"]
    listed = "hummingbot_bots[0].wallet: unknown field; known: name, connector"
    assert any(e.startswith(listed) for e in errors)


def test_limits_must_be_a_mapping():
    assert (
        "hummingbot_bots[0].limits: expected a mapping of alert limits (max_drawdown_quote, ...)"
        in plan({**BOT, "limits": 5})["errors"]
    )


def test_a_valid_bot_plans_without_errors():
    result = plan(BOT)
    assert result["errors"] == []
    assert result["bots"][0]["database"] == "/opt/hbot/bot1/data/bot1.sqlite"


def test_every_built_in_default_and_a_list_field_round_trip_through_the_inventory(tmp_path):
    """What `hbot-strategies validate` accepts, the inventory accepts: each built-in's default config,
    written as YAML group_vars the way an operator writes them, goes through Ansible's templating into
    the plan with no error, and a list-valued field stays a list (ansible-core tags its values)."""
    import yaml

    from controllers.plugin_system.registry import load_registry

    registry = load_registry()
    builtins = [name for name in registry.names() if registry.plugin_of(name) == "builtins"]
    assert "inventory_mm" in builtins
    controllers = []
    for name in builtins:
        config = registry.default_config(name)
        config.pop("connector_name", None)
        controllers.append({"plugin": name, "id": f"{name}_1", "config": config})
    # a list with a templated item (the rules see its value), and Hummingbot's CSV form
    lists = {"buy_spreads": ["{{ first_spread }}", 0.008], "sell_spreads": "0.005"}
    controllers.append({"plugin": "inventory_mm", "id": "lists", "config": lists})
    # hedged_mm's perpetual needs keys of its own
    hedge = {"binance_perpetual": "futures"}
    bots = [
        {"name": "bot1", "connector": "binance", "credentials": "main", "extra_connectors": hedge}
        | {"controllers": controllers}
    ]
    (tmp_path / "group_vars").mkdir()
    group_vars = yaml.safe_dump({"bots": bots, "credentials": HEDGE_CREDENTIALS})
    (tmp_path / "group_vars" / "all.yml").write_text(group_vars)
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": local}}}))
    (tmp_path / "plan.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        '    - ansible.builtin.copy:\n        dest: "{{ out }}"\n'
        '        content: "{{ bots | hbot_bots_plan(defaults, credentials, keys) | to_json }}"\n'
        "        mode: '0600'\n"
    )
    out = tmp_path / "plan.json"
    extra = json.dumps({"out": str(out), "defaults": DEFAULTS, "keys": HEDGE_KEYS, "first_spread": 0.004})
    playbook = Path(sys.executable).with_name("ansible-playbook")  # the venv's, beside this Python
    run = subprocess.run(
        [str(playbook), "-i", str(tmp_path / "hosts.yml"), str(tmp_path / "plan.yml"), "-e", extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["errors"] == []
    planned = {c["id"]: c["config"] for c in result["bots"][0]["controllers"]}
    assert set(planned) == {f"{name}_1" for name in builtins} | {"lists"}
    assert planned["lists"]["buy_spreads"] == [0.004, 0.008]
    for name in builtins:  # the same rules: the registry accepts what the inventory planned
        assert registry.validate(planned[f"{name}_1"]) == []


def test_a_misspelt_connector_is_refused_with_hummingbots_nearest_name():
    shipped = json.loads((REPO / "roles/hummingbot/files/hummingbot_connectors.json").read_text())
    shipped = shipped["connectors"]
    result = plan_module.hbot_bots_plan([{**BOT, "connector": "binanse"}], DEFAULTS, CREDENTIALS, shipped)
    assert (
        "hummingbot_bots[0].connector: 'binanse' is not a connector Hummingbot knows; "
        "did you mean 'binance'? (hummingbot_connector_key_fields)"
    ) in result["errors"]
    assert plan_module.hbot_bots_plan([BOT], DEFAULTS, CREDENTIALS, shipped)["errors"] == []


# --- extra_connectors: a hedged bot's second exchange account ---------------------------------------


def hedged_bot(**extra):
    bot = copy.deepcopy(BOT)
    bot["controllers"][0] = {"plugin": "hedged_mm", "config": bot["controllers"][0]["config"]}
    return {**bot, **extra}


def hedge_plan(*bots):
    return plan_module.hbot_bots_plan(list(bots), DEFAULTS, HEDGE_CREDENTIALS, HEDGE_KEYS)


def test_a_live_hedged_bot_gets_the_keys_of_its_perpetual_account_too():
    result = hedge_plan(hedged_bot(extra_connectors={"binance_perpetual": "futures"}))
    assert result["errors"] == []
    # The role encrypts one conf/connectors/<connector>.yml per entry (secrets by name only, here).
    assert result["bots"][0]["connectors"] == {"binance": "main", "binance_perpetual": "futures"}
    assert plan(BOT)["bots"][0]["connectors"] == {"binance": "main"}


def test_a_hedge_connector_without_keys_is_refused_before_anything_changes():
    errors = hedge_plan(hedged_bot())["errors"]
    assert (
        "hummingbot_bots[0].controllers[0].config.hedge_connector_name: 'binance_perpetual' has no keys on"
        " this bot; add it to hummingbot_bots[0].extra_connectors with its hummingbot_credentials entry"
    ) in errors


def test_extra_connectors_are_checked_like_the_bots_own():
    bad = {"binance_perpetual": "nope", "binanse_perpetual": "futures", "binance": "main"}
    errors = hedge_plan(hedged_bot(extra_connectors=bad))["errors"]
    assert any(
        e.startswith("hummingbot_bots[0].extra_connectors.binance_perpetual: 'nope' is not in")
        for e in errors
    )
    assert any(
        e.startswith(
            "hummingbot_bots[0].extra_connectors.binanse_perpetual: not a connector Hummingbot knows"
        )
        for e in errors
    ), errors
    assert (
        "hummingbot_bots[0].extra_connectors.binance: the bot's own connector (its keys are `credentials`)"
        in errors
    )
    short = {**HEDGE_CREDENTIALS, "futures": {"api_key": "f" * 24}}
    result = plan_module.hbot_bots_plan(
        [hedged_bot(extra_connectors={"binance_perpetual": "futures"})], DEFAULTS, short, HEDGE_KEYS
    )
    assert (
        "hummingbot_credentials.futures.api_secret: missing or empty in the vault"
        " (binance_perpetual needs api_key, api_secret)"
    ) in result["errors"]


# --- mode: paper ------------------------------------------------------------------------------------

REPLAY_CSV = REPO / "sandbox/replay/ETH-BTC_5m.csv"


def paper_bot(**paper):
    bot = {k: v for k, v in copy.deepcopy(BOT).items() if k != "credentials"}
    bot["controllers"][0]["config"] = {
        "trading_pair": "ETH-BTC",
        "total_amount_quote": 0.01,
        "interval": "15m",
    }
    replay = {"candles": str(REPLAY_CSV), "trading_pair": "ETH-BTC", "speed": 120}
    return {
        **bot,
        "mode": "paper",
        "paper": {"balances": {"ETH": 1, "BTC": 0.1}, "market": "replay", "replay": replay, **paper},
    }


def test_a_paper_bot_needs_no_keys_and_trades_on_the_paper_connector_with_the_replay():
    result = plan(paper_bot())
    assert result["errors"] == []
    bot = result["bots"][0]
    config = bot["controllers"][0]["config"]
    assert config["connector_name"] == "binance_paper_trade"
    assert bot["mode"] == "paper"
    assert bot["replay"]["source"] == str(REPLAY_CSV) and bot["replay"]["interval"] == 300
    section = bot["script"]["paper"]
    assert section["exchange"] == "binance" and section["balances"] == {"ETH": 1, "BTC": 0.1}
    assert section["replay"]["candles"] == "/home/hummingbot/data/replay/candles.csv"
    assert section["replay"]["speed"] == 120
    live = plan(BOT)["bots"][0]
    assert live["mode"] == "live" and live["script"]["paper"] == {}
    assert live["controllers"][0]["config"]["connector_name"] == "binance"


def paper_hedged_bot(hedge_pair="ETH-BTC", **paper):
    bot = paper_bot(**paper)
    config = {**bot["controllers"][0]["config"], "hedge_trading_pair": hedge_pair}
    bot["controllers"][0] = {"plugin": "hedged_mm", "config": config}
    return bot


def test_a_paper_hedged_bot_hedges_on_a_paper_perpetual_on_the_replay():
    result = plan(paper_hedged_bot(perpetual={"balances": {"BTC": 0.05}, "funding_rate": 0.0003}))
    assert result["errors"] == []
    bot = result["bots"][0]
    config = bot["controllers"][0]["config"]
    assert config["connector_name"] == "binance_paper_trade"
    assert config["hedge_connector_name"] == "binance_perpetual_paper_trade"
    assert bot["connectors"] == {}  # no exchange account, no keys
    assert bot["script"]["paper"]["perpetual"] == {
        "exchange": "binance_perpetual",
        "balances": {"BTC": 0.05},
        "funding_rate": 0.0003,
        "funding_hours": 8.0,
    }


def test_a_paper_hedge_that_cannot_run_is_refused_by_field():
    perpetual = {"balances": {"BTC": 0.05}}
    cases = {
        "hummingbot_bots[0].extra_connectors: a paper bot trades on no exchange account (remove it)": {
            **paper_hedged_bot(perpetual=perpetual),
            "extra_connectors": {"binance_perpetual": "futures"},
        },
        "hummingbot_bots[0].controllers[0].config.hedge_connector_name: 'binance_perpetual': a paper bot "
        "hedges on a paper perpetual account; set paper.perpetual": paper_hedged_bot(),
        "hummingbot_bots[0].controllers[0].config.hedge_trading_pair: 'ETH-USDT' but the paper perpetual "
        "replays 'ETH-BTC'": paper_hedged_bot("ETH-USDT", perpetual=perpetual),
        "hummingbot_bots[0].paper.perpetual: no controller hedges on a perpetual (remove it)": paper_bot(
            perpetual=perpetual
        ),
        "hummingbot_bots[0].paper.perpetual.funding_hours: Input should be greater than 0": paper_hedged_bot(
            perpetual={**perpetual, "funding_hours": 0}
        ),
        "hummingbot_bots[0].paper.perpetual.balances: Value error, set the paper account": paper_hedged_bot(
            perpetual={"balances": {}}
        ),
    }
    for expected, bot in cases.items():
        errors = hedge_plan(bot)["errors"]
        assert any(e.startswith(expected.replace("Value error, ", "")) for e in errors), (expected, errors)
    live_market = paper_hedged_bot(perpetual=perpetual)
    live_market["paper"] = {"balances": {"ETH": 1}, "perpetual": perpetual}
    errors = plan(live_market)["errors"]
    assert "hummingbot_bots[0].paper.perpetual: needs market: replay" in " ".join(errors), errors


def test_paper_settings_that_cannot_run_are_refused_by_field():
    cases = {
        "hummingbot_bots[0].paper: required with mode: paper": {"mode": "paper"},
        "hummingbot_bots[0].mode: 'live' trades real money": {"paper": {"balances": {"ETH": 1}}},
        "hummingbot_bots[0].paper.replay: required with market: replay": {
            "mode": "paper",
            "paper": {"balances": {"ETH": 1}, "market": "replay"},
        },
        "hummingbot_bots[0].paper.balances: Value error, set the paper account": {
            "mode": "paper",
            "paper": {"balances": {}},
        },
    }
    for expected, fields in cases.items():
        bot = {k: v for k, v in copy.deepcopy(BOT).items() if k != "credentials"} | fields
        errors = plan(bot)["errors"]
        assert any(e.startswith(expected.replace("Value error, ", "")) for e in errors), (expected, errors)


def test_a_replay_that_does_not_fit_the_controllers_is_refused_before_anything_changes(tmp_path):
    bot = paper_bot()
    bot["controllers"][0]["config"].update(trading_pair="LTC-BTC", interval="1m")
    errors = plan(bot)["errors"]
    assert any(
        e.startswith("hummingbot_bots[0].controllers[0].config.trading_pair: 'LTC-BTC' but the bot's replay")
        for e in errors
    )
    assert any(
        e.startswith("hummingbot_bots[0].controllers[0].config.interval: '1m' is not a multiple")
        for e in errors
    )
    missing = paper_bot()
    missing["paper"]["replay"]["candles"] = str(tmp_path / "none.csv")
    assert any(
        e.startswith("hummingbot_bots[0].paper.replay.candles: cannot read") for e in plan(missing)["errors"]
    )
    (tmp_path / "bad.csv").write_text("time,price\n1,2\n")
    bad = paper_bot()
    bad["paper"]["replay"]["candles"] = str(tmp_path / "bad.csv")
    assert any("lacks the columns timestamp, open" in e for e in plan(bad)["errors"])
    rules = paper_bot()
    rules["paper"]["replay"]["trading_rules"] = {"min_tick": 0.1}
    assert any(
        e.startswith("hummingbot_bots[0].paper.replay.trading_rules: 'min_tick' is not a trading rule")
        for e in plan(rules)["errors"]
    )


# --- rate limits shared on one host ------------------------------------------------------------------


def shares(*bots) -> dict[str, float]:
    result = plan(*bots)
    assert result["errors"] == []
    return {bot["name"]: bot["rate_limits_share_pct"] for bot in result["bots"]}


def named(name: str, **fields) -> dict:
    return {**copy.deepcopy(BOT), "name": name, **fields}


def test_bots_on_one_exchange_split_its_rate_limits_and_keep_what_they_set():
    assert shares(BOT) == {"bot1": 100}  # Hummingbot's own default: a lone bot's conf stays as it is
    assert shares(named("a"), named("b"), named("c")) == {"a": 33.33, "b": 33.33, "c": 33.33}
    assert shares(named("a", rate_limits_share_pct=50), named("b"), named("c")) == {"a": 50, "b": 25, "c": 25}
    # A replay bot reaches no exchange: it keeps 100 and takes nothing from the live bots.
    assert shares(named("a"), named("b"), {**paper_bot(), "name": "p"}) == {"a": 50, "b": 50, "p": 100}
    # A paper bot on the live market reads the exchange from the same IP: it takes its share.
    live_paper = {**paper_bot(), "name": "p"}
    live_paper["paper"] = {"balances": {"ETH": 1}, "market": "live"}
    assert shares(named("a"), live_paper) == {"a": 50, "p": 50}


def test_rate_limit_shares_over_100_are_refused_naming_each_bot_that_set_one():
    errors = plan(named("a", rate_limits_share_pct=60), named("b", rate_limits_share_pct=50), named("c"))[
        "errors"
    ]
    assert [e.split(":")[0] for e in errors] == [
        "hummingbot_bots[0].rate_limits_share_pct",
        "hummingbot_bots[1].rate_limits_share_pct",
    ]
    assert "(a 60, b 50, c unset)" in errors[0]
    # 100 set by one bot leaves nothing for another on the same exchange.
    assert plan(named("a", rate_limits_share_pct=100), named("b"))["errors"]
    assert plan(named("a", rate_limits_share_pct=0))["errors"] == [
        "hummingbot_bots[0].rate_limits_share_pct: Input should be greater than 0 (got 0)"
    ]
