"""The bots role's prepare helper (roles/hummingbot/files/hbot_prepare.py) encrypts every connector's keys
with Hummingbot's own crypto: the bot's own exchange account and a hedged bot's perpetual one. Run in the
Hummingbot runtime image; Hummingbot's conf paths point into a temporary folder.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_prepare_keys.py
"""

from __future__ import annotations

import importlib.util
import stat
from pathlib import Path

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

HELPER = Path(__file__).resolve().parents[2] / "roles/hummingbot/files/hbot_prepare.py"
KEYS = {
    "binance": {"api_key": "spot-key", "api_secret": "spot-secret"},
    "binance_perpetual": {"api_key": "perp-key", "api_secret": "perp-secret"},
}


@pytest.fixture
def prepare(tmp_path, monkeypatch):
    """The helper, with Hummingbot's password check and connector files under tmp_path."""
    from hummingbot.client.config import config_crypt, config_helpers, security

    monkeypatch.setattr(config_crypt, "PASSWORD_VERIFICATION_PATH", tmp_path / ".password_verification")
    monkeypatch.setattr(config_helpers, "CONNECTORS_CONF_DIR_PATH", tmp_path / "connectors")
    (tmp_path / "connectors").mkdir()
    monkeypatch.setattr(security.Security, "secrets_manager", None)
    spec = importlib.util.spec_from_file_location("hbot_prepare", HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_keys(tmp_path, connector: str) -> dict:
    from hummingbot.client.config.config_helpers import load_connector_config_map_from_file

    config = load_connector_config_map_from_file(tmp_path / "connectors" / f"{connector}.yml")
    return {
        name.removeprefix(f"{connector}_"): getattr(config, name).get_secret_value()
        for name in KEYS[connector]
        for name in [f"{connector}_{name}"]
    }


def test_each_connector_gets_its_own_encrypted_keys_file_and_a_rerun_changes_nothing(prepare, tmp_path):
    changed: list[str] = []
    prepare.first_boot("a config password", KEYS, changed)
    assert changed == [
        "conf/.password_verification",
        "conf/connectors/binance.yml",
        "conf/connectors/binance_perpetual.yml",
    ]
    for connector, keys in KEYS.items():
        path = tmp_path / "connectors" / f"{connector}.yml"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert keys["api_secret"] not in path.read_text()  # encrypted at rest
        assert read_keys(tmp_path, connector) == keys  # and Hummingbot's own crypto reads them back
    again: list[str] = []
    prepare.first_boot("a config password", KEYS, again)
    assert again == []
    rotated = {**KEYS, "binance_perpetual": {"api_key": "perp-key", "api_secret": "rotated"}}
    prepare.first_boot("a config password", rotated, again)
    assert again == ["conf/connectors/binance_perpetual.yml"]


def test_a_hedge_connectors_incomplete_keys_are_refused_by_name(prepare):
    refused = r"credentials for binance_perpetual: .*missing \['api_secret'\]"
    with pytest.raises(prepare.BadInput, match=refused):
        prepare.first_boot("a config password", {**KEYS, "binance_perpetual": {"api_key": "k"}}, [])
