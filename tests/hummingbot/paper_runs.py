"""One controller config, one candle window, two engines: a Hummingbot paper-trading run on the role's
replay market, and the project's conservative backtest (issue #15, item 5).

Runs inside the Hummingbot runtime image. Used by tests/bench/backtest_vs_paper.py (the published
study) and tests/hummingbot/test_backtest_vs_paper.py (the agreement test).

    from paper_runs import Window, compare_window
    row = compare_window(Window("/data/candles/ETH-BTC_5m.csv", first=5400, bars=240), "inventory_mm")

The paper side is Hummingbot's own machinery, as a bot runs it: a StrategyV2Base with the controller,
its ExecutorOrchestrator and real PositionExecutors, on the role's paper connector
(roles/hummingbot/files/hbot_paper.py: the compiled PaperTradeExchange, filling resting orders from
the replayed prints), with a MarketsRecorder writing TradeFill rows to SQLite; the fills are the
engine's own OrderFilledEvents, counted again against those rows. What differs from a bot is the time.
A bot's Clock follows the wall clock and the replay runs `speed` times faster, so every time in a
config (refresh 30 s, time limit 900 s, cooldown) would last `speed` times as many replayed seconds.
Here Hummingbot's Clock runs in BACKTEST mode and is stepped `tick` replayed seconds at a time, and
the replay, the MarketDataProvider and the executors all read that one time: a 5-minute bar lasts 300
seconds for the controller as on an exchange, and a day replays in a minute or two.

Between two clock ticks the event loop runs its ready tasks `LOOP_PASSES` times (the controller's and
each executor's control loop take one pass each, their update interval set to 0): a bot's executors
act once a second; here once per tick.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import backtest_harness  # noqa: F401  binds the project's `controllers` package before hummingbot
import pandas as pd

from controllers.analysis.engine import config_class_for, engine_config, run_backtest
from controllers.analysis.fill_model import fill_terms, price_increment
from controllers.plugin_system.registry import load_registry

REPO_ROOT = Path(__file__).resolve().parents[2]
HELPER = REPO_ROOT / "roles/hummingbot/files/hbot_paper.py"
CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))
EXCHANGE = "binance"  # the backtest's connector; the paper bot's is binance_paper_trade
PAPER_CONNECTOR = EXCHANGE + "_paper_trade"
FEE = 0.001  # Binance's public tier, maker and taker: the conservative model's and the paper engine's
TICK_SECONDS = 5.0  # replayed seconds per clock tick (a bot ticks every second of wall time)
LOOP_PASSES = 3  # event-loop passes per tick: the controller and executors act once or more per tick
BOOK_PASSES = 200  # at most this many passes for a replayed print to reach the paper engine's book
# The paper account funds every quote, as the backtest (which simulates no balances) assumes: the
# controller's own inventory limit (max_inventory_pct of total_amount_quote) bounds positions on both.
ACCOUNT_MULTIPLE = 20
METRICS = (
    "fills",
    "buys",
    "sells",
    "limit_fills",
    "market_fills",
    "volume_quote",
    "fees_quote",
    "net_pnl_quote",
    "inventory_base",
    "two_sided_bars",
)  # what metrics() returns, in the study's column order


def load_paper():
    spec = importlib.util.spec_from_file_location("hbot_paper", HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Window:
    """`bars` traded bars of a candles file from row `first`; the rows before it are warm-up history."""

    candles: str  # path, <BASE>-<QUOTE>_<interval>.csv
    first: int
    bars: int

    @property
    def trading_pair(self) -> str:
        return Path(self.candles).stem.rpartition("_")[0]

    @property
    def interval(self) -> str:
        return Path(self.candles).stem.rpartition("_")[2]

    def frame(self, history: int) -> pd.DataFrame:
        frame = pd.read_csv(self.candles)
        if self.first < history or self.first + self.bars > len(frame):
            raise ValueError(
                f"window.first: rows {self.first - history}..{self.first + self.bars} "
                f"(history {history}) are outside {self.candles} ({len(frame)} rows)"
            )
        columns = ["timestamp", "open", "high", "low", "close", "volume"]
        return frame[columns].iloc[self.first - history : self.first + self.bars].reset_index(drop=True)

    def label(self) -> str:
        return f"{self.trading_pair} rows {self.first}-{self.first + self.bars - 1}"


@dataclass
class SideRun:
    """One engine's fills over the window: FILL columns (timestamp, side +1/-1, amount, price,
    fee_quote, kind limit/market), plus what it needed to get there."""

    fills: pd.DataFrame
    wall_seconds: float
    notes: dict[str, Any] = field(default_factory=dict)


def checked_config(controller: str, window: Window, overrides: dict | None = None):
    """The controller's defaults on the window's market, validated once by the registry."""
    registry = load_registry()
    return registry.check(
        {
            "controller_name": controller,
            "connector_name": EXCHANGE,
            "trading_pair": window.trading_pair,
            "interval": window.interval,
            "total_amount_quote": 0.05,
            "fee_maker": FEE,
            "fee_taker": FEE,
            **(overrides or {}),
        }
    )


def metrics(fills: pd.DataFrame, final_close: float, interval: float = 300.0) -> dict[str, float]:
    """Counts, traded quote volume, fees, and net PnL marked to `final_close`: cash in and out of every
    fill, less fees, plus what the fills left held valued at the close. One formula for both engines.

    `two_sided_bars`: bars with limit fills on both sides, the mark of a round trip inside one bar."""
    side, amount, price = fills["side"], fills["amount"], fills["price"]
    cash = float((-side * amount * price).sum()) - float(fills["fee_quote"].sum())
    limit = fills[fills["kind"] == "limit"]
    sides_per_bar = limit.groupby(limit["timestamp"] - limit["timestamp"] % interval)["side"].nunique()
    return {
        "fills": len(fills),
        "buys": int((side > 0).sum()),
        "sells": int((side < 0).sum()),
        "limit_fills": int((fills["kind"] == "limit").sum()),
        "market_fills": int((fills["kind"] == "market").sum()),
        "volume_quote": float((amount * price).sum()),
        "fees_quote": float(fills["fee_quote"].sum()),
        "net_pnl_quote": cash + float((side * amount).sum()) * final_close,
        "inventory_base": float((side * amount).sum()),
        "two_sided_bars": int((sides_per_bar == 2).sum()),
    }


# --- the conservative backtest ---------------------------------------------------------------------


def backtest_side(
    controller: str, window: Window, overrides: dict | None = None, decisions: str = "close"
) -> SideRun:
    """The project's conservative backtest of the config, on the window with its warm-up history;
    `decisions` a term of the model (fill_model.DECISIONS: once a bar, or at each point of its path).

    Fills from the engine's ledger: entries and exits; a position still open at the end stays held
    (its "mark" leg is no trade) and is valued at the final close, as the paper run's is."""
    checked = checked_config(controller, window, overrides)
    history = checked.warmup_bars
    frame = window.frame(history)
    tick = price_increment(frame[["open", "high", "low", "close"]].to_numpy().ravel().tolist())
    terms = fill_terms(EXCHANGE, maker_fee=FEE, taker_fee=FEE, tick=tick, decisions=decisions)
    data = engine_config({"controller_type": "market_making", **checked.config})
    result = run_backtest(
        data,
        frame,
        config_class=config_class_for(controller),
        interval=window.interval,
        fee=FEE,
        fill=terms,
    )
    ledger = result.fills()
    ledger = ledger[ledger["leg"] != "mark"]
    executors = {e.id: e for e in result.executors}
    kinds = []
    for row in ledger.itertuples():
        close_type = executors[row.executor_id].close_type
        # Entries are the quotes (limit); an exit is the take-profit's limit order or a market close.
        limit = row.leg == "entry" or (close_type is not None and close_type.name == "TAKE_PROFIT")
        kinds.append("limit" if limit else "market")
    fills = pd.DataFrame(
        {
            "timestamp": ledger["timestamp"].astype(float),
            "side": ledger["side"].astype(int),
            "amount": ledger["amount"].astype(float),
            "price": ledger["price"].astype(float),
            "fee_quote": ledger["fee_quote"].astype(float),
            "kind": kinds,
        }
    )
    first_ts = float(frame["timestamp"].iloc[history])
    close_types: dict[str, int] = {}
    for executor in result.executors:
        kind = "OPEN" if executor.close_type is None else executor.close_type.name
        close_types[kind] = close_types.get(kind, 0) + 1
    notes = {
        "executors": len(result.executors),
        "close_types": close_types,
        "fills_before_window": int((fills["timestamp"] < first_ts).sum()),
        "model": terms.summary(),
    }
    return SideRun(fills[fills["timestamp"] >= first_ts].reset_index(drop=True), result.wall_seconds, notes)


