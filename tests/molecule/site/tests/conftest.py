"""Fixtures for checking what site.yml delivers on one sandbox VPS: the bots as an operator inspects them
(sudo on the VPS), the monitoring project over SSH and from a second machine, and the playbooks run
against the scenario's inventory as an operator runs them."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[4]
SCENARIO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "sandbox"))

import sandboxctl  # noqa: E402

ROOT = "/opt/hbot"
BOT = "bot1"  # the live bot, with (fake) exchange keys: the operations tests change and upgrade it
PAPER_BOT = "bot2"  # paper-trading the flagship on the replayed market: it feeds the monitoring tests
PYTHON = "/opt/conda/envs/hummingbot/bin/python"  # the official image's conda env


class Bot:
    """One bot on the host, as an operator would inspect it (sudo on the VPS)."""

    def __init__(self, host, name: str = BOT):
        self.host = host
        self.name = name
        self.dir = f"{ROOT}/{name}"
        self.container = f"hbot-{name}"

    def sudo(self, command: str) -> str:
        with self.host.sudo():
            return self.host.check_output(command)

    def inspect(self) -> dict:
        return json.loads(self.sudo(f"docker inspect {self.container}"))[0]

    def read(self, relative: str) -> str:
        return self.sudo(f"cat {self.dir}/{relative}")

    def wait_for_log(self, relative: str, needle: str, timeout: float = 240) -> str:
        """The log file once it contains needle (the bot needs a while to boot on 2 shared cores)."""
        deadline = time.monotonic() + timeout
        content = ""
        while time.monotonic() < deadline:
            with self.host.sudo():
                content = self.host.run(f"cat {self.dir}/{relative}").stdout
            if needle in content:
                return content
            time.sleep(5)
        pytest.fail(f"{relative} of {self.name} has no {needle!r} after {timeout}s:\n{content[-3000:]}")


@pytest.fixture
def bot(host) -> Bot:
    return Bot(host)


def python_command(interpreter: str, script: str) -> str:
    """A shell command running script with no quoting to get wrong."""
    encoded = base64.b64encode(script.encode()).decode()
    return f"{interpreter} -c \"import base64; exec(base64.b64decode('{encoded}'))\""


def in_bot(bot: Bot, script: str, detach: bool = False) -> str:
    """Python inside the bot's running container (Hummingbot's own packages, its live data/)."""
    return bot.sudo(f"docker exec {'-d ' if detach else ''}{bot.container} " + python_command(PYTHON, script))


# --- Driving the playbooks as an operator does ---------------------------------------------------

RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+).*?failed=(?P<failed>\d+)", re.M
)


@dataclass
class PlayResult:
    rc: int
    output: str

    @property
    def changed(self) -> int:
        recaps = list(RECAP.finditer(self.output))
        assert recaps, f"no PLAY RECAP in the output:\n{self.output[-2000:]}"
        return sum(int(match["changed"]) for match in recaps)


def declared_bots() -> list[dict]:
    """The scenario's bots, exactly as its host_vars declare them (tests derive their changes from it)."""
    host_vars = yaml.safe_load((SCENARIO / "host_vars" / "molecule-site.yml").read_text())
    return copy.deepcopy(host_vars["hummingbot_bots"])


def play(playbook: str, timeout: float = 1500, **extra_vars) -> PlayResult:
    """ansible-playbook against the scenario's host, with the scenario's inventory and environment, as an
    operator runs it (extra_vars: each an -e of the operator's)."""
    command = [
        "ansible-playbook",
        "-i",
        os.environ["MOLECULE_INVENTORY_FILE"],
        str(REPO / "playbooks" / playbook),
    ]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    plain = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}  # the recap is parsed
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=plain)
    return PlayResult(done.returncode, done.stdout + done.stderr)


def started_at(bot: Bot, container: str | None = None) -> str:
    return json.loads(bot.sudo(f"docker inspect {container or bot.container}"))[0]["State"]["StartedAt"]


# --- The monitoring project, seen over SSH ---------------------------------------------------------

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

    def wait_for(self, predicate, timeout: float = 90, every: float = 3, what: str = "condition"):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(every)
        pytest.fail(f"{self.name}: {what} not met within {timeout}s (last: {last!r})")


def inspect(host, container: str, template: str) -> str:
    """One field of `docker inspect` on the host, by Go template."""
    with host.sudo():
        return host.check_output("docker inspect -f %s %s", template, container)


def sink_entries(host) -> list[dict]:
    """Every POST the test's webhook receiver got, oldest first: {"received": its clock, "body": the JSON}."""
    with host.sudo():
        result = host.run("cat %s", ALERTS_FILE)
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def stack(host) -> Stack:
    return Stack(host)


@pytest.fixture(scope="session")
def scanner() -> str:
    """A second machine on the sandbox network (nmap, curl), named for this scenario only."""
    with sandboxctl.scanner("hbot-sandbox-site-scanner") as name:
        yield name
