"""A bad inventory fails in preflight, names the variable, and leaves the host as it was.

Runs site.yml against a fresh (never converged) sandbox VPS, so any task that slipped past
preflight would change it: packages, users, sshd, firewall.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "sandbox"))

import sandboxctl  # noqa: E402

HOST = "badinput"
PORT = 2311
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBadInputKeyThatNobodyHoldsxxxxxxxxxxxxxxxxxxx x@y"

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
]

# Everything a converge would touch: files under these trees, installed packages, users, firewall.
FINGERPRINT = r"""
find /etc /home /root /usr/local /var/lib/dpkg/info -xdev -path /home/ops/.ansible -prune -o \
     -printf '%p %s %T@ %m %u\n' 2>/dev/null | sort | sha256sum
dpkg-query -W | sha256sum
getent passwd | sha256sum
iptables -S 2>/dev/null | sha256sum
"""


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
    }))
    yield path
    sandboxctl.down([HOST])


def fingerprint() -> str:
    result = subprocess.run(
        ["ssh", *sandboxctl.ssh_options(sandboxctl.STATE / "id_ed25519"), "-p", str(PORT),
         f"{sandboxctl.ADMIN_USER}@127.0.0.1", "sudo", "sh", "-c", FINGERPRINT],
        capture_output=True, text=True, check=True, timeout=120,
    )
    return result.stdout


def converge(inventory: Path, extra_vars: dict) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory),
         str(REPO / "playbooks" / "site.yml"), "-e", json.dumps(extra_vars)],
        capture_output=True, text=True, env=env, timeout=600,
    )


@pytest.mark.parametrize(("extra_vars", "variable"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_in_preflight_and_changes_nothing(inventory, extra_vars, variable):
    before = fingerprint()
    result = converge(inventory, extra_vars)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    failure = output[output.find("fatal:"):] if "fatal:" in output else output
    assert variable in failure, f"the error does not name {variable}:\n{failure[-3000:]}"
    recap = re.search(rf"^{HOST}\s*:.*changed=(\d+)", output, re.M)
    assert recap and recap.group(1) == "0", output[-3000:]
    assert fingerprint() == before, f"the host changed although preflight failed on {variable}"


def test_good_input_passes_preflight(inventory):
    """The fixture's inventory itself is valid: the preflight play succeeds (run with --tags preflight)."""
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory),
         str(REPO / "playbooks" / "site.yml"), "--tags", "preflight"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
