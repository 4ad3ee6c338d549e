"""Fixtures for checking the bots layer on a sandbox VPS."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = "/opt/hbot"
BOT = "bot1"
CONTAINER = f"hbot-{BOT}"
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


# What nested runc now and then answers a `docker exec` on a loaded machine, before the command runs (seen
# once in 55 tests: "exec failed: unable to start container process: ... read init-p: connection reset by
# peer"). Only that is tried again; any failure of the command itself fails the test.
EXEC_NOT_STARTED = "OCI runtime exec failed"


def in_bot(bot: Bot, script: str, detach: bool = False) -> str:
    """Python inside the bot's running container (Hummingbot's own packages, its live data/)."""
    command = f"docker exec {'-d ' if detach else ''}{bot.container} " + python_command(PYTHON, script)
    for _ in range(2):
        with bot.host.sudo():
            done = bot.host.run(command)
        if not (done.rc == 126 and EXEC_NOT_STARTED in done.stdout + done.stderr):
            break
        time.sleep(2)
    assert done.rc == 0, f"{command[:120]}...: exit {done.rc}\n{done.stdout}{done.stderr}"
    return done.stdout.rstrip("\r\n")  # as check_output returns it


# --- Driving the playbooks as an operator does ---------------------------------------------------

REPO = Path(__file__).resolve().parents[4]
SCENARIO = Path(__file__).resolve().parents[1]
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
    host_vars = yaml.safe_load((SCENARIO / "host_vars" / "molecule-bots.yml").read_text())
    return copy.deepcopy(host_vars["hummingbot_bots"])


def play(playbook: str, timeout: float = 1500, **extra_vars) -> PlayResult:
    """ansible-playbook against the scenario's host, with the scenario's inventory and environment."""
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
