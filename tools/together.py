#!/usr/bin/env python3
"""Run test stages side by side, each into its own log, and report them one after the other.

    python tools/together.py [--slots N [--fill SHARE [--fill-window SECONDS]]] NAME=COMMAND ...
    python tools/together.py [--slots N ...] TARGET [TARGET ...]      # each: make --no-print-directory TARGET

Each COMMAND runs through bash; at most N at once (all of them without --slots), started in the order
given as earlier ones end, so list the longest first. Its output goes to .cache/NAME.log (not
interleaved with the others). As each one ends, its log is printed whole with its exit code and wall
time. The machine's CPU use over the whole run is printed last (busy share of all cores from
/proc/stat, and the share the hypervisor took: steal), so the stage timings say whether the stages
waited on each other for CPU. Exit code: 0 when every command passed, else 1.

Why: alone, a live stage leaves the cores partly idle while it waits (bots booting, alert round trips,
bans expiring: integration alone kept 2 cores 54% busy), and stages side by side fill them. Slots, not
waves: a wave waits for its slowest stage while the cores idle (measured: 9-46% idle over each wave), a
slot is refilled as soon as a stage ends. Three VPS stages at once keep 2 cores 94% busy; more would
only stretch every stage (docs/ci-time.md).

--fill: when every slot is taken yet the cores were busy less than SHARE (0-1) over the last
--fill-window seconds (60), the next stage starts at once, and the run keeps that one extra slot to its
end. Three verifies that mostly wait (bans expiring, alert round trips, bots restarting) left 2 cores
43-76% busy for five minutes of a 33-minute run, while the next stage waited for one of them to end;
from the start, a fourth stage would only have slowed three converges that keep 2 cores 100% busy.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

LOGS = Path(".cache")
HEARTBEAT = 300  # seconds between "still running" lines
# Seconds between looks at the stages: a freed slot is refilled within it. The look is a few syscalls;
# at 2 s, the run's last stages and every test of this file waited on it.
POLL = 0.2
MOLECULE_STEP = re.compile(r"➜ \S+: \S.*")  # molecule's "scenario ➜ step: state" lines
FAILURES_SHOWN = 20  # summary lines repeated per failed stage
PROC_STAT = Path(os.environ.get("TOGETHER_PROC_STAT", "/proc/stat"))  # the unit tests point it elsewhere


def cpu_times() -> tuple[int, int, int]:
    """(busy, steal, total) jiffies of all cores since boot; zeros where /proc/stat is absent. Busy
    counts steal: time the hypervisor gave another guest is time these stages did not get."""
    try:
        fields = [int(x) for x in PROC_STAT.read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0, 0
    fields = fields[:8]  # guest and guest_nice are already counted in user and nice
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields) - idle, steal, sum(fields)


def last_line(name: str) -> str:
    """The stage's latest molecule step (if any) and its last non-empty line, without colour codes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", (LOGS / f"{name}.log").read_text(errors="replace"))
    steps = MOLECULE_STEP.findall(text)
    lines = [line.strip(" │") for line in text.splitlines() if line.strip(" │")]
    return " | ".join(([steps[-1][:80]] if steps else []) + [lines[-1][:120] if lines else "(no output yet)"])


