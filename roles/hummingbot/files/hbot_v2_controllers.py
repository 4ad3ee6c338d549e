"""hbot-fleet's V2 runner: runs the controllers its config lists (conf/controllers/*.yml).

What the bots role relies on:
- Controllers come from `controllers_config`; Hummingbot re-reads their YAML every 10 s, so fields
  marked is_updatable change live without a restart.
- `manual_kill_switch: true` in a controller's YAML stops it and its executors; `false` restarts it.
- `max_global_drawdown_quote` stops every controller once total PnL falls that far below its peak.
- Per-controller performance and custom info go to MQTT (`<namespace>/<instance_id>/performance`).
- Every tick writes logs/health.json (clock alive, which connectors are ready and why not, each
  controller's open quotes and when it last had one, rejected orders, executors refused for want of
  balance); the container healthcheck (bin/hbot_healthcheck.py) and the monitoring exporter read it.
  An exchange that stays unreachable is logged as "EXCHANGE UNREACHABLE" once a minute instead of
  failing silently.
- `paper:` (set by the role for a `mode: paper` bot) trades on Hummingbot's paper engine with trading
  rules, on live or replayed market data: scripts/hbot_paper.py, installed before Hummingbot creates
  the connectors (init_markets) and serving the replay's candles to the controllers.
- A kill (SIGKILL, the OOM killer, power loss) loses nothing it can keep: data/open_positions.json
  holds the executors holding a position and the closed ones not yet stored, rewritten whenever that
  changes; the next start stores them and closes the orphaned positions at market, as a clean stop
  would have (hummingbot-api#243: otherwise they stay open with no stop loss).
- The positions held (an order executor's fill kept as a position: a hedge, a rebalance) are in the
  Position table whenever they change, one net row per controller, connector and pair
  (store_net_positions): Hummingbot 2.12 wrote them only at a clean stop.
- A stop reaches only an executor still running (stop_only_running): Hummingbot 2.12 set a finished one
  back to shutting down, forever, and its controller waited on it.
- The MQTT bridge reconnects after a broker restart (Hummingbot 2.12's own reconnect never does).
- SIGTERM (docker stop) winds the bot down like Hummingbot's `stop` command, which stops the
  executors and cancels open orders, then exits. The official image's quickstart installs no
  handler, so Hummingbot (PID 1 under the role's exec'd CMD) would otherwise ignore the signal and
  be SIGKILLed with its orders still on the book.
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from hummingbot import root_path
from hummingbot.connector.connector_base import ConnectorBase
from hummingbot.connector.markets_recorder import MarketsRecorder
from hummingbot.core.data_type.common import PositionAction, PriceType, TradeType
from hummingbot.core.event.event_forwarder import SourceInfoEventForwarder
from hummingbot.core.event.events import MarketEvent
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.model.position import Position
from hummingbot.strategy.strategy_v2_base import StrategyV2Base, StrategyV2ConfigBase
from hummingbot.strategy_v2.executors.executor_orchestrator import ExecutorOrchestrator, PositionHold
from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy, OrderExecutorConfig
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction, StopExecutorAction
from hummingbot.strategy_v2.models.executors import CloseType
from hummingbot.strategy_v2.models.executors_info import ExecutorInfo
from scripts.hbot_paper import PaperOrders, serve_paper_market, write_json
from scripts.hbot_paper import install as install_paper

HEALTH_FILE = root_path() / "logs" / "health.json"
# What a kill would lose (executors holding a position, closed ones not yet stored), written whenever it
# changes and emptied by a clean stop. Found non-empty at a start: the last run ended uncleanly (SIGKILL,
# OOM kill, power loss), and the start recovers it (_recover_positions).
POSITIONS_FILE = root_path() / "data" / "open_positions.json"
# Seconds to stop executors and cancel orders: Hummingbot waits up to 10 x 2 s for executors to close
# their positions (max_executors_close_attempts); the role's stop_grace_period (40 s) is longer.
STOP_TIMEOUT = 30
UNREADY_GRACE = 10  # seconds a connector may be not ready before the log says the exchange is unreachable


def process_identity() -> dict:
    """This process's pid and kernel start time: the healthcheck tells a heartbeat of this run from a
    stale one left in the bind-mounted logs/ by an earlier container."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        return {"pid": os.getpid(), "start_ticks": int(fields[19])}
    except (OSError, IndexError, ValueError):
        return {"pid": os.getpid()}


