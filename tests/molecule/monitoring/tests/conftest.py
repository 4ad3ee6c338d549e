"""Fixtures for checking the monitoring layer on a sandbox VPS: over SSH, and from a second machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO / "sandbox"))

import sandboxctl  # noqa: E402

PROJECT = "hbot-monitoring"
ALERTS_FILE = "/var/lib/alert-sink/alerts.jsonl"  # what sandbox/alert_sink.yml's receiver wrote
FETCH = (
    "import sys, urllib.request;"
    " sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())"
)


class Stack:
    """The monitoring project on one host, seen over SSH as the operator sees it."""

    def __init__(self, host) -> None:
        self.host = host
        variables = host.ansible.get_variables()
        self.name = variables["inventory_hostname"]
        self.port = int(variables["ansible_port"])

    def get(self, url: str) -> str:
        """GET a loopback URL on the host (the host's python3 fetches it, over SSH; no curl there)."""
        result = self.host.run("python3 -c %s %s", FETCH, url)
        assert result.rc == 0, f"GET {url}: {result.stderr}"
        return result.stdout

    def api(self, path: str, port: int = 9090) -> dict:
        return json.loads(self.get(f"http://127.0.0.1:{port}{path}"))

    def query(self, promql: str) -> dict:
        import urllib.parse

        return self.api("/api/v1/query?query=" + urllib.parse.quote(promql))

    def containers(self) -> list[dict]:
        with self.host.sudo():
            out = self.host.check_output(
                "docker ps -a --filter label=com.docker.compose.project=%s --format '{{json .}}'", PROJECT
            )
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def started_at(self, service: str) -> str:
        return inspect(self.host, f"{PROJECT}-{service}-1", "{{.State.StartedAt}}")

    def wait_for(
        self, predicate, timeout: float = 90, every: float = 3, what: str = "condition", explain=None
    ):
        """`predicate`'s first truthy answer; past `timeout`, fail with its last one and, when given,
        what `explain()` says about the state it was waiting on."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(every)
        detail = f"\n{explain()}" if explain else ""
        pytest.fail(f"{self.name}: {what} not met within {timeout}s (last: {last!r}){detail}")


def inspect(host, container: str, template: str) -> str:
    """One field of `docker inspect` on the host, by Go template."""
    with host.sudo():
        return host.check_output("docker inspect -f %s %s", template, container)


def sink_entries(host) -> list[dict]:
    """Every POST the test's webhook receiver got, oldest first: {"received": its clock, "body": the JSON}."""
    with host.sudo():
        result = host.run("cat %s", ALERTS_FILE)
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def run_playbook(playbook: str, *extra: str) -> subprocess.CompletedProcess:
    """Run one of the project's playbooks against molecule's inventory, as an operator would."""
    inventory = Path(os.environ["MOLECULE_INVENTORY_FILE"]).parent
    return subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(REPO / "playbooks" / playbook), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )


@pytest.fixture
def stack(host) -> Stack:
    return Stack(host)


@pytest.fixture(scope="session")
def scanner() -> str:
    """A second machine on the sandbox network (nmap, curl), named for this scenario only."""
    with sandboxctl.scanner("hbot-sandbox-mon-scanner") as name:
        yield name
