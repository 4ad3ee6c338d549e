"""The custom collector: every scrape reads what is new in each source and reports current totals.

Following the Prometheus "writing exporters" guide: no global metric objects, collect() builds
fresh metric families from source state, one exporter serves every bot on the host, and faults
in a source show up as that source's `hbot_exporter_*_up` gauge instead of a failed scrape.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .config import BotConfig, ExporterConfig
from .database import BotDatabase, DatabaseSnapshot
from .errors_log import ErrorsLogSnapshot, ErrorsLogTail
from .health import HealthSnapshot, read_health
from .labels import clean
from .mqtt import BotMqttState, MqttListener

LOG = logging.getLogger(__name__)
INF = math.inf

CONTROLLER_PERFORMANCE = {
    "realized_pnl_quote": ("hbot_controller_realized_pnl_quote", "Realized PnL in quote (MQTT performance)."),
    "unrealized_pnl_quote": (
        "hbot_controller_unrealized_pnl_quote",
        "Unrealized PnL of open positions in quote (MQTT performance).",
    ),
    "global_pnl_quote": (
        "hbot_controller_global_pnl_quote",
        "Realized plus unrealized PnL in quote (MQTT performance).",
    ),
    "global_pnl_pct": ("hbot_controller_global_pnl_pct", "Global PnL in percent (MQTT performance)."),
    "volume_traded": ("hbot_controller_volume_traded_quote", "Volume traded in quote (MQTT performance)."),
}
CONTROLLER_CUSTOM = {
    "reference_price": ("hbot_controller_reference_price", "Price the controller quotes around."),
    "spread_floor": ("hbot_controller_spread_floor_ratio", "Smallest per-side spread worth quoting."),
    "inventory_ratio": (
        "hbot_controller_inventory_ratio",
        "Signed inventory over the controller's inventory limit; beyond +-1 is over the limit.",
    ),
    "skew": ("hbot_controller_skew_ratio", "Inventory skew applied to quotes."),
    "flatten_quote": ("hbot_controller_flatten_quote", "Quote amount the controller is closing at market."),
    "unwind_base": (
        "hbot_controller_flatten_unwind_base",
        "Market maker with flatten_algorithm twap: base its working unwind has yet to trade (0: none).",
    ),
    "killed": ("hbot_controller_killed", "1 when the controller's kill switch has latched."),
    "signal": ("hbot_controller_signal", "Directional controller signal (-1, 0, 1)."),
    "net_delta_base": (
        "hbot_controller_net_delta_base",
        "Hedged market maker: spot inventory plus perp position, in base (0: flat).",
    ),
    "hedge_position_base": (
        "hbot_controller_hedge_position_base",
        "Hedged market maker: signed perp position in base (short < 0).",
    ),
    "hedge_pnl_quote": (
        "hbot_controller_hedge_pnl_quote",
        "Hedged market maker: perp PnL marked to the perp mid, less fees, funding apart.",
    ),
    "funding_paid_quote": (
        "hbot_controller_funding_paid_quote",
        "Hedged market maker: funding paid on the hedge since start (< 0: received), an estimate.",
    ),
    "completion": (
        "hbot_controller_execution_completion_ratio",
        "Execution algorithm: filled over target (1: done).",
    ),
    "working_base": (
        "hbot_controller_execution_working_base",
        "Execution algorithm: base resting in its working child orders now.",
    ),
    "shortfall_bps": (
        "hbot_controller_execution_shortfall_bps",
        "Execution algorithm: implementation shortfall against the arrival price (> 0: a cost).",
    ),
    "vwap_slippage_bps": (
        "hbot_controller_execution_vwap_slippage_bps",
        "Execution algorithm: average price against the window's market VWAP (> 0: worse).",
    ),
    "open_executors": (
        "hbot_controller_open_executors",
        "Active executors of the controller (the runner's count, MQTT).",
    ),
    "running": (
        "hbot_controller_running",
        "1 when the bot reports the controller RUNNING (0: stopped or not started).",
    ),
}


@dataclass
class BotSources:
    config: BotConfig
    database: BotDatabase
    errors_log: ErrorsLogTail


def build_sources(config: ExporterConfig) -> list[BotSources]:
    return [
        BotSources(
            config=bot,
            database=BotDatabase(
                bot.db_path, config.max_rows_per_scrape, config.db_busy_timeout_ms, config.max_label_values
            ),
            errors_log=ErrorsLogTail(bot.errors_log_path, config.max_errors_log_bytes_per_scrape),
        )
        for bot in config.bots
    ]


class Families:
    """Metric families of one scrape, created on first use so every family is yielded once. Every
    series of a bot also carries its `mode` (live or paper), so paper PnL never passes for real PnL."""

    def __init__(self, modes: dict[str, str] | None = None) -> None:
        self._families: dict[str, Metric] = {}
        self._modes = modes or {}

    def add(self, kind: str, name: str, doc: str, labels: dict[str, str], value: float) -> None:
        if "bot" in labels:
            labels = {**labels, "mode": self._modes.get(labels["bot"], "live")}
        family = self._families.get(name)
        if family is None:
            family_class = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            family = family_class(name, doc, labels=list(labels))
            self._families[name] = family
        family.add_metric(list(labels.values()), value)

    def gauge(self, name: str, doc: str, labels: dict[str, str], value: float) -> None:
        self.add("gauge", name, doc, labels, value)

    def counter(self, name: str, doc: str, labels: dict[str, str], value: float) -> None:
        self.add("counter", name.removesuffix("_total"), doc, labels, value)

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._families.values())


class HbotCollector(Collector):
    def __init__(
        self,
        config: ExporterConfig,
        sources: list[BotSources],
        mqtt: MqttListener | None,
        clock: Callable[[], float] = time.time,
    ):
        self.config = config
        self.sources = sources
        self.mqtt = mqtt
        self.clock = clock
        self._last_up: dict[tuple[str, str], bool] = {}

    def describe(self) -> Iterator[Metric]:
        return iter(())  # metric names depend on the data; skip describe-time collection

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        families = Families({source.config.name: source.config.mode for source in self.sources})
        now = self.clock()
        mqtt_states = self.mqtt.snapshot() if self.mqtt else {}
        broker_up = bool(self.mqtt and self.mqtt.connected)
        families.gauge(
            "hbot_exporter_mqtt_broker_up",
            "1 when the exporter is connected to the MQTT broker.",
            {},
            broker_up,
        )
        for source in self.sources:
            bot = source.config.name
            self._collect_bot(families, source, mqtt_states.get(bot), broker_up, now)
        families.gauge(
            "hbot_exporter_scrape_duration_seconds",
            "Time this scrape spent reading every source.",
            {},
            time.perf_counter() - started,
        )
        yield from families

    def _note(self, bot: str, source: str, up: bool, error: str) -> None:
        """Log a source going down or coming back once, not on every scrape."""
        if self._last_up.get((bot, source), True) != up:
            if up:
                LOG.info("bot %s: %s is readable again", bot, source)
            else:
                LOG.warning("bot %s: %s is down: %s", bot, source, error)
        self._last_up[(bot, source)] = up

    def _collect_bot(
        self, families: Families, source: BotSources, mqtt: BotMqttState | None, broker_up: bool, now: float
    ) -> None:
        bot = source.config.name
        try:
            database = source.database.refresh()
        except Exception as error:  # a reader bug must cost one bot's data, not the scrape
            LOG.exception("bot %s: database refresh failed", bot)
            database = DatabaseSnapshot(up=False, error=repr(error))
        try:
            errors_log = source.errors_log.refresh()
        except Exception as error:
            LOG.exception("bot %s: errors.log refresh failed", bot)
            errors_log = ErrorsLogSnapshot(up=False, error=repr(error))
        self._note(bot, "database", database.up, database.error)
        try:
            health = read_health(source.config.health_path)
        except Exception as error:
            LOG.exception("bot %s: health.json read failed", bot)
            health = HealthSnapshot(up=False, error=repr(error))
        self._note(bot, "errors.log", errors_log.up, errors_log.error)
        self._note(bot, "health.json", health.up, health.error)
        self._bot_liveness(families, bot, mqtt, broker_up, now)
        self._health(families, bot, health, now)
        self._database(families, bot, database, now)
        self._errors_log(families, bot, errors_log)
        if mqtt is not None:
            self._controllers(families, bot, mqtt, now)
        self._limits(families, source.config)

    def _bot_liveness(
        self, families: Families, bot: str, mqtt: BotMqttState | None, broker_up: bool, now: float
    ) -> None:
        labels = {"bot": bot}
        heartbeat_age = now - mqtt.last_heartbeat if mqtt and mqtt.last_heartbeat is not None else INF
        report_age = now - mqtt.last_performance if mqtt and mqtt.last_performance is not None else INF
        families.gauge(
            "hbot_up",
            "1 when the bot's MQTT heartbeat arrived within heartbeat_timeout_seconds.",
            labels,
            heartbeat_age <= self.config.heartbeat_timeout_seconds,
        )
        families.gauge(
            "hbot_heartbeat_age_seconds",
            "Seconds since the bot's last MQTT heartbeat (+Inf: never).",
            labels,
            max(heartbeat_age, 0.0),
        )
        families.gauge(
            "hbot_performance_report_age_seconds",
            "Seconds since the bot's last MQTT performance report (+Inf: never).",
            labels,
            max(report_age, 0.0),
        )
        families.gauge(
            "hbot_exporter_mqtt_up",
            "1 when the broker is connected and the bot's last MQTT payload was well-formed.",
            labels,
            broker_up and (mqtt is None or mqtt.last_message_ok),
        )
        if mqtt is not None:
            families.counter(
                "hbot_exporter_mqtt_messages_total",
                "MQTT messages received from the bot.",
                labels,
                mqtt.messages_total,
            )
            families.counter(
                "hbot_exporter_mqtt_rejected_messages_total",
                "MQTT messages refused as oversized or malformed.",
                labels,
                mqtt.rejected_total,
            )

    def _database(self, families: Families, bot: str, db: DatabaseSnapshot, now: float) -> None:
        labels = {"bot": bot}
        families.gauge("hbot_exporter_db_up", "1 when the bot's trade database was read.", labels, db.up)
        families.gauge(
            "hbot_db_size_bytes", "Size of the bot's trade database and its WAL.", labels, db.size_bytes
        )
        families.gauge(
            "hbot_exporter_db_pending_rows",
            "Rows not read yet because one scrape reads at most max_rows_per_scrape per table.",
            labels,
            db.pending_rows,
        )
        families.gauge(
            "hbot_exporter_db_refresh_duration_seconds",
            "Time the last database read took.",
            labels,
            db.refresh_seconds,
        )
        net_base: dict[tuple[str, str], float] = {}
        for (market, pair, side), totals in sorted(db.fills.items()):
            fill_labels = {"bot": bot, "market": market, "pair": pair, "side": side}
            families.counter("hbot_fills_total", "Trade fills (TradeFill rows).", fill_labels, totals.count)
            families.counter(
                "hbot_fill_volume_quote_total",
                "Filled volume in quote (price x amount).",
                fill_labels,
                totals.volume_quote,
            )
            families.counter(
                "hbot_fill_amount_base_total", "Filled amount in base.", fill_labels, totals.amount_base
            )
            families.counter(
                "hbot_fill_fees_quote_total",
                "Trading fees in quote (trade_fee_in_quote).",
                fill_labels,
                totals.fees_quote,
            )
            sign = {"buy": 1.0, "sell": -1.0}.get(side, 0.0)
            net_base[(market, pair)] = net_base.get((market, pair), 0.0) + sign * totals.amount_base
        for (market, pair), amount in sorted(net_base.items()):
            families.gauge(
                "hbot_inventory_base",
                "Base bought minus base sold over all fills in the database, per market (a hedged bot's"
                " perpetual position is its own series).",
                {"bot": bot, "market": market, "pair": pair},
                amount,
            )
        if db.last_fill_timestamp is not None:
            families.gauge(
                "hbot_last_fill_timestamp_seconds",
                "Unix time of the newest fill.",
                labels,
                db.last_fill_timestamp,
            )
        age = now - db.last_fill_timestamp if db.last_fill_timestamp is not None else INF
        families.gauge(
            "hbot_last_fill_age_seconds", "Seconds since the newest fill (+Inf: none).", labels, max(age, 0.0)
        )
        for (pair, side, status), count in sorted(db.orders_total.items()):
            families.counter(
                "hbot_orders_total",
                "Order events by status (created, filled, completed, cancelled, failed, expired).",
                {"bot": bot, "pair": pair, "side": side, "status": status},
                count,
            )
        for (pair, side), count in sorted(db.orders_open.items()):
            families.gauge(
                "hbot_orders_open",
                "Orders created and not yet completed, cancelled, failed or expired.",
                {"bot": bot, "pair": pair, "side": side},
                count,
            )
        for (controller, pair), totals in sorted(db.executors.items()):
            executor_labels = {"bot": bot, "controller": controller, "pair": pair}
            families.counter(
                "hbot_executors_closed_total", "Executors closed.", executor_labels, totals.closed
            )
            families.gauge(
                "hbot_executor_realized_pnl_quote",
                "Net PnL of closed executors in quote.",
                executor_labels,
                totals.realized_pnl_quote,
            )
            families.counter(
                "hbot_executor_fees_quote_total",
                "Fees of closed executors in quote.",
                executor_labels,
                totals.fees_quote,
            )
            families.counter(
                "hbot_executor_volume_quote_total",
                "Filled amount of closed executors in quote.",
                executor_labels,
                totals.volume_quote,
            )
        for (controller, pair, side), amount in sorted(db.order_executor_base.items()):
            families.counter(
                "hbot_executor_order_filled_base_total",
                "Base filled by closed order executors (execution algorithms' child orders), by side.",
                {"bot": bot, "controller": controller, "pair": pair, "side": side},
                amount,
            )
        for (controller, pair), count in sorted(db.executors_open.items()):
            families.gauge(
                "hbot_executors_open",
                "Executors stored in the database while still active.",
                {"bot": bot, "controller": controller, "pair": pair},
                count,
            )
        for (controller, market, pair, side), (amount, unrealized) in sorted(db.positions.items()):
            position_labels = {
                "bot": bot,
                "controller": controller,
                "market": market,
                "pair": pair,
                "side": side,
            }
            families.gauge("hbot_position_amount_base", "Position held, in base.", position_labels, amount)
            families.gauge(
                "hbot_position_unrealized_pnl_quote",
                "Unrealized PnL of the position held, in quote.",
                position_labels,
                unrealized,
            )

    def _errors_log(self, families: Families, bot: str, log: ErrorsLogSnapshot) -> None:
        labels = {"bot": bot}
        families.gauge(
            "hbot_exporter_errors_log_up", "1 when the bot's logs/errors.log was read.", labels, log.up
        )
        families.counter(
            "hbot_errors_log_lines_total",
            "Lines written to logs/errors.log (kept across rotation).",
            labels,
            log.lines_total,
        )
        families.gauge(
            "hbot_errors_log_size_bytes", "Current size of logs/errors.log.", labels, log.size_bytes
        )

    def _health(self, families: Families, bot: str, health: HealthSnapshot, now: float) -> None:
        """Whether the bot can trade, from its own logs/health.json (a bot that cannot trade still
        answers MQTT): connectors and what each waits for, quotes, rejected orders, short balances."""
        labels = {"bot": bot}
        families.gauge(
            "hbot_exporter_health_up", "1 when the bot's logs/health.json was read.", labels, health.up
        )
        if not health.up:
            return
        if health.updated is not None:
            families.gauge(
                "hbot_health_age_seconds",
                "Seconds since the bot's strategy last ticked (logs/health.json).",
                labels,
                max(now - health.updated, 0.0),
            )
        families.gauge(
            "hbot_not_ready_seconds",
            "Seconds the bot has had a connector not ready (0: every connector ready).",
            labels,
            max(now - health.not_ready_since, 0.0) if health.not_ready_since is not None else 0.0,
        )
        for connector, state in sorted(health.connectors.items()):
            connector_labels = {"bot": bot, "connector": clean(connector)}
            families.gauge(
                "hbot_connector_ready",
                "1 when the connector is ready to trade.",
                connector_labels,
                state.ready,
            )
            if not state.ready:
                families.gauge(
                    "hbot_connector_not_ready",
                    "1 while the connector is not ready; reason: what it waits for.",
                    {**connector_labels, "reason": clean(state.reason)},
                    1.0,
                )
        for controller, quotes in sorted(health.quotes.items()):
            controller_labels = {"bot": bot, "controller": clean(controller)}
            families.gauge(
                "hbot_controller_open_quotes",
                "Open orders of the controller's executors (placed, not filled).",
                controller_labels,
                quotes.open_quotes,
            )
            if quotes.last_quote_at is not None:
                families.gauge(
                    "hbot_controller_last_quote_age_seconds",
                    "Seconds since the controller last had an open order (or since the bot started).",
                    controller_labels,
                    max(now - quotes.last_quote_at, 0.0),
                )
        families.counter(
            "hbot_order_failures_total",
            "Orders the exchange rejected or lost, since the bot started.",
            labels,
            health.order_failures,
        )
        families.counter(
            "hbot_insufficient_balance_total",
            "Executors that could not open for want of balance, since the bot started.",
            labels,
            health.insufficient_balance,
        )

    def _controllers(self, families: Families, bot: str, mqtt: BotMqttState, now: float) -> None:
        if (
            mqtt.last_performance is None
            or now - mqtt.last_performance > self.config.controller_stale_seconds
        ):
            return  # a dead bot's last PnL must not pass for current
        for controller, state in sorted(mqtt.controllers.items()):
            labels = {"bot": bot, "controller": controller}
            for key, value in state.performance.items():
                name, doc = CONTROLLER_PERFORMANCE[key]
                families.gauge(name, doc, labels, value)
            for key, value in state.custom.items():
                name, doc = CONTROLLER_CUSTOM[key]
                families.gauge(name, doc, labels, value)
            reference = state.custom.get("reference_price")
            for name, doc, per_side in (
                ("hbot_controller_quoting", "1 when the controller quotes this side.", state.quoting),
                (
                    "hbot_controller_side_unfunded",
                    "1 when the balance pays for none of the levels the controller proposes on this side.",
                    state.unfunded,
                ),
            ):
                for side, value in sorted(per_side.items()):
                    families.gauge(name, doc, {**labels, "side": side}, value)
            for side, price in sorted(state.best_price.items()):
                side_labels = {**labels, "side": side}
                families.gauge(
                    "hbot_controller_best_quote_price", "Price of the first quote level.", side_labels, price
                )
                if reference:
                    families.gauge(
                        "hbot_controller_quote_spread_ratio",
                        "Distance of the first quote level from the reference price, as a fraction.",
                        side_labels,
                        abs(price / reference - 1.0),
                    )

    def _limits(self, families: Families, bot: BotConfig) -> None:
        labels = {"bot": bot.name}
        limits = bot.limits
        families.gauge(
            "hbot_limit_no_fill_seconds",
            "Configured time without fills that alerts while quoting.",
            labels,
            limits.no_fill_seconds,
        )
        if limits.no_quote_seconds is not None:
            families.gauge(
                "hbot_limit_no_quote_seconds",
                "Configured time a running controller may have no open order before it alerts.",
                labels,
                limits.no_quote_seconds,
            )
        if limits.max_drawdown_quote is not None:
            families.gauge(
                "hbot_limit_max_drawdown_quote",
                "Configured drawdown limit in quote.",
                labels,
                limits.max_drawdown_quote,
            )
        for pair, amount in sorted(limits.max_inventory_base.items()):
            families.gauge(
                "hbot_limit_max_inventory_base",
                "Configured inventory limit in base.",
                {"bot": bot.name, "pair": pair},
                amount,
            )
