#!/usr/bin/env python3
"""Run test stages side by side, each into its own log, and report them one after the other.

    python tools/together.py NAME=COMMAND [NAME=COMMAND ...]
    python tools/together.py TARGET [TARGET ...]      # each: make --no-print-directory TARGET

Each COMMAND runs through bash at once; its output goes to .cache/NAME.log (not interleaved with the
others). As each one ends, its log is printed whole with its exit code and wall time. The machine's CPU
use over the whole run is printed last (busy share of all cores, from /proc/stat), so the stage
timings say whether the stages waited on each other for CPU. Exit code: 0 when every command passed,
else 1.

Why: most of CI's wall time is spent waiting (bots booting, alert round trips, bans expiring), and on a
2-core machine a scenario that waits leaves a core idle for another one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

LOGS = Path(".cache")
HEARTBEAT = 300  # seconds between "still running" lines
MOLECULE_STEP = re.compile(r"➜ \S+: \S.*")  # molecule's "scenario ➜ step: state" lines


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot; (0, 0) where /proc/stat is absent."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def last_line(name: str) -> str:
    """The stage's latest molecule step (if any) and its last non-empty line, without colour codes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", (LOGS / f"{name}.log").read_text(errors="replace"))
    steps = MOLECULE_STEP.findall(text)
    lines = [line.strip(" │") for line in text.splitlines() if line.strip(" │")]
    return " | ".join(([steps[-1][:80]] if steps else []) + [lines[-1][:120] if lines else "(no output yet)"])


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> str:
    total = after[1] - before[1]
    return f"{100 * (after[0] - before[0]) / total:.0f}%" if total > 0 else "unknown"


def main(argv: list[str]) -> int:
    make = os.environ.get("MAKE", "make")
    jobs = [arg.split("=", 1) if "=" in arg else [arg, f"{make} --no-print-directory {arg}"] for arg in argv]
    if not jobs or any(not name or not command for name, command in jobs):
        sys.exit("usage: together.py NAME=COMMAND|TARGET ...")
    LOGS.mkdir(exist_ok=True)
    start, cpu_start = time.monotonic(), cpu_times()
    running = {}
    for name, command in jobs:
        log = (LOGS / f"{name}.log").open("w")
        # stdin from /dev/null, as a shell gives its background jobs: Ansible refuses a non-blocking stdin.
        process = subprocess.Popen(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
        running[name] = (process, log)
        print(f"== {name}: started ({command})", flush=True)
    failed = []
    heartbeat = time.monotonic()
    while running:
        if time.monotonic() - heartbeat >= HEARTBEAT:
            # A run killed at CI's time limit still says where each unfinished stage was.
            heartbeat = time.monotonic()
            for name in running:
                print(f"== {name}: running, {heartbeat - start:.0f} s; last: {last_line(name)}", flush=True)
        for name, (process, log) in list(running.items()):
            if process.poll() is None:
                continue
            log.close()
            del running[name]
            text = (LOGS / f"{name}.log").read_text(errors="replace")
            print(text, end="" if text.endswith("\n") or not text else "\n", flush=True)
            print(f"== {name}: exit {process.returncode} after {time.monotonic() - start:.0f} s", flush=True)
            if process.returncode:
                failed.append(name)
        time.sleep(2)
    print(f"== together ({', '.join(name for name, _ in jobs)}): {time.monotonic() - start:.0f} s, "
          f"CPU busy {busy_share(cpu_start, cpu_times())} of all cores"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
