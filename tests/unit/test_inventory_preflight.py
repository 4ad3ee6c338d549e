"""The inventory-wide preflight (plugins/filter/hbot_inventory.py): a misspelt setting, a placeholder left
from the example inventory and an unencrypted vault file are each refused by name, never by value."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("hbot_inventory", REPO / "plugins/filter/hbot_inventory.py")
inventory = importlib.util.module_from_spec(spec)
spec.loader.exec_module(inventory)
ROLES = str(REPO / "roles")
PRODUCTION = REPO / "inventories" / "production"


def test_a_misspelt_setting_is_refused_with_the_nearest_name():
    errors = inventory.hbot_unknown_settings(
        ["hummingbot_bot", "monitoring_alert_webhook", "hummingbot_bots", "ansible_host", "bots_vault"], ROLES
    )
    assert errors == [
        "hummingbot_bot: no role has such a setting; did you mean hummingbot_bots? "
        "(see roles/*/meta/argument_specs.yml)",
        "monitoring_alert_webhook: no role has such a setting; did you mean monitoring_alert_webhooks? "
        "(see roles/*/meta/argument_specs.yml)",
    ]


def test_every_documented_and_default_setting_is_known():
    known = set(inventory.known_settings(ROLES))
    for role in ("hardening", "docker", "hummingbot", "monitoring"):
        defaults = yaml.safe_load((REPO / "roles" / role / "defaults" / "main.yml").read_text())
        assert set(defaults) <= known
    assert inventory.hbot_unknown_settings(sorted(known), ROLES) == []


def test_the_untouched_example_inventory_has_every_placeholder_named():
    settings = {}
    for path in sorted((PRODUCTION / "group_vars" / "all").glob("*.yml*")):
        settings.update(yaml.safe_load(path.read_text()))
    hosts = yaml.safe_load((PRODUCTION / "hosts.yml").read_text())
    settings["ansible_host"] = hosts["all"]["children"]["vps"]["hosts"]["mm-vps-1"]["ansible_host"]
    errors = inventory.hbot_placeholders(settings)
    named = {error.split(":")[0] for error in errors}
    assert {
        "ansible_host",
        "hardening_admin_authorized_keys[0]",
        "vault_hummingbot_config_password",
        "vault_hummingbot_credentials.bitget_main.api_key",
        "vault_monitoring_telegram_bot_token",
        "vault_monitoring_telegram_chat_id",
    } <= named
    secret = settings["vault_hummingbot_config_password"]
    assert all(secret not in error for error in errors)  # named, never echoed


def test_real_values_pass():
    assert inventory.hbot_placeholders(
        {"ansible_host": "198.18.0.7", "vault_x": {"key": "a-real-secret-1234"}, "hummingbot_cpus": 1.0}
    ) == []


def test_an_unencrypted_vault_file_is_refused(tmp_path):
    shutil.copytree(PRODUCTION, tmp_path / "mine")
    vault = tmp_path / "mine" / "group_vars" / "all" / "vault.yml"
    shutil.copy(vault.with_name("vault.yml.example"), vault)
    errors = inventory.hbot_unencrypted_vaults(str(tmp_path / "mine"))
    assert errors == [
        f"group_vars/all/vault.yml: not encrypted; run ansible-vault encrypt {vault} first"
    ]
    vault.write_text("$ANSIBLE_VAULT;1.1;AES256\n6162\n")
    assert inventory.hbot_unencrypted_vaults(str(tmp_path / "mine")) == []
