#!/usr/bin/env python
"""Container healthcheck: healthy only if the strategy clock ticked recently AND every connector is ready.

Reads logs/health.json, which scripts/hbot_v2_controllers.py rewrites every tick. The reason for an
unhealthy verdict is printed, so `docker inspect` shows it (e.g. an unreachable exchange).

    hbot_healthcheck.py [MAX_AGE]            healthy: started (below) and every connector ready
    hbot_healthcheck.py --started [MAX_AGE]  started: this container's Hummingbot logged in, runs the
                                             strategy (fresh heartbeat) and every controller RUNNING;
                                             the exchange may still be unreachable. The bots role's
                                             upgrade and restore wait for this.
"""

import argparse
import json
import sys
import time
from pathlib import Path

HEALTH = Path("/home/hummingbot/logs/health.json")


def start_ticks(pid: int) -> int | None:
    """Kernel start time of a process (field 22 of /proc/PID/stat), None if it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def written_by_a_live_process(health: dict) -> bool:
    """The heartbeat names its writer; a file left by an earlier container names a process that is
    gone (or a pid now held by another process). Heartbeats without a writer are taken as they are."""
    writer = health.get("process") or {}
    if "start_ticks" not in writer:
        return True
    return start_ticks(int(writer.get("pid", -1))) == writer["start_ticks"]


def verdict(health: dict, now: float, max_age: float, started_only: bool) -> tuple[bool, str]:
    """(ok, the line docker inspect shows) for one reading of logs/health.json."""
    if not written_by_a_live_process(health):
        return False, "unhealthy: no heartbeat yet from this container (health.json is from an earlier run)"
    age = now - float(health.get("updated", 0))
    if age > max_age:
        return False, f"unhealthy: strategy clock stalled, last heartbeat {age:.0f}s ago"
    controllers = health.get("controllers") or {}
    stopped = {cid: status for cid, status in controllers.items() if status != "RUNNING"}
    if started_only:
        if not controllers or stopped:
            return False, f"not started: controllers {controllers or 'not loaded yet'}"
        return True, f"started: heartbeat {age:.0f}s ago, controllers {controllers}"
    waiting = {name: c for name, c in health.get("connectors", {}).items() if not c.get("ready")}
    if waiting:
        since = health.get("not_ready_since") or now
        details = "; ".join(
            f"{name} network {c.get('network')} waiting for {', '.join(c.get('waiting_for', []))}"
            for name, c in waiting.items()
        )
        return False, f"unhealthy: exchange unreachable for {now - since:.0f}s: {details}"
    return True, f"healthy: heartbeat {age:.0f}s ago, connectors ready, controllers {controllers}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--started", action="store_true", help="strategy running; exchange not required")
    parser.add_argument("max_age", nargs="?", type=float, default=30.0, help="heartbeat freshness (s)")
    args = parser.parse_args(argv)
    try:
        health = json.loads(HEALTH.read_text())
    except (OSError, ValueError) as error:
        print(f"unhealthy: no heartbeat yet ({HEALTH}: {error})")
        return 1
    ok, line = verdict(health, time.time(), args.max_age, args.started)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
