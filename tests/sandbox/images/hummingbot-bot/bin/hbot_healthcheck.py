#!/usr/bin/env python
"""Container healthcheck: healthy only if the strategy clock ticked recently AND every connector is ready.

Reads logs/health.json, which scripts/hbot_v2_controllers.py rewrites every tick. The reason for an
unhealthy verdict is printed, so `docker inspect` shows it (e.g. an unreachable exchange).
"""

import json
import sys
import time
from pathlib import Path

MAX_AGE = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
HEALTH = Path("/home/hummingbot/logs/health.json")


def main() -> int:
    try:
        health = json.loads(HEALTH.read_text())
    except (OSError, ValueError) as error:
        print(f"unhealthy: no heartbeat yet ({HEALTH}: {error})")
        return 1
    age = time.time() - float(health.get("updated", 0))
    if age > MAX_AGE:
        print(f"unhealthy: strategy clock stalled, last heartbeat {age:.0f}s ago")
        return 1
    waiting = {name: c for name, c in health.get("connectors", {}).items() if not c.get("ready")}
    if waiting:
        since = health.get("not_ready_since") or time.time()
        details = "; ".join(
            f"{name} network {c.get('network')} waiting for {', '.join(c.get('waiting_for', []))}"
            for name, c in waiting.items()
        )
        print(f"unhealthy: exchange unreachable for {time.time() - since:.0f}s: {details}")
        return 1
    print(f"healthy: heartbeat {age:.0f}s ago, connectors ready, controllers {health.get('controllers')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