def stop_only_running(orchestrator: ExecutorOrchestrator) -> None:
    """Let a controller's stop reach an executor only while it still runs (hummingbot#8407, open).

    A controller decides on the strategy's report of its executors from the last tick, a second old
    or more on a busy host, and its actions are carried out later still. Its stop of an executor that
    finished in between (an iceberg repricing a child that had just filled) went through in 2.12, and
    `early_stop` set the finished executor back to SHUTTING_DOWN. Its control loop had ended, so nothing
    moved it on again: it stayed among the active executors, never stored, its fill never counted, and
    the iceberg waited on it past its window (0.04 of 0.06 ETH sold; test_bot_live). A PositionExecutor's
    close type was overwritten as well. A stop of one already shutting down would only overwrite the
    close type it chose. Both are dropped, and logged."""
    stop_executor = orchestrator.stop_executor

    def stop_if_running(action: StopExecutorAction) -> None:
        executors = orchestrator.active_executors.get(action.controller_id, ())
        executor = next((each for each in executors if each.config.id == action.executor_id), None)
        if executor is not None and executor.status in (
            RunnableStatus.TERMINATED,
            RunnableStatus.SHUTTING_DOWN,
        ):
            orchestrator.logger().info(
                f"Stop of executor {action.executor_id} ({action.controller_id}) ignored: "
                f"it is already {executor.status.name}"
            )
            return
        stop_executor(action)

    orchestrator.stop_executor = stop_if_running


HOLD_SUMS = (  # what PositionHold adds up from its executors' orders, netted per connector and pair
    "buy_amount_base",
    "buy_amount_quote",
    "sell_amount_base",
    "sell_amount_quote",
    "volume_traded_quote",
    "cum_fees_quote",
)


def net_positions(strategy) -> dict[tuple[str, str, str], PositionHold]:
    """(controller, connector, pair) -> one PositionHold summing all that controller holds there, for
    the markets the strategy trades (Hummingbot skips the others when it loads or stores)."""
    nets: dict[tuple[str, str, str], PositionHold] = {}
    for controller_id, holds in strategy.executor_orchestrator.positions_held.items():
        for hold in holds:
            if hold.trading_pair not in strategy.markets.get(hold.connector_name, ()):
                continue
            key = (controller_id, hold.connector_name, hold.trading_pair)
            net = nets.setdefault(key, PositionHold(hold.connector_name, hold.trading_pair, hold.side))
            for name in HOLD_SUMS:
                setattr(net, name, getattr(net, name) + getattr(hold, name))
    return nets


def store_net_positions(strategy) -> None:
    """Write what each controller holds to the Position table: one row per connector and pair, on the
    side of its net position, and the other side's row (if any) zeroed.

    Hummingbot 2.12 writes its positions held only at a clean stop (store_all_positions) and reads
    them back at the next start. A kill lost every fill since the last clean stop: a hedged maker then
    read a perpetual position it no longer held and hedged it again. It keys each row by side, too:
    a position that went from short to long left its short row behind, and the next start loaded both
    (a perpetual kept in one-way mode has a buy hold and a sell hold, each stored on its own side). The
    start loads one row as one hold of its side, at its breakeven price; the realised PnL of the run
    (no column for it) is not carried, as in Hummingbot."""
    recorder = MarketsRecorder.get_instance()
    now = int(strategy.current_timestamp * 1e3)
    for (controller_id, connector, pair), net in net_positions(strategy).items():
        try:
            mid = Decimal(
                strategy.market_data_provider.get_price_by_type(connector, pair, PriceType.MidPrice)
            )
        except Exception:  # no book: unrealised PnL is not known, the amount still is
            mid = Decimal("NaN")
        summary = net.get_position_summary(mid if mid.is_finite() else Decimal(0))
        for side in (TradeType.BUY, TradeType.SELL):
            held = side == summary.side
            recorder.update_or_store_position(
                Position(
                    id=str(uuid.uuid4()),
                    controller_id=controller_id,
                    connector_name=connector,
                    trading_pair=pair,
                    side=side.name,
                    timestamp=now,
                    volume_traded_quote=summary.volume_traded_quote if held else Decimal(0),
                    amount=summary.amount if held else Decimal(0),
                    breakeven_price=summary.breakeven_price if held else Decimal(0),
                    unrealized_pnl_quote=summary.unrealized_pnl_quote if held else Decimal(0),
                    cum_fees_quote=summary.cum_fees_quote if held else Decimal(0),
                )
            )


