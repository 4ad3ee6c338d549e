"""Shared by the bad-input suites: run a playbook against a fresh sandbox VPS, once or once for many cases
(each a host of its own), and fingerprint the VPS."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
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


@dataclass
class Batch:
    """One playbook run over many cases: what each case's host printed and changed."""

    output: str
    returncode: int
    failures: dict[str, str] = field(default_factory=dict)  # host -> its fatal/failed records, reflowed
    recaps: dict[str, str] = field(default_factory=dict)  # host -> its PLAY RECAP line
    host_changed: bool = False  # the VPS's fingerprint differs after the run

    def count(self, host: str, what: str) -> int | None:
        """`changed`, `failed`, ... from the host's recap line; None when the host has none."""
        found = re.search(rf"\b{what}=(\d+)", self.recaps.get(host, ""))
        return int(found.group(1)) if found else None

    def assert_failed_alone(self, host: str, *named: str) -> None:
        """The run failed, `host`'s own failure names each of `named`, and nothing changed."""
        assert self.returncode != 0, self.output[-3000:]
        failure = self.failures.get(host, "")
        for text in named:
            assert text in failure, f"{host}'s error lacks {text}:\n{(failure or self.output)[-3000:]}"
        others = set(re.findall(r"host_vars/([^/\s:]+)\.yml", failure)) - {host}
        assert not others, f"{host} failed on the input of {sorted(others)}, not its own:\n{failure[-3000:]}"
        assert self.count(host, "changed") == 0, self.output[-3000:]
        assert not self.host_changed, "the host changed although every case failed in preflight"


# A result record of Ansible's default output: "fatal: [host]: FAILED! => ...", "failed: [host] (item=...)",
# "fatal: [host -> localhost]: ..."; its indented lines follow it.
RECORD = re.compile(r"^(fatal|failed): \[([^\]\s]+)(?: -> [^\]]+)?\]")


def run_cases(inventory: Path, port: int, playbook: str, cases: dict[str, dict], *extra: str,
              timeout: int = 900) -> Batch:
    """Run `playbook` once for all `cases`: each case is an inventory host of its own, an alias of the
    inventory's one VPS, with the case's variables as its host_vars (over the inventory's group_vars).

    Why: one `ansible-playbook` start, one payload build per module and one play per layer, instead of
    one of each per case (50 runs cost integration about 160 CPU-s). Each host still fails or passes on
    its own variables alone, as each VPS of a real inventory does. The VPS (on `port`) is fingerprinted
    before and after (`host_changed`).
    """
    folder = Path(tempfile.mkdtemp(prefix=f"{Path(playbook).stem}-", dir=inventory.parent.parent))
    if (inventory.parent / "group_vars").is_dir():
        shutil.copytree(inventory.parent / "group_vars", folder / "group_vars")
    (folder / "host_vars").mkdir()
    for name, variables in cases.items():
        (folder / "host_vars" / f"{name}.yml").write_text(json.dumps(variables, indent=1) + "\n")
    sandboxctl.write_inventory(folder / "hosts.yml", [{"name": name, "port": port} for name in cases])
    before = host_fingerprint(port)
    # At most 5 at once: the aliases share one SSH connection, and sshd serves 10 sessions on it.
    result = run_playbook(folder / "hosts.yml", playbook, None, "--forks", "5", *extra, timeout=timeout)
    output = result.stdout + result.stderr
    batch = Batch(output, result.returncode, host_changed=host_fingerprint(port) != before)
    record = None
    for line in output.splitlines():
        if line[:1].strip():  # a line that starts a new record
            match = RECORD.match(line)
            record = match.group(2) if match else None
        if record:  # reflowed: Ansible's YAML output wraps long messages at spaces
            batch.failures[record] = batch.failures.get(record, "") + " " + " ".join(line.split())
    for name in cases:
        recap = re.search(rf"^{re.escape(name)}\s*:.*$", output, re.M)
        if recap:
            batch.recaps[name] = recap.group(0)
    return batch
