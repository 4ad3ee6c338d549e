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


def defined_names(root: Path) -> list[str]:
    """The variables Ansible would define from the inventory's plain files (what the task passes)."""
    names = set()
    for path in (root / "group_vars").rglob("*.yml"):
        names.update(yaml.safe_load(path.read_text()) or {})
    return sorted(names)


def test_the_untouched_copy_names_every_placeholder_and_every_missing_secret(tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(PRODUCTION, mine)
    errors = inventory.hbot_inventory_problems(str(mine), defined_names(mine), {})
    joined = "\n".join(errors)
    host = "all.children.vps.hosts.mm-vps-1.ansible_host"
    assert f"hosts.yml:9: {host}: 203.0.113.10 is a documentation address" in joined
    key = "hardening_admin_authorized_keys[0]"
    assert f"group_vars/all/main.yml:4: {key}: still the example's placeholder" in joined
    for secret in (
        "vault_hummingbot_config_password",
        "vault_hummingbot_credentials",
        "vault_monitoring_telegram_bot_token",
    ):
        assert f"{secret} is not defined; put it in group_vars/all/vault.yml" in joined, secret


def test_the_example_vault_copied_unedited_is_named_field_by_field_never_by_value(tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(PRODUCTION, mine)
    example = (mine / "group_vars/all/vault.yml.example").read_text()
    (mine / "group_vars/all/vault.yml").write_text(example)
    errors = inventory.hbot_inventory_problems(str(mine), defined_names(mine), {})
    fields = {error.split(": ")[1] for error in errors if error.startswith("group_vars/all/vault.yml:")}
    assert {
        "vault_hummingbot_config_password",
        "vault_hummingbot_credentials.bitget_main.api_key",
        "vault_hummingbot_credentials.bitget_main.passphrase",
        "vault_monitoring_telegram_bot_token",
        "vault_monitoring_telegram_chat_id",
    } <= fields
    assert not any("is not defined" in error for error in errors)
    secret = yaml.safe_load(example)["vault_hummingbot_config_password"]
    assert all(secret not in error for error in errors)


def test_placeholders_inside_an_encrypted_vault_are_named_by_variable():
    vault = {"vault_x": {"key": "replace-me"}, "vault_y": "a-real-secret-1234"}
    errors = inventory.hbot_inventory_problems(str(REPO / "inventories" / "sandbox"), [], vault)
    assert "vault_x.key (vault): still the example's placeholder; replace it with your own" in errors
    assert not any(error.startswith("vault_y") for error in errors)


def test_a_vault_value_read_through_another_variable_is_not_taken_for_a_vault_variable(tmp_path):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text('x: "{{ bots_vault.vault_secret }}"\n')
    assert inventory.hbot_inventory_problems(str(tmp_path), ["x"], {}) == []


def test_the_sandbox_inventory_passes():
    sandbox = REPO / "inventories" / "sandbox"
    assert inventory.hbot_inventory_problems(str(sandbox), defined_names(sandbox), {}) == []


def test_an_unencrypted_vault_file_is_refused(tmp_path):
    shutil.copytree(PRODUCTION, tmp_path / "mine")
    vault = tmp_path / "mine" / "group_vars" / "all" / "vault.yml"
    shutil.copy(vault.with_name("vault.yml.example"), vault)
    errors = inventory.hbot_unencrypted_vaults(str(tmp_path / "mine"))
    assert errors == [f"group_vars/all/vault.yml: not encrypted; run ansible-vault encrypt {vault} first"]
    vault.write_text("$ANSIBLE_VAULT;1.1;AES256\n6162\n")
    assert inventory.hbot_unencrypted_vaults(str(tmp_path / "mine")) == []


def test_a_private_key_pasted_in_a_plain_file_is_named_never_shown(tmp_path):
    (tmp_path / "group_vars").mkdir()
    body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    marker = "OPENSSH " + "PRIVATE KEY"  # split, so the file itself holds no key block
    pasted = f"-----BEGIN {marker}-----\n{body}\n-----END {marker}-----\n"
    settings = {"hardening_admin_authorized_keys": [pasted]}
    (tmp_path / "group_vars" / "all.yml").write_text(yaml.safe_dump(settings))
    errors = inventory.hbot_inventory_problems(str(tmp_path), ["hardening_admin_authorized_keys"], {})
    assert len(errors) == 1 and "hardening_admin_authorized_keys[0]: holds a private key" in errors[0]
    assert body not in errors[0]


def test_a_roles_preflight_message_can_say_where_the_inventory_sets_the_variable(tmp_path):
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "host_vars" / "vps1").mkdir(parents=True)
    (tmp_path / "group_vars" / "all" / "ssh.yml").write_text("---\n# port\nhardening_ssh_port: 70000\n")
    (tmp_path / "host_vars" / "vps1" / "main.yml").write_text(
        "docker_log_max_file: 3\nhardening_ssh_port: 2222\n"
    )
    (tmp_path / "host_vars" / "vps1" / "vault.yml").write_text("$ANSIBLE_VAULT;1.1;AES256\n6162\n")
    assert (
        inventory.hbot_set_at("hardening_ssh_port", str(tmp_path))
        == " (set in group_vars/all/ssh.yml:3, host_vars/vps1/main.yml:2)"
    )
    assert inventory.hbot_set_at("docker_install_source", str(tmp_path)) == ""  # a default or an extra var
    assert inventory.hbot_set_at("hardening_ssh_port", "") == ""  # no inventory folder (ad hoc runs)


def test_a_value_from_elsewhere_names_no_inventory_file(tmp_path):
    """Given the value in use, only the files that wrote it are named: an extra var overriding the inventory
    must not send the operator to a file whose value is fine."""
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(
        "monitoring_alert_for: {BotDown: 10s}\nhardening_ssh_port: 22\n"
        'monitoring_retention: "{{ keep }}"\nhbot_token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n'
    )
    where = str(tmp_path)
    assert inventory.hbot_set_at("monitoring_alert_for", where, {"BotDwn": "10s"}) == ""  # an extra var
    assert (
        inventory.hbot_set_at("monitoring_alert_for", where, {"BotDown": "10s"})
        == " (set in group_vars/all.yml:1)"
    )
    assert inventory.hbot_set_at("hardening_ssh_port", where, 22) == " (set in group_vars/all.yml:2)"
    assert inventory.hbot_set_at("hardening_ssh_port", where, 2222) == ""
    # What the file cannot tell (a template, a vault value) may be the value in use: named.
    assert inventory.hbot_set_at("monitoring_retention", where, "1x") == " (set in group_vars/all.yml:3)"
    assert inventory.hbot_set_at("hbot_token", where, "anything") == " (set in group_vars/all.yml:4)"
    (tmp_path / "group_vars" / "all.yml").write_text(
        'hummingbot_bots: [{name: bot1, credentials: {api_key: "{{ vault_key }}"}}]\n'
    )
    inventory._top_level_keys.cache_clear()
    rendered = [{"name": "bot1", "credentials": {"api_key": "k"}}]
    assert inventory.hbot_set_at("hummingbot_bots", where, rendered) == " (set in group_vars/all.yml:1)"
