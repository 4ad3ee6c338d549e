"""A config checked once: the registry's CheckedConfig. Its fingerprint is equal for configs the registry
normalises alike and different otherwise; its warm-up is the strategy's registered one; it cannot be
changed in place."""

from __future__ import annotations

import hashlib
import json

import pytest

from controllers.plugin_system.registry import ConfigError, load_registry
from controllers.shared_base.plain import canonical_json
from controllers.shared_base.strategies.inventory_mm import InventoryMMParams, InventoryMMStrategy

REGISTRY = load_registry()


def config_fingerprint(config):
    return REGISTRY.check(config).fingerprint


def normalise_config(config):
    return REGISTRY.check(config).config


def test_defaults_spelling_and_id_do_not_change_the_fingerprint():
    short = {"controller_name": "inventory_mm"}
    spelled = {
        "controller_name": "inventory_mm",
        "controller_type": "market_making",
        "id": "my-bot-controller",
        "stop_loss": "0.005",  # a Decimal written as text
        "buy_spreads": "0.003,0.006",  # Hummingbot's comma list
        "volatility_window": 48,
    }
    assert config_fingerprint(short) == config_fingerprint(spelled)


def test_any_real_change_changes_the_fingerprint():
    base = {"controller_name": "pmm_rsi_llm"}
    assert config_fingerprint(base) != config_fingerprint({**base, "sentiment_enabled": True})
    assert config_fingerprint(base) != config_fingerprint({**base, "rsi_length": 15})
    assert config_fingerprint(base) != config_fingerprint({"controller_name": "fixed_spread"})


def test_it_is_the_sha256_of_the_canonical_json_of_the_normalised_config():
    config = {"controller_name": "fixed_spread", "trading_pair": "ETH-BTC"}
    normalised = normalise_config(config)
    assert "id" not in normalised and normalised["stop_loss"] == 0.005  # defaults filled, as floats
    text = json.dumps(normalised, sort_keys=True, separators=(",", ":"))
    assert canonical_json(normalised) == text
    assert config_fingerprint(config) == hashlib.sha256(text.encode()).hexdigest()


def test_invalid_configs_have_no_fingerprint():
    with pytest.raises(ConfigError, match="controller_name: unknown strategy 'nope'"):
        config_fingerprint({"controller_name": "nope"})
    with pytest.raises(ConfigError, match="total_amount_quote") as raised:
        config_fingerprint({"controller_name": "fixed_spread", "total_amount_quote": -1, "stop_loss": -1})
    assert {line.split(":")[0] for line in raised.value.errors} == {"total_amount_quote", "stop_loss"}


def test_the_warm_up_is_the_strategys_registered_one():
    checked = REGISTRY.check({"controller_name": "inventory_mm", "volatility_window": 60, "trend_window": 90})
    assert (
        checked.warmup_bars
        == InventoryMMStrategy(InventoryMMParams(volatility_window=60, trend_window=90)).warmup_bars
        == 91
    )
    trend = REGISTRY.check(
        {"controller_name": "regime_trend", "fast_ema": 10, "slow_ema": 150, "regime_window": 20}
    )
    assert trend.warmup_bars == 151
    assert REGISTRY.check({"controller_name": "fixed_spread"}).warmup_bars == 1  # registers none


def test_a_checked_config_cannot_be_changed_in_place():
    checked = REGISTRY.check({"controller_name": "fixed_spread"})
    checked.config["buy_spreads"].append(0.5)
    checked.config["stop_loss"] = 0.5
    checked.params.stop_loss = 0.5
    assert checked.config == normalise_config({"controller_name": "fixed_spread"})
    assert float(checked.params.stop_loss) == checked.config["stop_loss"] != 0.5
    with pytest.raises(AttributeError):
        checked.fingerprint = "x"


def test_validate_reports_what_check_raises():
    bad = {"controller_name": "fixed_spread", "total_amount_quote": -1}
    with pytest.raises(ConfigError) as raised:
        REGISTRY.check(bad)
    assert REGISTRY.validate(bad) == raised.value.errors