def orphan_position(info, side: str, amount: Decimal) -> PositionHold:
    """An orphaned executor's open position (`side`, `amount` of its pair), as a position held at its
    entry price, to be netted by the market close that recovers it.

    That close is an order executor, whose fill Hummingbot keeps as a position held (positions_held),
    and a market maker counts those as inventory: alone, the close of a 0.05 ETH long read as a 0.05 ETH
    short once the account was flat again, and the maker skewed its quotes to buy it back."""
    hold = PositionHold(info.config.connector_name, info.config.trading_pair, TradeType[side])
    entry = Decimal(str(info.custom_info.get("current_position_average_price") or 0))
    if side == "BUY":
        hold.buy_amount_base, hold.buy_amount_quote = amount, amount * entry
    else:
        hold.sell_amount_base, hold.sell_amount_quote = amount, amount * entry
    hold.volume_traded_quote = amount * entry
    return hold


class HbotV2ControllersConfig(StrategyV2ConfigBase):
    script_file_name: str = os.path.basename(__file__)
    markets: dict[str, set[str]] = {}
    candles_config: list[CandlesConfig] = []
    controllers_config: list[str] = []
    max_global_drawdown_quote: Decimal | None = None
    performance_report_interval: float = 1.0
    unready_report_interval: float = 60.0
    paper: dict = {}


