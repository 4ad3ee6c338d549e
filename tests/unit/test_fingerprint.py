"""Config fingerprints: equal for configs the registry normalises alike, different otherwise."""

from __future__ import annotations

import hashlib
import json

import pytest

from controllers.analysis.fingerprint import canonical_json, config_fingerprint, normalise_config


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
    with pytest.raises(ValueError, match="controller_name: unknown strategy 'nope'"):
        config_fingerprint({"controller_name": "nope"})
    with pytest.raises(ValueError, match="total_amount_quote"):
        config_fingerprint({"controller_name": "fixed_spread", "total_amount_quote": -1})
