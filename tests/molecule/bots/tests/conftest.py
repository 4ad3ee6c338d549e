"""Fixtures for checking the bots layer on a sandbox VPS."""

from __future__ import annotations

import json
import time

import pytest

ROOT = "/opt/hbot"
BOT = "bot1"
CONTAINER = f"hbot-{BOT}"


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
