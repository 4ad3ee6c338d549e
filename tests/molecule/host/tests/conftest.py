"""Fixtures for checking a sandbox VPS from outside: over SSH, and from a second machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO / "sandbox"))

import sandboxctl  # noqa: E402

STATE = Path(os.environ.get("HBOT_SANDBOX_STATE", REPO / "inventories" / "sandbox" / ".state"))
KEY = STATE / "id_ed25519"


class Outside:
    """One sandbox host as the network sees it."""

    def __init__(self, host) -> None:
        self.host = host
        variables = host.ansible.get_variables()
        self.name = variables["inventory_hostname"]
        self.port = int(variables["ansible_port"])
        self.container = sandboxctl.container(self.name)

    def ssh(self, *command: str, user: str = "ops") -> subprocess.CompletedProcess:
        """A fresh SSH connection (no multiplexing), as a new client would make."""
        return subprocess.run(
            ["ssh", *sandboxctl.ssh_options(KEY), "-o", "ControlPath=none", "-p", str(self.port),
             f"{user}@127.0.0.1", *command],
            capture_output=True, text=True, timeout=60,
        )

    @staticmethod
    def wait_out_rate_limit() -> None:
        """ufw `limit` drops a source after 6 new connections in 30 s, and every dropped attempt
        counts again; so stay quiet for the whole window."""
        time.sleep(31)

    def wait_for_ssh(self, timeout: float = 120) -> None:
        """After a burst (ssh-audit's rate test), wait the window out, then probe every 10 s."""
        deadline = time.monotonic() + timeout
        self.wait_out_rate_limit()
        while time.monotonic() < deadline:
            if self.ssh("true").returncode == 0:
                return
            time.sleep(10)
        pytest.fail(f"{self.name}: no SSH login within {timeout}s")

    def network_address(self) -> str:
        return sandboxctl.out("docker", "inspect", "-f",
                              f'{{{{(index .NetworkSettings.Networks "{sandboxctl.NETWORK}").IPAddress}}}}',
                              self.container)

    def passwords(self) -> dict[str, str]:
        import json

        return json.loads((STATE / f"{self.name}.passwords.json").read_text())


@pytest.fixture
def outside(host) -> Outside:
    return Outside(host)


@pytest.fixture(scope="session")
def scanner() -> str:
    """A second machine on the sandbox network, with nmap."""
    with sandboxctl.scanner("hbot-sandbox-scanner") as name:
        yield name
