#!/usr/bin/env python3
"""Converge timings for the host layer: a benchmark that prints figures, not a timed test.

1. One fresh sandbox VPS: site.yml first run, rerun, then a --check run (seconds and changed count).
2. Four fresh sandbox VPSes converged at once, against the single host's first run.

Goals: the rerun changes 0 tasks and takes <= 25% of the first run; 4 hosts take <= 2x one.
Writes docs/bench-host.json and docs/bench-host.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "sandbox"))

import sandboxctl  # noqa: E402

ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


def write_inventory(directory: Path, hosts: list[dict]) -> Path:
    inventory = directory / "hosts.yml"
    sandboxctl.write_inventory(inventory, hosts)
    group_vars = directory / "group_vars" / "vps"
    group_vars.mkdir(parents=True, exist_ok=True)
    public_key = (sandboxctl.STATE / "id_ed25519.pub").read_text().strip()
    (group_vars / "main.yml").write_text(
        json.dumps({"hardening_admin_authorized_keys": [public_key], "docker_install_source": "distribution"})
    )
    return inventory


def container_cpu_seconds(names: list[str]) -> float:
    """CPU time the sandbox containers (everything inside them) have used: cgroup v1 or v2."""
    total = 0.0
    for name in names:
        cid = subprocess.run(
            ["docker", "inspect", "-f", "{{.Id}}", sandboxctl.container(name)],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        v1 = Path(f"/sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage")
        v2 = next(Path("/sys/fs/cgroup").glob(f"**/*{cid}*/cpu.stat"), None)
        if v1.is_file():
            total += int(v1.read_text()) / 1e9
        elif v2 is not None:
            usage = re.search(r"^usage_usec (\d+)", v2.read_text(), re.M)
            total += int(usage.group(1)) / 1e6 if usage else 0.0
    return total


def controller_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def converge(inventory: Path, playbook: str, *extra: str, hosts: list[str]) -> dict:
    """One ansible-playbook run: wall seconds, changed tasks per host, CPU seconds it cost (sandbox
    containers + Ansible on the controller) and the machine's load average when it started."""
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    load = os.getloadavg()[0]
    cpu_before = container_cpu_seconds(hosts) + controller_cpu_seconds()
    started = time.monotonic()
    command = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(REPO / "playbooks" / playbook), *extra]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    cpu = container_cpu_seconds(hosts) + controller_cpu_seconds() - cpu_before
    if result.returncode != 0:
        sys.exit(f"converge failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    recap = re.finditer(r"^(\S+)\s*:.*changed=(\d+)", result.stdout, re.M)
    changed = {m.group(1): int(m.group(2)) for m in recap}
    return {
        "seconds": round(seconds, 1),
        "changed": changed,
        "cpu_seconds": round(cpu, 1),
        "load_average_at_start": round(load, 1),
    }


def markdown(figures: dict) -> str:
    def row(label: str, run: dict) -> str:
        return (
            f"| {label} | {run['seconds']} | {sum(run['changed'].values())} | {run['cpu_seconds']}"
            f" | {run['load_average_at_start']} |"
        )

    goals = figures["goals"]
    return "\n".join([
        "# Host layer converge benchmark",
        "",
        f"`make bench` (tests/bench/bench_converge.py), {figures['date']}, {figures['cpus']} CPUs, "
        f"`playbooks/{figures['playbook']}` on Debian {figures['suite']} sandbox VPSes. "
        "Raw figures: `bench-host.json`.",
        "",
        "| run | seconds | changed tasks | CPU seconds | load average at start |",
        "|---|---:|---:|---:|---:|",
        row("first run, 1 host", figures["first_run"]),
        row("rerun, 1 host", figures["rerun"]),
        row("--check, 1 host", figures["check_run"]),
        row("first run, 4 hosts at once", figures["four_hosts_first_run"]),
        "",
        f"- rerun / first run: {figures['rerun_share_of_first']:.0%} (goal <= 25%: "
        f"{'met' if goals['rerun_le_25pct_of_first'] else 'NOT met'}); rerun changed 0: "
        f"{'yes' if goals['rerun_changes_0'] else 'NO'}",
        f"- 4 hosts / 1 host: {figures['four_hosts_vs_one']}x (goal <= 2x: "
        f"{'met' if goals['four_hosts_le_2x_one'] else 'NOT met'})",
        f"- CPU floor for 4 hosts on {figures['cpus']} CPUs: 4 x {figures['first_run']['cpu_seconds']} CPU s"
        f" / {figures['cpus']} = {figures['four_hosts_cpu_floor_seconds']} s ="
        f" {figures['four_hosts_cpu_floor_vs_one']}x one host's wall time: no schedule of 4 first runs can"
        " beat that on this machine. CPU seconds = the sandbox containers' cgroup usage plus Ansible's"
        " own processes on the controller.",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suite", default="trixie")
    parser.add_argument("--playbook", default="site.yml", help="playbook under playbooks/ (default site.yml)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench-host.json")
    args = parser.parse_args()

    single = [("bench-1", 2321)]
    fleet = [(f"bench-{i}", 2321 + i) for i in range(2, 6)]
    figures: dict = {
        "suite": args.suite,
        "playbook": args.playbook,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        try:
            one = write_inventory(Path(tmp) / "one", sandboxctl.up(single, args.suite))
            one_host = [name for name, _ in single]
            figures["first_run"] = converge(one, args.playbook, hosts=one_host)
            figures["rerun"] = converge(one, args.playbook, hosts=one_host)
            figures["check_run"] = converge(one, args.playbook, "--check", hosts=one_host)
            four = write_inventory(Path(tmp) / "four", sandboxctl.up(fleet, args.suite))
            figures["four_hosts_first_run"] = converge(four, args.playbook, hosts=[name for name, _ in fleet])
        finally:
            sandboxctl.down([name for name, _ in single + fleet])

    first, rerun = figures["first_run"]["seconds"], figures["rerun"]["seconds"]
    figures["rerun_share_of_first"] = round(rerun / first, 3)
    figures["four_hosts_vs_one"] = round(figures["four_hosts_first_run"]["seconds"] / first, 2)
    cpus = figures["cpus"] or 1
    figures["four_hosts_cpu_floor_seconds"] = round(4 * figures["first_run"]["cpu_seconds"] / cpus, 1)
    figures["four_hosts_cpu_floor_vs_one"] = round(figures["four_hosts_cpu_floor_seconds"] / first, 2)
    figures["goals"] = {
        "rerun_changes_0": all(n == 0 for n in figures["rerun"]["changed"].values()),
        "rerun_le_25pct_of_first": figures["rerun_share_of_first"] <= 0.25,
        "four_hosts_le_2x_one": figures["four_hosts_vs_one"] <= 2.0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(figures))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
