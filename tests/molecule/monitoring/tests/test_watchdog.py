"""The dead man's switch, end to end: the always-firing Watchdog reaches the heartbeat URL (the sandbox's
webhook receiver stands in for healthchecks.io) about every minute, and the heartbeats stop when
Prometheus is stopped, which is how an outside service hears that this host's monitoring died.

Last in the scenario (file order): it stops Prometheus for a few minutes.
"""

from __future__ import annotations

import time

from conftest import PROJECT, sink_entries

PROMETHEUS = f"{PROJECT}-prometheus-1"
# Alertmanager's watchdog route: group_interval 30s, repeat_interval 1m, so a heartbeat every 60-90 s.
LONGEST_GAP = 100
# After Prometheus stops, its last alerts stay valid for 4 x 15 s (--rules.alert.resend-delay=15s).
EXPIRY = 60


def heartbeats(host) -> list[float]:
    """When each Watchdog notification reached the receiver (its own clock, seconds since the epoch)."""
    return [
        entry["received"]
        for entry in sink_entries(host)
        if isinstance(entry["body"], dict)
        and any(alert["labels"].get("alertname") == "Watchdog" for alert in entry["body"].get("alerts", []))
    ]


def now_on(host) -> float:
    return float(host.check_output("date +%s.%N"))


def test_heartbeats_arrive_and_stop_when_prometheus_stops(stack, host):
    beats = heartbeats(host)
    assert len(beats) >= 3, f"only {len(beats)} heartbeats since the scenario converged"
    stack.wait_for(lambda: heartbeats(host)[-1] > now_on(host) - LONGEST_GAP, timeout=LONGEST_GAP,
                   what="a recent heartbeat")
    with host.sudo():
        host.check_output("docker stop %s", PROMETHEUS)
    stopped_at = now_on(host)
    try:
        # Silence for longer than any gap between heartbeats, once the last alert has expired.
        time.sleep(EXPIRY + LONGEST_GAP + 10)
        beats = heartbeats(host)
        last = beats[-1]
        assert last < stopped_at + EXPIRY + 30, (
            f"heartbeats went on {last - stopped_at:.0f}s after Prometheus stopped"
        )
        assert now_on(host) - last > LONGEST_GAP, "no silence long enough for an outside check to notice"
        silence = now_on(host) - last
    finally:
        with host.sudo():
            host.check_output("docker start %s", PROMETHEUS)
    restarted_at = now_on(host)
    stack.wait_for(lambda: heartbeats(host)[-1] > restarted_at, timeout=180, every=5,
                   what="a heartbeat after Prometheus came back")
    print(f"\nwatchdog: last heartbeat {last - stopped_at:+.0f}s from Prometheus's stop, then silent"
          f" {silence:.0f}s; back {heartbeats(host)[-1] - restarted_at:.0f}s after its restart")
