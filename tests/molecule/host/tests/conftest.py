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


@pytest.fixture(scope="session")
def scanner_login(scanner):
    """Log in from the scanner as the admin: with the admin's key ("admin"), or with a key no VPS knows
    ("stranger"). The admin key is the sandbox's own, generated on this machine."""
    sandboxctl.run("docker", "cp", str(KEY), f"{scanner}:/root/admin_key", capture=True)
    sandboxctl.run("docker", "exec", scanner, "sh", "-c",
                   "chmod 600 /root/admin_key && ssh-keygen -q -t ed25519 -N '' -f /root/stranger_key",
                   capture=True)

    def login(address: str, key: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "exec", scanner, "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
             "-o", "LogLevel=ERROR", "-i", f"/root/{key}_key", f"{sandboxctl.ADMIN_USER}@{address}", "true"],
            capture_output=True, text=True, timeout=60,
        )

    return login


SECOND_NETWORK = f"{sandboxctl.NETWORK}-second"


@pytest.fixture(scope="session")
def second_network():
    """A second network, as a provider's private network or a VPN adds, with a prober (nping) on it.
    Its subnet cannot collide with the VPS's own Docker networks (172.17.0.0/16 and up)."""
    remove_second_network()
    sandboxctl.run("docker", "network", "create", "--label", sandboxctl.LABEL, "--subnet", "10.213.0.0/24",
                   SECOND_NETWORK, capture=True)
    try:
        with sandboxctl.scanner("hbot-sandbox-prober", network=SECOND_NETWORK) as prober:
            yield prober
    finally:
        remove_second_network()


def remove_second_network() -> None:
    """Also what an interrupted run left: the prober, and VPSes still attached."""
    sandboxctl.run("docker", "rm", "-f", "hbot-sandbox-prober", check=False, capture=True)
    attached = subprocess.run(["docker", "network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}",
                               SECOND_NETWORK], capture_output=True, text=True).stdout.split()
    for container in attached:
        sandboxctl.run("docker", "network", "disconnect", "-f", SECOND_NETWORK, container, check=False,
                       capture=True)
    sandboxctl.run("docker", "network", "rm", SECOND_NETWORK, check=False, capture=True)


@pytest.fixture
def second_interface(outside, second_network):
    """This VPS attached to the second network (its eth1); detached afterwards. Yields the prober, and
    the VPS's address and MAC on that network."""
    sandboxctl.run("docker", "network", "connect", SECOND_NETWORK, outside.container, capture=True)
    try:
        field = f'{{{{(index .NetworkSettings.Networks "{SECOND_NETWORK}")'
        address = sandboxctl.out("docker", "inspect", "-f", field + ".IPAddress}}", outside.container)
        mac = sandboxctl.out("docker", "inspect", "-f", field + ".MacAddress}}", outside.container)
        yield second_network, address, mac
    finally:
        sandboxctl.run("docker", "network", "disconnect", SECOND_NETWORK, outside.container, check=False,
                       capture=True)
