"""Live bot state from Hummingbot's MQTT bridge.

Topics (hummingbot/remote_iface/mqtt.py and the v2 controllers script, Hummingbot v2.12.0):
  <namespace>/<instance_id>/hb           {"ts": ...} every 10 s from commlib's heartbeat thread.
                                          The ts field is fixed at import time in commlib, so the
                                          age is measured from when the exporter received it.
  <namespace>/<instance_id>/performance  {controller_id: {"performance": PerformanceReport,
                                          "custom_info": get_custom_info(), "status": RunnableStatus
                                          name, "open_executors": n}} every second (the project's V2
                                          runner); an empty dict per controller when the strategy stops.
PerformanceReport carries PnL and volume but no count of active executors, and the controllers'
custom_info carries none either, so the runner reports `open_executors` beside `status`; a
controller of its own may still put it in custom_info (the report-level value wins).
Payloads come from the network: anything oversized, not JSON or not shaped like the above is
counted, marks that bot's MQTT source down until a good message arrives, and is otherwise ignored.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from .config import MqttConfig
from .labels import LabelGuard

LOG = logging.getLogger(__name__)

PERFORMANCE_FIELDS = (
    "realized_pnl_quote",
    "unrealized_pnl_quote",
    "global_pnl_quote",
    "global_pnl_pct",
    "volume_traded",
)
# Scalar custom_info keys published by the project's controllers (controllers/shared_base).
CUSTOM_INFO_FIELDS = (
    "reference_price",
    "spread_floor",
    "inventory_ratio",
    "skew",
    "flatten_quote",
    "unwind_base",  # market makers with flatten_algorithm twap
    "killed",
    "signal",
    "net_delta_base",  # hedged_mm
    "hedge_position_base",
    "hedge_pnl_quote",
    "funding_paid_quote",
    "completion",  # execution algorithms (twap, vwap, iceberg)
    "working_base",
    "shortfall_bps",
    "vwap_slippage_bps",
)
# RunnableStatus names (hummingbot/strategy_v2/models/base.py); only RUNNING counts as running.
RUNNING_STATUS = "RUNNING"
TOPICS = ("hb", "performance")


@dataclass
class ControllerState:
    performance: dict[str, float] = field(default_factory=dict)
    custom: dict[str, float] = field(default_factory=dict)
    quoting: dict[str, float] = field(default_factory=dict)  # side -> 1/0
    unfunded: dict[str, float] = field(default_factory=dict)  # side -> 1 when the balance pays for no level
    best_price: dict[str, float] = field(default_factory=dict)  # side -> first level price


@dataclass
class BotMqttState:
    last_heartbeat: float | None = None  # wall clock of receipt
    last_performance: float | None = None
    last_message_ok: bool = True
    messages_total: int = 0
    rejected_total: int = 0
    controllers: dict[str, ControllerState] = field(default_factory=dict)


def number(value: Any) -> float | None:
    """A finite float from a JSON number, a numeric string (Decimals may arrive as strings) or a bool."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, int | float) and not (isinstance(value, str) and 0 < len(value) <= 64):
        return None
    try:
        result = float(value)
    except (ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def open_executor_count(report: dict[str, Any], custom: dict[str, Any]) -> float | None:
    """Active executors of a controller: the runner's report-level count, else custom_info's."""
    for source in (report, custom):
        value = number(source.get("open_executors"))
        if value is not None and value >= 0:
            return value
    return None


def parse_performance(payload: Any, controllers: LabelGuard) -> dict[str, ControllerState | None]:
    """{controller: state, or None when the strategy reported it stopped}; ValueError when malformed."""
    if not isinstance(payload, dict):
        raise ValueError("performance payload is not a JSON object")
    parsed: dict[str, ControllerState | None] = {}
    for controller_id, report in payload.items():
        if not isinstance(report, dict):
            raise ValueError(f"performance report for {str(controller_id)[:64]!r} is not an object")
        label = controllers(controller_id)
        if not report:
            parsed[label] = None
            continue
        state = ControllerState()
        performance = report.get("performance") or {}
        custom = report.get("custom_info") or {}
        if not isinstance(performance, dict) or not isinstance(custom, dict):
            raise ValueError(f"performance/custom_info for {label!r} are not objects")
        for name in PERFORMANCE_FIELDS:
            value = number(performance.get(name))
            if value is not None:
                state.performance[name] = value
        for name in CUSTOM_INFO_FIELDS:
            value = number(custom.get(name))
            if value is not None:
                state.custom[name] = value
        open_executors = open_executor_count(report, custom)
        if open_executors is not None:
            state.custom["open_executors"] = open_executors
        status = report.get("status")
        if isinstance(status, str):
            state.custom["running"] = 1.0 if status == RUNNING_STATUS else 0.0
        for side in ("buy", "sell"):
            quoting = number(custom.get(f"quote_{side}"))
            if quoting is not None:
                state.quoting[side] = quoting if not custom.get("killed") else 0.0
            # The shared base's budget rule: levels proposed on this side, none paid for by the balance.
            unfunded = custom.get(f"{side}_unfunded")
            if isinstance(unfunded, bool):
                state.unfunded[side] = float(unfunded)
            prices = custom.get(f"{side}_prices")
            if isinstance(prices, list) and prices:
                price = number(prices[0])
                if price is not None:
                    state.best_price[side] = price
        parsed[label] = state
    return parsed


class MqttListener:
    """Subscribes to every configured bot's topics; paho's own thread reconnects when the broker returns."""

    def __init__(
        self,
        settings: MqttConfig,
        instance_to_bot: dict[str, str],
        max_label_values: int,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.clock = clock
        self.instance_to_bot = dict(instance_to_bot)
        self.controllers = {bot: LabelGuard(max_label_values) for bot in instance_to_bot.values()}
        self.states = {bot: BotMqttState() for bot in instance_to_bot.values()}
        self.connected = False
        self.connect_failures = 0
        self._lock = threading.Lock()
        self._client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            clean_session=True,
        )
        if settings.username:
            self._client.username_pw_set(settings.username, settings.resolved_password())
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_message = self._on_message

    def topics(self) -> list[str]:
        return [
            f"{self.settings.namespace}/{instance}/{topic}"
            for instance in self.instance_to_bot
            for topic in TOPICS
        ]

    def start(self) -> None:
        # connect_async + loop_start: a broker that is down at start is retried in the background.
        self._client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_seconds)
        self._client.loop_start()

    def stop(self) -> None:
        self.connected = False  # before disconnecting, so the callback does not log a lost broker
        self._client.disconnect()
        self._client.loop_stop()

    # --- paho callbacks (network thread) ----------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            LOG.warning("MQTT broker %s refused the connection: %s", self.settings.host, reason_code)
            self.connect_failures += 1
            return
        LOG.info("connected to MQTT broker %s:%s", self.settings.host, self.settings.port)
        self.connected = True
        client.subscribe([(topic, 0) for topic in self.topics()])

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.connected:
            LOG.warning("lost the MQTT broker %s: %s", self.settings.host, reason_code)
        self.connected = False

    def _on_connect_fail(self, client, userdata) -> None:
        self.connect_failures += 1
        self.connected = False

    def _on_message(self, client, userdata, message) -> None:
        parts = message.topic.split("/")
        if len(parts) != 3 or parts[2] not in TOPICS:
            return
        bot = self.instance_to_bot.get(parts[1])
        if bot is None:
            return
        self.handle(bot, parts[2], message.payload)

    def handle(self, bot: str, topic: str, payload: bytes) -> None:
        now = self.clock()
        state = self.states[bot]
        try:
            if len(payload) > self.settings.max_payload_bytes:
                raise ValueError(f"{len(payload)} bytes exceeds max_payload_bytes")
            data = json.loads(payload)
            performance = parse_performance(data, self.controllers[bot]) if topic == "performance" else None
            if topic == "hb" and not isinstance(data, dict):
                raise ValueError("heartbeat is not a JSON object")
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            with self._lock:
                state.messages_total += 1
                state.rejected_total += 1
                if state.last_message_ok:
                    LOG.warning("bot %s: rejected MQTT %s payload: %s", bot, topic, str(error)[:200])
                state.last_message_ok = False
            return
        with self._lock:
            state.messages_total += 1
            state.last_message_ok = True
            if topic == "hb":
                state.last_heartbeat = now
            elif performance is not None:
                state.last_performance = now
                for controller, controller_state in performance.items():
                    if controller_state is None:
                        state.controllers.pop(controller, None)
                    else:
                        state.controllers[controller] = controller_state

    def snapshot(self) -> dict[str, BotMqttState]:
        with self._lock:
            return {
                bot: BotMqttState(
                    last_heartbeat=state.last_heartbeat,
                    last_performance=state.last_performance,
                    last_message_ok=state.last_message_ok,
                    messages_total=state.messages_total,
                    rejected_total=state.rejected_total,
                    controllers=dict(state.controllers),
                )
                for bot, state in self.states.items()
            }