# --- the paper-trading run -------------------------------------------------------------------------


class ReplayTime:
    """The one time of a paper run: the replayed market's, in seconds, stepped by the driver."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


def _strategy_class(paper):
    """Hummingbot's StrategyV2Base, reduced to what a study needs (built at call time: imports
    Hummingbot's strategy modules). `paper`: the loaded hbot_paper module whose connectors it trades on."""
    from hummingbot.connector.markets_recorder import MarketsRecorder
    from hummingbot.data_feed.market_data_provider import MarketDataProvider
    from hummingbot.strategy.strategy_v2_base import StrategyV2Base
    from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor

    class ReplayTimePositionExecutor(PositionExecutor):
        """Hummingbot's PositionExecutor, whose one pause (5 s between attempts to shut down: cancel,
        then close) lasts 5 s of the run's clock. asyncio's sleep would last 5 s of wall time: a
        minute of replayed market here, as 5 minutes at the bot's own speed of 60."""

        async def _sleep(self, delay: float):
            until = self._strategy.current_timestamp + delay
            while self._strategy.current_timestamp < until and not self.terminated.is_set():
                await asyncio.sleep(0)

    class ReplayTimeProvider(MarketDataProvider):
        """Hummingbot's provider, whose time() (what controllers read as now) is the replay's."""

        def __init__(self, connectors, clock: Callable[[], float]):
            super().__init__(connectors)
            self._replay_time = clock

        def time(self) -> float:
            return self._replay_time()

    class StudyStrategy(paper.PaperOrders, StrategyV2Base):
        """The controller and its executors as the role's V2 script runs them, on the paper connectors
        (orders sent to them as the V2 script sends them: PaperOrders). No MQTT (start() skips it) and
        no controller files (the config object is handed over)."""

        markets: dict = {}
        closed_executors_buffer = 10  # the V2 script's: closed executors leave memory for the Executors table

        def __init__(self, connectors, config, controller_config, clock, paper, connector, candle_priced):
            self._study = (controller_config, clock, paper, connector, candle_priced)
            super().__init__(connectors, config)
            # A bot's executors act every second of its clock; here once per tick (see LOOP_PASSES).
            orchestrator = self.executor_orchestrator
            orchestrator.executors_update_interval = 0.0
            orchestrator._executor_mapping = {
                **orchestrator._executor_mapping,
                "position_executor": ReplayTimePositionExecutor,
            }

        def initialize_controllers(self):
            controller_config, clock, paper, connector, candle_priced = self._study
            self.market_data_provider = ReplayTimeProvider(self.connectors, clock)
            paper.serve_paper_market(self.market_data_provider, connector)  # as the V2 script does
            controller_class = controller_config.get_controller_class()
            if candle_priced:

                class CandlePriced(controller_class):
                    """The diagnosis's controller: priced on the bar closes only, as in a backtest (the
                    live one centres its quotes on the book's mid, which moves at every print)."""

                    def book_top(self):
                        return None

                controller_class = CandlePriced
            self.controllers[controller_config.id] = controller_class(
                controller_config, self.market_data_provider, self.actions_queue
            )
            MarketsRecorder.get_instance().store_controller_config(controller_config)

        def create_actions_proposal(self) -> list:
            return []  # the controller proposes its own executors (as in the V2 script)

        def stop_actions_proposal(self) -> list:
            return []

        def start(self, clock, timestamp: float) -> None:
            self._last_timestamp = timestamp
            for controller in self.controllers.values():
                controller.update_interval = 0.0
                controller.start()

    return StudyStrategy