class HbotV2Controllers(PaperOrders, StrategyV2Base):
    """(PaperOrders: a paper connector takes its orders as its exchange would; see hbot_paper.)"""

    paper_connectors: dict = {}  # name -> the paper connectors install_paper registered, in paper mode
    # Closed executors Hummingbot keeps in memory before it writes them to the Executors table. Its
    # default, 100, is a quarter of an hour of a busy market maker that a crash would lose. The
    # controllers read each closed executor once (ClosedExecutorLedger), long before it leaves.
    closed_executors_buffer = 10

    @classmethod
    def init_markets(cls, config: HbotV2ControllersConfig):
        super().init_markets(config)
        cls.paper_connectors = install_paper(config.paper, cls.markets)

    def __init__(self, connectors: dict[str, ConnectorBase], config: HbotV2ControllersConfig):
        super().__init__(connectors, config)
        stop_only_running(self.executor_orchestrator)
        self.config = config
        self._peak_pnl = Decimal("0")
        self._stopped_by_drawdown = False
        self._last_report = 0.0
        self._unready_since: float | None = None
        self._last_unready_log = 0.0
        self._identity = process_identity()
        self._mqtt_down_since: float | None = None
        self._checkpoint_key: list | None = None
        self._stored_positions: dict | None = None
        self._recovered = False
        self._started = time.time()
        self._last_quote_at: dict[str, float] = {}
        self._order_failures = 0
        self._short_of_balance = 0
        self._short_of_balance_seen: set[str] = set()
        # Held here: Hummingbot's event bus keeps weak references to listeners.
        self._failure_listener = SourceInfoEventForwarder(self._count_order_failure)
        self._completion_listener = SourceInfoEventForwarder(self._checkpoint_soon)
        self._checkpoint_pending = False
        for connector in connectors.values():
            connector.add_listener(MarketEvent.OrderFailure, self._failure_listener)
            for event in (MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted):
                connector.add_listener(event, self._completion_listener)
        self._handle_stop_signals()

    def initialize_controllers(self):
        for connector in self.paper_connectors.values():
            serve_paper_market(self.market_data_provider, connector)
        super().initialize_controllers()

    async def on_stop(self):
        """Hummingbot's on_stop stops the executors, forgets them (with their positions stored), then
        stores the executors it still knows: none. Every executor that had not yet left the in-memory
        buffer (closed_executors_buffer) would never reach the Executors table. Store them first. The
        positions go as the checkpoint writes them (store_net_positions), then are forgotten, as
        Hummingbot's own store would."""
        orchestrator = self.executor_orchestrator

        def store_executors_then_positions():
            orchestrator.store_all_executors()
            store_net_positions(self)
            orchestrator.positions_held.clear()

        orchestrator.store_all_positions = store_executors_then_positions
        await super().on_stop()
        # Hummingbot's stop closed the positions and the executors are stored: nothing to recover.
        write_json(POSITIONS_FILE, {"held": [], "closed": []})

    # --- docker stop: cancel orders, then exit -------------------------------------------------------

    def _handle_stop_signals(self):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not started by Hummingbot's event loop (e.g. imported by a test)
            return
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, lambda: asyncio.ensure_future(stop_and_exit()))

    # --- clock entry point: readiness and heartbeat run even while connectors are not ready ----------

    def tick(self, timestamp: float):
        super().tick(timestamp)
        try:
            self._watch_connectors()
            self._watch_mqtt()
            self._publish_performance()
        finally:
            self._write_health()

    def _not_ready(self) -> dict[str, list[str]]:
        """Connector name -> the readiness checks it still fails (Hummingbot's status_dict)."""
        return {
            name: [check for check, ok in connector.status_dict.items() if not ok]
            for name, connector in self.connectors.items()
            if not connector.ready
        }

    def _watch_connectors(self):
        now = time.time()
        not_ready = self._not_ready()
        if not not_ready:
            if self._unready_since is not None:
                self.logger().info(
                    f"Exchange reachable: all connectors ready after {now - self._unready_since:.0f}s"
                )
                self._unready_since = None
            return
        self._unready_since = self._unready_since or now
        if now - self._unready_since < UNREADY_GRACE:
            return  # a connector is never ready on the first ticks after a start
        if now - self._last_unready_log < self.config.unready_report_interval:
            return
        self._last_unready_log = now
        for name, failing in not_ready.items():
            status = self.connectors[name].network_status.name
            self.logger().error(
                f"EXCHANGE UNREACHABLE: {name} not ready for {now - self._unready_since:.0f}s "
                f"(network {status}; waiting for {', '.join(failing) or 'readiness'}); no orders are placed"
            )

    def _watch_mqtt(self):
        """Lets Hummingbot's MQTT bridge reconnect after a broker restart (see reconnect_mqtt_properly),
        and logs how long the link was down: while it is, the bot trades on but monitoring cannot see it."""
        from hummingbot.client.hummingbot_application import HummingbotApplication

        gateway = HummingbotApplication.main_application()._mqtt
        if gateway is None:
            return
        reconnect_mqtt_properly(gateway)
        if not gateway._initial_connection_succeeded:
            return
        now = time.time()
        if gateway.health:
            if self._mqtt_down_since is not None:
                self.logger().info(f"MQTT link back after {now - self._mqtt_down_since:.0f}s")
                self._mqtt_down_since = None
        elif self._mqtt_down_since is None:
            self._mqtt_down_since = now
            self.logger().warning("MQTT link lost: the bridge retries until the broker is back")

    def _count_order_failure(self, event_tag, connector, event):
        self._order_failures += 1

    def _checkpoint_soon(self, event_tag, connector, event):
        """An order completed: checkpoint once this event's listeners have all run (its executor has then
        stopped with the fill), not at the next tick. A kill in that tick lost the fill from the record
        while the exchange (and the paper account, saved the same way) kept it: a hedger read back a
        position one hedge short. Several completions in one pass: one checkpoint."""
        if not self._checkpoint_pending:
            self._checkpoint_pending = True
            asyncio.get_event_loop().call_soon(self._checkpoint_now)

    def _checkpoint_now(self):
        self._checkpoint_pending = False
        if self._is_stop_triggered or not self._recovered:  # the first tick recovers the last run first
            return
        try:
            # What each tick's report does first: finished executors' fills become positions held.
            self.executor_orchestrator._update_positions_from_done_executors()
            self._checkpoint_positions()
        except Exception:  # the next tick checkpoints again; trading goes on
            self.logger().exception("Checkpoint after an order's completion failed")

    def _quotes(self, now: float) -> dict:
        """Per market-making controller: open orders of its executors (placed, not filled) and when it
        last had one (the bot's start until then). Only a market maker should always be on the book: an
        execution algorithm between children or done, or a directional controller without a signal, has
        no order by design, and BotNoLiveQuotes must not page for it. Also counts executors closed for
        want of balance (any controller's), once each."""
        quotes, short = {}, set()
        for controller_id, controller in self.controllers.items():
            executors = self.get_executors_by_controller(controller_id)
            short |= {e.id for e in executors if e.close_type == CloseType.INSUFFICIENT_BALANCE}
            if getattr(controller.config, "controller_type", None) != "market_making":
                continue
            open_quotes = sum(1 for e in executors if e.is_active and not e.is_trading)
            if open_quotes:
                self._last_quote_at[controller_id] = now
            quotes[controller_id] = {
                "open_quotes": open_quotes,
                "last_quote_at": self._last_quote_at.get(controller_id, self._started),
            }
        # Executors leave this list once stored, so only ids still listed need remembering.
        self._short_of_balance += len(short - self._short_of_balance_seen)
        self._short_of_balance_seen = short
        return quotes

    def _write_health(self):
        not_ready = self._not_ready()
        health = {
            "updated": time.time(),
            "process": self._identity,
            "ready": not not_ready,
            "not_ready_since": self._unready_since,
            "connectors": {
                name: {
                    "ready": name not in not_ready,
                    "network": connector.network_status.name,
                    "waiting_for": not_ready.get(name, []),
                }
                for name, connector in self.connectors.items()
            },
            "controllers": {cid: controller.status.name for cid, controller in self.controllers.items()},
            "stopped_by_drawdown": self._stopped_by_drawdown,
            "quotes": self._quotes(time.time()),
            "order_failures": self._order_failures,
            "insufficient_balance": self._short_of_balance,
        }
        write_json(HEALTH_FILE, health)

    # --- trading: only runs once every connector is ready -------------------------------------------

    def on_tick(self):
        super().on_tick()
        if self._is_stop_triggered:
            return
        if not self._recovered:
            self._recovered = True
            self._recover_positions()
        self._checkpoint_positions()
        self._apply_kill_switches()
        self._apply_global_drawdown()

    # --- executors and positions across an unclean stop ---------------------------------------------

    def _unsaved(self) -> tuple[list, list]:
        """What a kill would lose: executors holding a position (their stop and take profit die with
        the process: hummingbot-api#243), and closed ones still in memory, not yet in the Executors
        table (Hummingbot stores them closed_executors_buffer at a time)."""
        held, closed = [], []
        for controller_id, executors in self.executor_orchestrator.active_executors.items():
            for executor in executors:
                if executor.is_closed:
                    closed.append((controller_id, executor, Decimal(0)))
                    continue
                amount = getattr(executor, "open_filled_amount", Decimal(0)) - getattr(
                    executor, "close_filled_amount", Decimal(0)
                )
                if amount > 0:  # an order's worth, not the dust of a closed one's rounding (1e-17)
                    connector = self.connectors[executor.config.connector_name]
                    amount = connector.quantize_order_amount(executor.config.trading_pair, amount)
                if amount > 0:
                    held.append((controller_id, executor, amount))
        return held, closed

    def _checkpoint_positions(self):
        """Written when what a kill would lose changes (a fill, a close, a store): at most a tick stale.
        The positions held go to the Position table when they change (store_net_positions)."""
        nets = {key: (net.buy_amount_base, net.sell_amount_base) for key, net in net_positions(self).items()}
        if nets != self._stored_positions:
            store_net_positions(self)
            self._stored_positions = nets
        held, closed = self._unsaved()
        key = [(e.config.id, str(amount)) for _, e, amount in held + closed]
        if key == self._checkpoint_key:
            return
        self._checkpoint_key = key

        def record(controller_id, executor, amount):
            return {
                "controller_id": controller_id,
                "executor": json.loads(executor.executor_info.model_dump_json()),
                "side": getattr(getattr(executor.config, "side", None), "name", ""),
                "amount": str(amount),
            }

        write_json(
            POSITIONS_FILE,
            {"held": [record(*item) for item in held], "closed": [record(*item) for item in closed]},
        )

    def _recover_positions(self):
        """The last run ended uncleanly. Its closed executors go to the Executors table as they closed;
        each position it held is recorded there (closed as FAILED at this start) and closed at market,
        as the clean stop would have closed it. A paper bot's account resumed first (hbot_paper), so
        what it held is still in its balances."""
        try:
            state = json.loads(POSITIONS_FILE.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(state, dict):
            return
        recorder = MarketsRecorder.get_instance()
        now = self.current_timestamp
        for orphan in state.get("closed", []):
            info = ExecutorInfo.model_validate(orphan["executor"])
            recorder.store_or_update_executor(SimpleNamespace(config=info.config, executor_info=info))
        for orphan in state.get("held", []):
            controller_id = orphan["controller_id"]
            info = ExecutorInfo.model_validate(orphan["executor"]).model_copy(
                update={
                    "status": RunnableStatus.TERMINATED,
                    "close_type": CloseType.FAILED,
                    "close_timestamp": now,
                    "is_active": False,
                    "is_trading": False,
                }
            )
            recorder.store_or_update_executor(SimpleNamespace(config=info.config, executor_info=info))
            amount, pair = Decimal(orphan["amount"]), info.config.trading_pair
            self.logger().warning(
                f"UNCLEAN STOP RECOVERY: {controller_id}'s executor {info.id} held {amount} {pair} "
                f"({orphan['side']}) when the last run ended; closing it at market"
            )
            if controller_id not in self.executor_orchestrator.active_executors:
                self.logger().error(f"{controller_id} no longer runs: close {amount} {pair} by hand")
                continue
            # Its close fills as a position held; the orphan held beside it nets the two (orphan_position).
            self.executor_orchestrator.positions_held.setdefault(controller_id, []).append(
                orphan_position(info, orphan["side"], amount)
            )
            self.executor_orchestrator.execute_action(
                CreateExecutorAction(
                    controller_id=controller_id,
                    executor_config=OrderExecutorConfig(
                        timestamp=now,
                        connector_name=info.config.connector_name,
                        trading_pair=pair,
                        side=TradeType.SELL if orphan["side"] == "BUY" else TradeType.BUY,
                        amount=amount,
                        position_action=PositionAction.CLOSE,
                        execution_strategy=ExecutionStrategy.MARKET,
                    ),
                )
            )
        self.logger().info(
            f"Recovered from an unclean stop: {len(state.get('closed', []))} closed executors stored, "
            f"{len(state.get('held', []))} positions closed"
        )
        write_json(POSITIONS_FILE, {"held": [], "closed": []})

    def _stop_controller(self, controller_id: str, reason: str):
        self.logger().info(f"Stopping controller {controller_id}: {reason}")
        self.controllers[controller_id].stop()
        executors = self.get_executors_by_controller(controller_id)
        self.executor_orchestrator.execute_actions(
            [
                StopExecutorAction(controller_id=controller_id, executor_id=e.id)
                for e in executors
                if e.is_active
            ]
        )

    def _apply_kill_switches(self):
        for controller_id, controller in self.controllers.items():
            killed = controller.config.manual_kill_switch
            if killed and controller.status == RunnableStatus.RUNNING:
                self._stop_controller(controller_id, "manual_kill_switch is set")
            elif (
                not killed
                and controller.status == RunnableStatus.TERMINATED
                and not self._stopped_by_drawdown
            ):
                self.logger().info(f"Starting controller {controller_id} again: manual_kill_switch cleared")
                controller.start()

    def _apply_global_drawdown(self):
        limit = self.config.max_global_drawdown_quote
        if limit is None or self._stopped_by_drawdown:
            return
        pnl = sum(
            (Decimal(str(self.get_performance_report(cid).global_pnl_quote)) for cid in self.controllers),
            Decimal("0"),
        )
        self._peak_pnl = max(self._peak_pnl, pnl)
        if self._peak_pnl - pnl > Decimal(str(limit)):
            self._stopped_by_drawdown = True
            for controller_id in self.controllers:
                self._stop_controller(controller_id, f"global drawdown {self._peak_pnl - pnl} > {limit}")

    def _publish_performance(self):
        now = time.time()
        if self._pub is None or now - self._last_report < self.config.performance_report_interval:
            return
        self._last_report = now
        report = {}
        for controller_id, controller in self.controllers.items():
            performance = self.controller_reports.get(controller_id, {}).get("performance")
            report[controller_id] = {
                "performance": performance.dict() if performance else {},
                "custom_info": controller.get_custom_info(),
                "status": controller.status.name,
                # PerformanceReport has no count of live executors; the exporter reads this one.
                "open_executors": sum(
                    1 for executor in self.get_executors_by_controller(controller_id) if not executor.is_done
                ),
            }
        self._pub(report)

    def apply_initial_setting(self):
        """Perpetual connectors: the controllers' leverage and position mode before the first order."""
        modes = {}
        for controller in self.controllers.values():
            config = controller.config.model_dump()
            connector = config.get("connector_name")
            if not connector or not self.is_perpetual(connector):
                continue
            if "position_mode" in config:
                modes[connector] = config["position_mode"]
            if "leverage" in config and "trading_pair" in config:
                self.connectors[connector].set_leverage(
                    leverage=config["leverage"], trading_pair=config["trading_pair"]
                )
        for connector, mode in modes.items():
            self.connectors[connector].set_position_mode(mode)

    def create_actions_proposal(self) -> list[CreateExecutorAction]:
        return []  # the controllers propose their own executors

    def stop_actions_proposal(self) -> list[StopExecutorAction]:
        return []


def reconnect_mqtt_properly(gateway) -> None:
    """Hummingbot's MQTT bridge (v2.12) never comes back after a broker restart: its reconnect loop
    stops the commlib node, which shuts the node's thread pool down for good ("cannot schedule new
    futures after shutdown"), then reads `HummingbotApplication.strategy`, which no longer exists. The
    bot traded on, invisible to monitoring, until restarted by hand. This replaces that one coroutine
    of the running bridge; its health loop, which calls it, stays Hummingbot's. Patches an instance once."""
    if getattr(gateway, "_hbot_reconnects", False):
        return
    log = logging.getLogger("hummingbot.hbot_v2_controllers")

    async def restart_gateway():
        gateway._restarting = True
        try:
            gateway.stop(False)
            gateway._executor = ThreadPoolExecutor()
            gateway._publishers, gateway._subscribers, gateway._rpc_services = [], [], []
            await asyncio.sleep(gateway._INTERVAL_RESTART_SHORT)
            gateway.start(False)
            gateway.start_market_events_fw()
            await asyncio.sleep(gateway._INTERVAL_RESTART_SHORT)
        except Exception as error:  # the broker is still away; the health loop calls again
            log.warning("MQTT reconnect failed: %r", error)
        finally:
            gateway._restarting = False
        gateway._health = await gateway._ev_loop.run_in_executor(None, gateway._check_connections)
        if not gateway._health:
            await asyncio.sleep(gateway._INTERVAL_RESTART_LONG)

    gateway._restart_gateway = restart_gateway
    gateway._hbot_reconnects = True


async def stop_and_exit() -> None:
    """What Hummingbot's `stop` command does (stop the strategy and its executors, cancel outstanding
    orders, remove connectors), bounded by STOP_TIMEOUT, then exit: the MQTT bridge's non-daemon
    threads would keep the process alive."""
    from hummingbot.client.hummingbot_application import HummingbotApplication

    log = logging.getLogger("hummingbot.hbot_v2_controllers")
    log.info("Stop signal: stopping the strategy and cancelling open orders")
    try:
        await asyncio.wait_for(HummingbotApplication.main_application().stop_loop(), STOP_TIMEOUT)
        log.info("Stopped")
    except Exception as error:  # still exit; the reason goes to the log
        log.error("Clean stop failed: %r", error)
    with contextlib.suppress(Exception):
        logging.shutdown()
    os._exit(0)
