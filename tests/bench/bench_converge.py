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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "sandbox"))

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


def converge(inventory: Path, playbook: str, *extra: str) -> dict:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    started = time.monotonic()
    command = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(REPO / "playbooks" / playbook), *extra]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"converge failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    recap = re.finditer(r"^(\S+)\s*:.*changed=(\d+)", result.stdout, re.M)
    changed = {m.group(1): int(m.group(2)) for m in recap}
    return {"seconds": round(seconds, 1), "changed": changed}


def markdown(figures: dict) -> str:
    def row(label: str, run: dict) -> str:
        return f"| {label} | {run['seconds']} | {sum(run['changed'].values())} |"

    goals = figures["goals"]
    return "\n".join([
        "# Host layer converge benchmark",
        "",
        f"`make bench` (tests/bench/bench_converge.py), {figures['date']}, {figures['cpus']} CPUs, "
        f"`playbooks/{figures['playbook']}` on Debian {figures['suite']} sandbox VPSes. "
        "Raw figures: `bench-host.json`.",
        "",
        "| run | seconds | changed tasks |",
        "|---|---:|---:|",
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
            figures["first_run"] = converge(one, args.playbook)
            figures["rerun"] = converge(one, args.playbook)
            figures["check_run"] = converge(one, args.playbook, "--check")
            four = write_inventory(Path(tmp) / "four", sandboxctl.up(fleet, args.suite))
            figures["four_hosts_first_run"] = converge(four, args.playbook)
        finally:
            sandboxctl.down([name for name, _ in single + fleet])

    first, rerun = figures["first_run"]["seconds"], figures["rerun"]["seconds"]
    figures["rerun_share_of_first"] = round(rerun / first, 3)
    figures["four_hosts_vs_one"] = round(figures["four_hosts_first_run"]["seconds"] / first, 2)
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
