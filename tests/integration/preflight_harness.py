"""Shared by the bad-input suites: run a playbook against a fresh sandbox VPS and fingerprint it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "sandbox"))

import sandboxctl  # noqa: E402

# Everything a converge would touch: files, packages, users, firewall.
FINGERPRINT = r"""
find /etc /home /root /opt /usr/local /var/lib/dpkg/info -xdev -path /home/ops/.ansible -prune -o \
     -printf '%p %s %T@ %m %u\n' 2>/dev/null | sort | sha256sum
dpkg-query -W | sha256sum
getent passwd | sha256sum
iptables -S 2>/dev/null | sha256sum
"""


def host_fingerprint(port: int) -> str:
    """A digest of the host's files, packages, users and firewall, read over SSH."""
    result = subprocess.run(
        ["ssh", *sandboxctl.ssh_options(sandboxctl.STATE / "id_ed25519"), "-p", str(port),
         f"{sandboxctl.ADMIN_USER}@127.0.0.1", "sudo", "sh", "-c", FINGERPRINT],
        capture_output=True, text=True, check=True, timeout=120,
    )
    return result.stdout


def run_playbook(inventory: Path, playbook: str, variables: dict | None = None, *extra: str,
                 timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory),
               str(REPO / "playbooks" / playbook)]
    if variables is not None:
        command += ["-e", json.dumps(variables)]
    return subprocess.run([*command, *extra], capture_output=True, text=True, env=env, timeout=timeout)