async def _passes(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


def _event_fills(events: list, quote_asset: str) -> pd.DataFrame:
    """The paper engine's OrderFilledEvents as fills; fees in quote (a buy's fee is charged in base)."""
    records = []
    for event in events:
        price, amount = float(event.price), float(event.amount)
        fee = event.trade_fee
        fee_quote = float(fee.percent) * price * amount
        for flat in fee.flat_fees:
            fee_quote += float(flat.amount) * (1.0 if flat.token == quote_asset else price)
        records.append(
            {
                "timestamp": float(event.timestamp),
                "side": 1 if event.trade_type.name == "BUY" else -1,
                "amount": amount,
                "price": price,
                "fee_quote": fee_quote,
                "kind": "market" if event.order_type.name == "MARKET" else "limit",
            }
        )
    return pd.DataFrame(records, columns=["timestamp", "side", "amount", "price", "fee_quote", "kind"])


def _trade_fill_count(db_path: Path) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COUNT(*) FROM TradeFill").fetchone()[0]


def paper_side(
    controller: str,
    window: Window,
    overrides: dict | None = None,
    tick_seconds: float = TICK_SECONDS,
    candle_priced: bool = False,
    workdir: Path | None = None,
    perpetual: dict | None = None,
    on_tick: Callable[[Any, Any, float], None] | None = None,
) -> SideRun:
    """The config paper-traded on the replay of the window (warm-up bars already in the past).

    `candle_priced`: a diagnosis, not a bot. The controller then ignores the book and prices its quotes
    on bar closes, as it does in a backtest, so what differs from the backtest is the fill side only:
    the paper engine on the replayed prints against the conservative model on the bars.

    `perpetual`: the `paper.perpetual` settings of a hedged controller (hbot_paper.PaperPerpetual on the
    same replay); its connector is the controller's hedge connector, and its fills, funding and final
    position are in the notes. `on_tick(controller, perp, now)` is called after every tick."""
    with tempfile.TemporaryDirectory() as scratch:
        return asyncio.run(
            _paper(
                controller,
                window,
                overrides,
                tick_seconds,
                candle_priced,
                Path(workdir or scratch),
                perpetual,
                on_tick,
            )
        )


async def _paper(
    controller, window, overrides, tick_seconds, candle_priced, workdir: Path, perpetual=None, on_tick=None
) -> SideRun:
    from hummingbot.client.config.client_config_map import ClientConfigMap, MarketDataCollectionConfigMap
    from hummingbot.client.config.config_helpers import ClientConfigAdapter
    from hummingbot.connector.markets_recorder import MarketsRecorder
    from hummingbot.core.clock import Clock, ClockMode
    from hummingbot.core.event.event_forwarder import SourceInfoEventForwarder
    from hummingbot.core.event.events import MarketEvent
    from hummingbot.model.sql_connection_manager import SQLConnectionManager, SQLConnectionType
    from hummingbot.strategy.strategy_v2_base import StrategyV2ConfigBase

    paper = load_paper()
    checked = checked_config(controller, window, overrides)
    history = checked.warmup_bars
    frame = window.frame(history)
    candles = workdir / f"{window.trading_pair}_{window.interval}.csv"
    frame.to_csv(candles, index=False)
    tick = price_increment(frame[["open", "high", "low", "close"]].to_numpy().ravel().tolist())
    price = float(frame["close"].iloc[history - 1])
    capital = float(checked.config["total_amount_quote"]) * ACCOUNT_MULTIPLE
    base, quote = window.trading_pair.split("-")
    balances = {base: capital / price, quote: capital}
    settings = paper.PaperSettings.parse(
        {
            "exchange": EXCHANGE,
            "market": "replay",
            "balances": balances,
            "replay": {
                "candles": str(candles),
                "trading_pair": window.trading_pair,
                "speed": 1.0,  # replayed seconds per second of the run's own clock (ReplayTime)
                "history_bars": history,
                "trading_rules": {"min_price_increment": tick},  # the backtest's tick (same candles)
            },
            **({"perpetual": perpetual} if perpetual else {}),
        }
    )
    start = float(frame["timestamp"].iloc[history])
    interval = float(frame["timestamp"].iloc[1] - frame["timestamp"].iloc[0])
    # The last bar's close prints at 3/4 of its span; the next step would start the replay's second lap.
    end = float(frame["timestamp"].iloc[-1]) + interval - tick_seconds
    clock_time = ReplayTime(start)
    connector = paper.build_connector(settings, [window.trading_pair], now=start, clock=clock_time)
    connectors = {PAPER_CONNECTOR: connector}
    perp = None
    if settings.perpetual is not None:
        perp = paper.build_perpetual(settings, [window.trading_pair], connector.replay)
        connectors[settings.perpetual.connector] = perp
    sources = [each.order_book_tracker.data_source for each in connectors.values()]

    sql = SQLConnectionManager(
        ClientConfigAdapter(ClientConfigMap()),
        SQLConnectionType.TRADE_FILLS,
        db_path=str(workdir / "paper.sqlite"),
    )
    recorder = MarketsRecorder(
        sql,
        list(connectors.values()),
        "backtest_vs_paper.yml",
        "hbot_v2_controllers",
        MarketDataCollectionConfigMap(),
    )
    recorder.start()
    # The fills as the engine reported them, exact; the recorder's TradeFill rows keep 6 decimals
    # (an ETH-BTC price to 1e-6 BTC), so they are the count's cross-check, not the prices' source.
    events: list = []
    fill_listener = SourceInfoEventForwarder(lambda tag, source, event: events.append(event))
    connector.add_listener(MarketEvent.OrderFilled, fill_listener)
    placed: dict[str, float] = {}  # order id -> when the executor placed it (for the gap's diagnosis)
    created_listener = SourceInfoEventForwarder(
        lambda tag, source, event: placed.setdefault(event.order_id, float(event.creation_timestamp))
    )
    for tag in (MarketEvent.BuyOrderCreated, MarketEvent.SellOrderCreated):
        connector.add_listener(tag, created_listener)
    perp_events: list = []
    perp_listener = SourceInfoEventForwarder(lambda tag, source, event: perp_events.append(event))
    if perp is not None:
        for tag in (MarketEvent.OrderFilled, MarketEvent.OrderFailure, MarketEvent.FundingPaymentCompleted):
            perp.add_listener(tag, perp_listener)
    data = engine_config({"controller_type": "market_making", **checked.config})
    data["connector_name"] = PAPER_CONNECTOR  # as the role writes a paper bot's controller
    data["candles_connector"] = EXCHANGE
    if perp is not None:
        data["hedge_connector_name"] = settings.perpetual.connector
    controller_config = config_class_for(controller)(**data)
    strategy_config = StrategyV2ConfigBase(
        markets={name: {window.trading_pair} for name in connectors}, candles_config=[]
    )
    strategy = _strategy_class(paper)(
        connectors,
        strategy_config,
        controller_config,
        clock_time,
        paper,
        connector,
        candle_priced,
    )

    clock = Clock(ClockMode.BACKTEST, tick_size=tick_seconds, start_time=start, end_time=end + tick_seconds)
    for each in connectors.values():
        clock.add_iterator(each)
    clock.add_iterator(strategy)
    started = time.perf_counter()
    with clock:
        clock.backtest_til(start)  # starts the connector (its network: books, rules) and the strategy
        deadline = time.time() + 30
        ready = lambda: all(each.ready for each in connectors.values())  # noqa: E731
        while not (ready() and strategy.market_data_provider.ready):  # wall time: startup only
            if time.time() > deadline:
                raise RuntimeError(f"paper connector not ready: {connector.status_dict}")
            await asyncio.sleep(0.05)
        books = [each.get_order_book(window.trading_pair) for each in connectors.values()]
        controller_under_test = next(iter(strategy.controllers.values()))
        now = start
        while now < end:
            now += tick_seconds
            clock_time.now = now
            step = connector.replay.step(now)
            if step > sources[0]._sent:
                # The new price points reach the paper engine before the clock ticks: trades
                # through resting orders fill at their prints, as on the bot's replay.
                for source in sources:
                    source._emit(step)
                for _ in range(BOOK_PASSES):
                    if all(book.snapshot_uid >= step + 1 for book in books):
                        break
                    await asyncio.sleep(0)
            if perp is not None:
                perp.settle_funding()  # the bot's funding loop, on the run's clock
            clock.backtest_til(now)
            await _passes(LOOP_PASSES)
            if on_tick is not None:
                on_tick(controller_under_test, perp, now)
        wall = time.perf_counter() - started
        ledger = getattr(controller_under_test, "closed_executors", None)
        strategy.executor_orchestrator.store_all_executors()
        notes = {
            "balances": {asset: float(amount) for asset, amount in connector.get_all_balances().items()},
            "opening_balances": balances,
        }
        if ledger is not None:  # what the controller's kill switch read of its finished executors
            notes["ledger_realised_pnl"] = ledger.realised_pnl
            notes["ledger_read"] = sorted(ledger.read)
        if perp is not None:
            notes["perp_events"] = perp_events
            notes["perp_positions"] = dict(perp._positions)
            notes["perp_balances"] = perp.get_all_balances()
        recorder.stop()
        # Hummingbot keeps the recorder as a process-wide singleton: as when a bot exits, forget it (an
        # execution controller built later in this process would read its deleted database).
        MarketsRecorder._shared_instance = None
    recorded = _trade_fill_count(workdir / "paper.sqlite")
    reported = len(events) + sum(type(event).__name__ == "OrderFilledEvent" for event in perp_events)
    if recorded != reported:
        raise RuntimeError(f"TradeFill rows: {recorded}, but the connectors reported {reported} fills")
    notes.update(_executor_counts(workdir / "paper.sqlite"))
    notes["limit_fills_quoted_within_bar"] = _quoted_within_bar(events, placed, interval)
    return SideRun(_event_fills(events, quote), wall, notes)


def _quoted_within_bar(events: list, placed: dict[str, float], interval: float) -> int:
    """Limit fills of orders placed on a print inside the bar they filled in (its nearer extreme or
    later): the controller quotes around the book's mid, which moves at each replayed print. A backtest
    prices its quotes once a bar, on the close (about the next bar's open), and fills them in later bars
    only. An order placed at a bar's open is priced as the backtest's would be, and not counted."""
    count = 0
    for event in events:
        if event.order_type.name == "MARKET" or event.order_id not in placed:
            continue
        bar_open = event.timestamp - event.timestamp % interval
        count += placed[event.order_id] >= bar_open + interval / 4
    return count


def _executor_counts(db_path: Path) -> dict[str, Any]:
    """Executors by how they closed, from the Executors table (still open at the end: OPEN)."""
    import sqlite3

    from hummingbot.strategy_v2.models.executors import CloseType

    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT close_type, COUNT(*) FROM Executors GROUP BY 1").fetchall()
        pnl = db.execute("SELECT id, net_pnl_quote FROM Executors").fetchall()
    return {
        "executors": sum(count for _, count in rows),
        "close_types": {("OPEN" if kind is None else CloseType(kind).name): n for kind, n in rows},
        "net_pnl_by_id": {executor_id: float(value) for executor_id, value in pnl},  # as stored, final
    }


# --- side by side ----------------------------------------------------------------------------------


# backtest: the conservative backtest deciding once a bar (--decisions close); backtest_path: the same,
# deciding at each point of a bar's path (the commands' default), as the bot on the replay sees prices.
ENGINES = ("backtest", "backtest_path", "paper", "paper_candle_priced")
BACKTESTS = {"backtest": "close", "backtest_path": "path"}


def compare_window(
    window: Window,
    controller: str,
    overrides: dict | None = None,
    tick_seconds: float = TICK_SECONDS,
    engines: tuple[str, ...] = ENGINES,
) -> dict[str, Any]:
    """The engines on one window: a row of metrics per engine, and the run notes."""
    runs = {}
    for engine in engines:
        if engine in BACKTESTS:
            runs[engine] = backtest_side(controller, window, overrides, BACKTESTS[engine])
        else:
            candle_priced = engine == "paper_candle_priced"
            runs[engine] = paper_side(controller, window, overrides, tick_seconds, candle_priced)
    final_close = float(pd.read_csv(window.candles)["close"].iloc[window.first + window.bars - 1])
    row: dict[str, Any] = {"window": window, "controller": controller, "final_close": final_close}
    for engine, run in runs.items():
        row[engine] = {**metrics(run.fills, final_close), "wall_seconds": run.wall_seconds}
    row["notes"] = {engine: run.notes for engine, run in runs.items()}
    row["fills"] = {engine: run.fills for engine, run in runs.items()}
    return row


def fill_ratio(row: dict[str, Any], engine: str = "paper", backtest: str = "backtest") -> float:
    """`engine`'s fills over `backtest`'s (inf when the backtest has none)."""
    backtest, paper = row[backtest]["fills"], row[engine]["fills"]
    return paper / backtest if backtest else (math.inf if paper else 1.0)


__all__ = ["METRICS", "Window", "compare_window", "fill_ratio", "metrics"]