def failures(name: str) -> list[str]:
    """The failed tests a stage's pytest summary names ("FAILED path::test - message"), so the run's last
    lines say what failed: a CI report that keeps only the tail of a long run lost them mid-log.
    Molecule's verifier boxes pytest's output and wraps it at 80 columns, so wrapped lines are joined."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", (LOGS / f"{name}.log").read_text(errors="replace"))
    found: list[str] = []
    inside = False
    for line in (raw.strip(" │") for raw in text.splitlines()):
        if "short test summary info" in line:
            inside = True
        elif inside and line.startswith("="):
            inside = line == "=" * len(line)  # the header's own wrapped tail, else the closing tally
        elif inside and line.startswith(("FAILED", "ERROR")):
            found.append(line)
        elif inside and found and line:
            found[-1] += (" " if found[-1] in ("FAILED", "ERROR") else "") + line
    return list(dict.fromkeys(found))[:FAILURES_SHOWN]


class IdleWatch:
    """Whether the cores were busy less than `below` (0-1) over the last `window` seconds."""

    def __init__(self, below: float, window: float):
        self.below, self.window = below, window
        self.samples: list[tuple[float, tuple[int, int, int]]] = []

    def idle(self) -> bool:
        now = time.monotonic()
        self.samples.append((now, cpu_times()))
        while len(self.samples) > 1 and now - self.samples[1][0] >= self.window:
            self.samples.pop(0)  # keep one sample at least `window` old: the share's start
        (then, before), (_, after) = self.samples[0], self.samples[-1]
        total = after[2] - before[2]
        return now - then >= self.window and total > 0 and (after[0] - before[0]) / total < self.below


def busy_share(before: tuple[int, int, int], after: tuple[int, int, int]) -> str:
    total = after[2] - before[2]
    if total <= 0:
        return "unknown"
    busy, steal = (100 * (after[i] - before[i]) / total for i in (0, 1))
    return f"{busy:.0f}% of all cores (steal {steal:.0f}%)"


def start(name: str, command: str) -> tuple[subprocess.Popen, object]:
    log = (LOGS / f"{name}.log").open("w")
    # stdin from /dev/null, as a shell gives its background jobs: Ansible refuses a non-blocking stdin.
    process = subprocess.Popen(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT)
    print(f"== {name}: started ({command})", flush=True)
    return process, log


def number(option: str, text: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        sys.exit(f"together.py: {option} takes a number from {low:g} to {high:g}, not {text!r}")
    return value


def parse(argv: list[str]) -> tuple[int, IdleWatch | None, list[list[str]]]:
    slots = 0
    if argv[:1] == ["--slots"]:
        if len(argv) < 2 or not argv[1].isdigit() or int(argv[1]) < 1:
            sys.exit("together.py: --slots takes a whole number of at least 1")
        slots, argv = int(argv[1]), argv[2:]
    fill, window = None, 60.0
    while argv[:1] in (["--fill"], ["--fill-window"]) and len(argv) > 1:
        if argv[0] == "--fill":
            fill = number("--fill", argv[1], 0, 1)
        else:
            window = number("--fill-window", argv[1], 1, 3600)
        argv = argv[2:]
    if fill is not None and not slots:
        sys.exit("together.py: --fill needs --slots (without it, every stage starts at once)")
    make = os.environ.get("MAKE", "make")
    jobs = [arg.split("=", 1) if "=" in arg else [arg, f"{make} --no-print-directory {arg}"] for arg in argv]
    if not jobs or any(not name or not command for name, command in jobs):
        sys.exit("usage: together.py [--slots N] NAME=COMMAND|TARGET ...")
    return slots or len(jobs), None if fill is None else IdleWatch(fill, window), jobs


def main(argv: list[str]) -> int:
    slots, watch, jobs = parse(argv)
    LOGS.mkdir(exist_ok=True)
    begin, cpu_start = time.monotonic(), cpu_times()
    waiting, running, failed = list(jobs), {}, []
    heartbeat = time.monotonic()
    while waiting or running:
        while waiting and len(running) < slots:
            name, command = waiting.pop(0)
            running[name] = start(name, command)
        if watch and waiting and len(running) == slots and watch.idle():
            slots += 1
            print(f"== the cores were under {watch.below:.0%} busy for {watch.window:.0f} s: {slots} slots"
                  " from now on", flush=True)
            watch = None
            continue
        if time.monotonic() - heartbeat >= HEARTBEAT:
            # A run killed at CI's time limit still says where each unfinished stage was.
            heartbeat = time.monotonic()
            for name in running:
                print(f"== {name}: running, {heartbeat - begin:.0f} s; last: {last_line(name)}", flush=True)
        for name, (process, log) in list(running.items()):
            if process.poll() is None:
                continue
            log.close()
            del running[name]
            text = (LOGS / f"{name}.log").read_text(errors="replace")
            print(text, end="" if text.endswith("\n") or not text else "\n", flush=True)
            print(f"== {name}: exit {process.returncode} after {time.monotonic() - begin:.0f} s", flush=True)
            if process.returncode:
                failed.append(name)
        time.sleep(POLL)
    print(f"== together ({', '.join(name for name, _ in jobs)}): {time.monotonic() - begin:.0f} s, "
          f"CPU busy {busy_share(cpu_start, cpu_times())}"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    for name in failed:
        for line in failures(name) or ["(no pytest summary in its log)"]:
            print(f"== {name}: {line}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
