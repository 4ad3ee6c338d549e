"""Read the bot's own account of whether it can trade: logs/health.json, which the role's V2 script
rewrites every strategy tick (connectors ready or what each waits for, controllers, quotes, order
failures, executors refused for want of balance).

A bot that cannot trade still answers MQTT heartbeats, so liveness alone says nothing; this file
is where "cannot trade" and its reason come from. The file is small and replaced atomically by the
bot, so it is read whole on every scrape.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

MAX_HEALTH_BYTES = 256 * 1024  # a bot with many controllers writes a few KB; anything far larger is refused


@dataclass(frozen=True)
class ConnectorHealth:
    ready: bool
    reason: str  # what it waits for (Hummingbot's failing readiness checks), or its network status


@dataclass(frozen=True)
class ControllerQuotes:
    open_quotes: int
    last_quote_at: float | None


@dataclass(frozen=True)
class HealthSnapshot:
    up: bool
    error: str = ""
    updated: float | None = None
    not_ready_since: float | None = None
    connectors: dict[str, ConnectorHealth] = field(default_factory=dict)
    quotes: dict[str, ControllerQuotes] = field(default_factory=dict)
    order_failures: int = 0
    insufficient_balance: int = 0


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _count(value: object) -> int:
    number = _number(value)
    return int(number) if number is not None and number >= 0 else 0


def parse_health(document: object) -> HealthSnapshot:
    """The parts of health.json the exporter publishes; anything malformed is dropped, not guessed."""
    if not isinstance(document, dict):
        return HealthSnapshot(up=False, error="health.json is not an object")
    connectors = {}
    for name, state in (document.get("connectors") or {}).items():
        if not isinstance(state, dict):
            continue
        waiting = [str(check) for check in state.get("waiting_for") or [] if isinstance(check, str)]
        ready = state.get("ready") is True
        reason = "" if ready else (",".join(sorted(waiting)) or f"network {state.get('network', 'unknown')}")
        connectors[str(name)] = ConnectorHealth(ready=ready, reason=reason)
    quotes = {}
    for controller, state in (document.get("quotes") or {}).items():
        if isinstance(state, dict):
            quotes[str(controller)] = ControllerQuotes(
                open_quotes=_count(state.get("open_quotes")),
                last_quote_at=_number(state.get("last_quote_at")),
            )
    return HealthSnapshot(
        up=True,
        updated=_number(document.get("updated")),
        not_ready_since=_number(document.get("not_ready_since")),
        connectors=connectors,
        quotes=quotes,
        order_failures=_count(document.get("order_failures")),
        insufficient_balance=_count(document.get("insufficient_balance")),
    )


def read_health(path: Path) -> HealthSnapshot:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_HEALTH_BYTES + 1)
    except FileNotFoundError:
        return HealthSnapshot(up=False, error="health.json missing (the bot has not ticked yet)")
    except OSError as error:
        return HealthSnapshot(up=False, error=str(error))
    if len(raw) > MAX_HEALTH_BYTES:
        return HealthSnapshot(up=False, error=f"health.json over {MAX_HEALTH_BYTES} bytes")
    try:
        return parse_health(json.loads(raw))
    except (ValueError, UnicodeDecodeError) as error:
        return HealthSnapshot(up=False, error=f"health.json unreadable: {error}")
