"""A bad inventory fails in preflight, names the variable, and leaves the host as it was.

Runs site.yml against a fresh (never converged) sandbox VPS, so any task that slipped past
preflight would change it: packages, users, sshd, firewall. The cases run in one site.yml run, each as
an inventory host of its own (an alias of that VPS, the case's variables in its host_vars): each host
must fail on its own input alone, as each VPS of a real inventory does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from preflight_harness import host_fingerprint, run_cases, run_playbook, sandboxctl

HOST = "badinput"
PORT = 2311
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBadInputKeyThatNobodyHoldsxxxxxxxxxxxxxxxxxxx x@y"
MONITORING_SERVICES = ("prometheus", "alertmanager", "node_exporter", "exporter", "cadvisor", "grafana")

# (case id, extra vars, the variable the error must name)
CASES = [
    ("no-admin-key", {"hardening_admin_authorized_keys": []}, "hardening_admin_authorized_keys"),
    ("admin-key-not-ours", {"hardening_admin_authorized_keys": [OTHER_KEY]},
     "hardening_admin_authorized_keys"),
    ("port-out-of-range", {"hardening_ssh_port": 70000}, "hardening_ssh_port"),
    ("port-wrong-type", {"hardening_ssh_port": "twenty-two"}, "hardening_ssh_port"),
    ("unknown-docker-source", {"docker_install_source": "snap"}, "docker_install_source"),
    ("root-as-admin", {"hardening_admin_user": "root"}, "hardening_admin_user"),
    ("no-ssh-groups", {"hardening_ssh_allow_groups": []}, "hardening_ssh_allow_groups"),
    ("reboot-time", {"hardening_unattended_upgrades_reboot_time": "25:00"},
     "hardening_unattended_upgrades_reboot_time"),
    ("forwarding-off", {"hardening_sysctl_overrides": {"net.ipv4.ip_forward": 0}},
     "hardening_sysctl_overrides"),
    ("firewall-port", {"hardening_firewall_allowed_tcp_ports": [0]}, "hardening_firewall_allowed_tcp_ports"),
    ("docker-log-size", {"docker_log_max_size": "huge"}, "docker_log_max_size"),
    ("docker-group-type", {"docker_admin_in_docker_group": "maybe"}, "docker_admin_in_docker_group"),
    # Checked before anything changes, like every other input: ports, receivers, misspelt settings.
    ("monitoring-port-clash", {"monitoring_alertmanager_port": 9090}, "monitoring_alertmanager_port"),
    ("monitoring-port-range", {"monitoring_prometheus_port": 70000}, "monitoring_prometheus_port"),
    ("monitoring-port-is-ssh", {"monitoring_prometheus_port": 22}, "monitoring_prometheus_port"),
    ("webhook-without-scheme", {"monitoring_alert_webhooks": [{"url": "alerts.example.org/hook"}]},
     "monitoring_alert_webhooks[].url"),
    ("telegram-handle",
     {"monitoring_alert_telegram": {"bot_token": "123456789:" + "A" * 35, "chat_id": "@me"}},
     "monitoring_alert_telegram.chat_id"),
    ("monitoring-memory-unit",
     {"monitoring_limits": {s: {"cpus": 1, "memory": "1 GB", "pids": 64} for s in MONITORING_SERVICES}},
     "monitoring_limits"),
    ("monitoring-limits-missing-service",
     {"monitoring_limits": {"prometheus": {"cpus": 1, "memory": "1g", "pids": 64}}}, "monitoring_limits"),
    ("healthcheck-too-often", {"monitoring_healthcheck_interval": "5s"}, "monitoring_healthcheck_interval"),
    ("misspelt-setting", {"hummingbot_bot": []}, "hummingbot_bot: no role has such a setting; did you mean"),
]

@pytest.fixture(scope="module")
def inventory(tmp_path_factory) -> Path:
    hosts = sandboxctl.up([(HOST, PORT)], "bookworm")
    path = tmp_path_factory.mktemp("inventory") / "hosts.yml"
    sandboxctl.write_inventory(path, hosts)
    group_vars = path.parent / "group_vars" / "vps"
    group_vars.mkdir(parents=True)
    public_key = (sandboxctl.STATE / "id_ed25519.pub").read_text().strip()
    (group_vars / "main.yml").write_text(json.dumps({
        "hardening_admin_authorized_keys": [public_key],
        "docker_install_source": "distribution",
        # The later layers' inputs must be valid too (site.yml checks every layer first): no bots,
        # and no Grafana, whose admin password would otherwise be a required secret.
        "monitoring_grafana_enabled": False,
    }))
    yield path
    sandboxctl.down([HOST])


@pytest.fixture(scope="module")
def bad(inventory):
    """Every case in one site.yml run, each on a host of its own."""
    return run_cases(inventory, PORT, "site.yml", {case: variables for case, variables, _ in CASES})


@pytest.mark.parametrize(("case", "variable"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_in_preflight_and_changes_nothing(bad, case, variable):
    bad.assert_failed_alone(case, variable)


def test_good_input_passes_preflight(inventory):
    """The fixture's inventory itself is valid: the preflight play succeeds (run with --tags preflight)."""
    result = run_playbook(inventory, "site.yml", None, "--tags", "preflight")
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_private_key_given_as_the_admin_key_is_refused_and_never_shown(inventory):
    body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    marker = "OPENSSH " + "PRIVATE KEY"  # split, so the file itself holds no key block
    pasted = f"-----BEGIN {marker}-----\n{body}\n-----END {marker}-----"
    result = run_playbook(inventory, "site.yml", {"hardening_admin_authorized_keys": [pasted]})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "hardening_admin_authorized_keys" in output and "(not shown)" in output, output[-3000:]
    assert body not in output


def test_a_bad_value_in_an_inventory_file_is_named_with_its_file_and_line(inventory):
    """The roles' preflight knows the variable; the inventory's plain files say where it is set."""
    bad = inventory.parent / "group_vars" / "vps" / "logs.yml"
    bad.write_text("---\n# Docker's log files per container\ndocker_log_max_file: 0\n")
    try:
        before = host_fingerprint(PORT)
        result = run_playbook(inventory, "site.yml")
    finally:
        bad.unlink()
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    named = "docker_log_max_file (set in group_vars/vps/logs.yml:3): must be at least 1"
    assert named in output, output[-3000:]
    assert host_fingerprint(PORT) == before
