"""hbot-fleet's paper market: Hummingbot's own paper connector, with trading rules, on live market data
or on a replay of recorded candles. The role mounts this file beside the V2 script (scripts/).

Why it exists: Hummingbot's `<exchange>_paper_trade` connectors have no `trading_rules`, which every
V2 executor reads when it is created (hummingbot/hummingbot#7434), so V2 bots cannot paper-trade. The
connector is compiled Cython, so its class cannot be patched; it can be subclassed.

How it plugs in, with no file of Hummingbot's changed:
- The V2 script's `init_markets` runs before Hummingbot creates the strategy's connectors. `install`
  builds each paper connector here and registers it with Hummingbot's ConnectorManager, which hands
  back an existing connector as is; the clock, the markets recorder (TradeFill, Orders, Executors
  rows) and the strategy then use it like any connector.
- `PaperExchange` subclasses the compiled PaperTradeExchange: its own order matching, balances and
  fill events, plus `trading_rules` and rule-based quantization.
- live market: order books and trades from the real connector's public streams; trading rules from
  its public exchange info (no keys), as Hummingbot's backtester gets them.
- replay market: `ReplayMarket` walks recorded OHLCV candles (open, then the nearer extreme, the other
  extreme, close) at `speed` times real time, and `ReplayDataSource` turns each step into an order
  book snapshot and a trade, so the paper engine fills resting orders the way it does on live data:
  a bid fills when a trade prints below it or the book's ask crosses it, at the bid's own price.
  Strategies read the same replay through `candles_feed` (closed bars only: no look-ahead).
  A file named `halt` beside the candles stops the feed (an exchange outage, for fault drills);
  the connector then reports `market_feed_alive: false` until it is removed.
- perpetual (`paper.perpetual`, replay only): `PaperPerpetual`, a paper perpetual account on the same
  replay at zero basis, for hedged_mm's hedge: market orders, one-way positions, margin, reduce-only
  closes and a constant funding rate (its docstring says what it models and what not). `PaperOrders`,
  mixed into the V2 script, sends each paper connector its orders through its own `place`.
"""

import asyncio
import csv
import json
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from hummingbot.connector.derivative.perpetual_budget_checker import PerpetualBudgetChecker
from hummingbot.connector.derivative.position import Position
from hummingbot.connector.exchange.paper_trade.paper_trade_exchange import PaperTradeExchange
from hummingbot.connector.perpetual_trading import PerpetualTrading
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.connector.utils import get_new_client_order_id
from hummingbot.core.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hummingbot.core.data_type.funding_info import FundingInfo
from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot.core.data_type.order_book_tracker import OrderBookTracker
from hummingbot.core.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot.core.event.event_forwarder import SourceInfoEventForwarder
from hummingbot.core.event.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    FundingPaymentCompletedEvent,
    MarketEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    OrderFilledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)
from hummingbot.core.utils.async_utils import safe_ensure_future
from hummingbot.core.utils.estimate_fee import build_perpetual_trade_fee

PAPER_SUFFIX = "_paper_trade"
FEED_TIMEOUT = 30.0  # seconds without a replay step before the feed counts as dead
RULES_RETRY = 30.0  # seconds between attempts to read the live exchange's trading rules
LOG = logging.getLogger("hummingbot.hbot_paper")
NAN = Decimal("NaN")  # Hummingbot's default price: none given (a market order)


class PaperConfigError(ValueError):
    """A paper setting the bot cannot run with; the message names the field."""


# --- settings (written by the role into the V2 script's config under `paper:`) ------------------------


@dataclass(frozen=True)
class ReplaySettings:
    candles: Path  # CSV: timestamp (s, bar open), open, high, low, close, volume
    trading_pair: str
    speed: float = 60.0  # replayed seconds per real second
    spread_bps: float = 2.0  # half-spread of the synthetic book around the replayed price
    history_bars: int = 500  # bars already "in the past" when the replay starts (strategy warm-up)
    rules: dict = field(default_factory=dict)  # TradingRule fields for the replayed pair


@dataclass(frozen=True)
class PerpetualSettings:
    """A paper perpetual account on the same replay as the spot market (zero basis): hedged_mm's hedge."""

    exchange: str  # the perpetual connector the controllers name, e.g. binance_perpetual
    balances: dict[str, Decimal]  # its collateral, e.g. {BTC: 0.5}: a separate account from the spot one
    funding_rate: Decimal = Decimal("0.0001")  # per funding period, constant; longs pay when positive
    funding_hours: float = 8.0  # funding period, in the replay's hours, aligned to UTC midnight

    @property
    def connector(self) -> str:
        return self.exchange + PAPER_SUFFIX


@dataclass(frozen=True)
class PaperSettings:
    exchange: str
    balances: dict[str, Decimal]
    replay: ReplaySettings | None = None
    perpetual: PerpetualSettings | None = None

    @property
    def connector(self) -> str:
        return self.exchange + PAPER_SUFFIX

    @classmethod
    def parse(cls, raw: dict) -> "PaperSettings":
        def need(mapping: dict, key: str, where: str) -> Any:
            if mapping.get(key) in (None, ""):
                raise PaperConfigError(f"paper.{where}{key} is required")
            return mapping[key]

        def amounts(mapping: dict, where: str) -> dict[str, Decimal]:
            parsed = {}
            for asset, amount in (mapping or {}).items():
                try:
                    parsed[str(asset).upper()] = Decimal(str(amount))
                except ArithmeticError as error:
                    raise PaperConfigError(f"paper.{where}.{asset}: {amount!r} is not a number") from error
            return parsed

        balances = amounts(raw.get("balances"), "balances")
        replay = None
        if raw.get("market", "live") == "replay":
            spec = need(raw, "replay", "")
            replay = ReplaySettings(
                candles=Path(need(spec, "candles", "replay.")),
                trading_pair=str(need(spec, "trading_pair", "replay.")),
                speed=float(spec.get("speed", 60.0)),
                spread_bps=float(spec.get("spread_bps", 2.0)),
                history_bars=int(spec.get("history_bars", 500)),
                rules=dict(spec.get("trading_rules") or {}),
            )
        perpetual = None
        if raw.get("perpetual"):
            spec = raw["perpetual"]
            if replay is None:
                raise PaperConfigError(
                    "paper.perpetual: needs market: replay (the perp replays the spot's candles)"
                )
            exchange = str(need(spec, "exchange", "perpetual."))
            if "perpetual" not in exchange:
                raise PaperConfigError(f"paper.perpetual.exchange: {exchange!r} is not a perpetual connector")
            try:
                rate, hours = (
                    Decimal(str(spec.get("funding_rate", "0.0001"))),
                    float(spec.get("funding_hours", 8)),
                )
            except (ArithmeticError, ValueError) as error:
                raise PaperConfigError(f"paper.perpetual.funding_rate/funding_hours: {error}") from error
            if not hours > 0:
                raise PaperConfigError(f"paper.perpetual.funding_hours: {hours} must be above 0")
            perpetual = PerpetualSettings(
                exchange, amounts(spec.get("balances"), "perpetual.balances"), rate, hours
            )
        return cls(
            exchange=str(need(raw, "exchange", "")), balances=balances, replay=replay, perpetual=perpetual
        )


# --- the replay: recorded candles -> a price path in real (or accelerated) time -----------------------


@dataclass(frozen=True)
class Bar:
    timestamp: float
    open: float
    high: float
    low: float
    close: float
    volume: float

    def path(self) -> tuple[float, float, float, float]:
        """Open, the nearer extreme first (a rising bar dips before it rallies), the other, close."""
        if self.close >= self.open:
            return (self.open, self.low, self.high, self.close)
        return (self.open, self.high, self.low, self.close)


def read_candles(path: Path) -> list[Bar]:
    try:
        with path.open(newline="") as handle:
            rows = [
                Bar(*(float(row[name]) for name in ("timestamp", "open", "high", "low", "close", "volume")))
                for row in csv.DictReader(handle)
            ]
    except (OSError, KeyError, ValueError) as error:
        raise PaperConfigError(f"paper.replay.candles: cannot read {path}: {error}") from error
    if len(rows) < 2:
        raise PaperConfigError(f"paper.replay.candles: {path} holds fewer than 2 bars")
    return rows


class ReplayMarket:
    """Recorded bars replayed from `start` (a time of `clock`) at `speed`. At the end of the data it
    starts again, scaled so that the next lap opens where the last one closed (no price jump).

    `clock` is the wall clock in a bot. A study that steps Hummingbot's Clock itself (the backtest
    against paper, docs/backtest-vs-paper.md) passes its own, so the replay, the strategy and the
    executors share one time."""

    POINTS = 4  # open, extreme, extreme, close

    def __init__(
        self,
        bars: list[Bar],
        settings: ReplaySettings,
        start: float,
        halt_file: Path | None = None,
        clock=time.time,
    ):
        self.now = clock
        self.bars = bars
        self.settings = settings
        self.interval = bars[1].timestamp - bars[0].timestamp
        self.first_bar = min(settings.history_bars, len(bars) - 1)
        self.start = start
        self.halt_file = halt_file
        self._lap_scale = bars[-1].close / bars[0].open
        self._halted_for = 0.0
        self._halted_at: float | None = None

    def bar(self, k: int) -> Bar:
        """Bar k of the endless replay (laps of the data, each scaled to continue the last)."""
        lap, index = divmod(k, len(self.bars))
        scale = self._lap_scale**lap
        bar = self.bars[index]
        return Bar(
            bar.timestamp + lap * len(self.bars) * self.interval,
            bar.open * scale,
            bar.high * scale,
            bar.low * scale,
            bar.close * scale,
            bar.volume,
        )

    def halted(self, now: float) -> bool:
        """The halt file pauses the replayed clock: the market resumes where it stopped."""
        halted = self.halt_file is not None and self.halt_file.exists()
        if halted and self._halted_at is None:
            self._halted_at = now
        elif not halted and self._halted_at is not None:
            self._halted_for += now - self._halted_at
            self._halted_at = None
        return halted

    def step(self, now: float) -> int:
        """Index of the current point: bar (first_bar + step // POINTS), point step % POINTS."""
        elapsed = (self._halted_at or now) - self.start - self._halted_for
        return max(0, int(elapsed * self.settings.speed * self.POINTS / self.interval))

    def point(self, step: int) -> tuple[Bar, float]:
        bar = self.bar(self.first_bar + step // self.POINTS)
        return bar, bar.path()[step % self.POINTS]

    def replay_time(self, step: int) -> float:
        bar, _ = self.point(step)
        return bar.timestamp + (step % self.POINTS) * self.interval / self.POINTS

    def closed_bars(self, step: int, count: int) -> list[Bar]:
        """The `count` bars that closed before the current one: what a strategy may know."""
        current = self.first_bar + step // self.POINTS
        return [self.bar(k) for k in range(max(0, current - count), current)]

    def seconds_per_step(self) -> float:
        return self.interval / self.settings.speed / self.POINTS

    def poll_seconds(self) -> float:
        """How often a loop following the replay wakes: twice a step, within 0.05-1 s."""
        return min(1.0, max(0.05, self.seconds_per_step() / 2))

    def replay_clock(self, now: float) -> float:
        """The replayed market's time at `now`, continuous (between the points the feed steps through)."""
        elapsed = (self._halted_at or now) - self.start - self._halted_for
        return self.bar(self.first_bar).timestamp + max(0.0, elapsed) * self.settings.speed

    def clock_at(self, replay_time: float, now: float) -> float:
        """The time of `clock` at which the replay reaches `replay_time`, if it runs on from `now`."""
        return now + (replay_time - self.replay_clock(now)) / self.settings.speed


def resample(bars: list[Bar], factor: int) -> list[Bar]:
    """Bars `factor` times longer, aligned like exchange candles; only whole ones (no partial bar)."""
    seconds = factor * (bars[1].timestamp - bars[0].timestamp) if len(bars) > 1 else 0
    groups: dict[float, list[Bar]] = {}
    for bar in bars:
        groups.setdefault(bar.timestamp - bar.timestamp % seconds if seconds else bar.timestamp, []).append(
            bar
        )
    return [
        Bar(
            start,
            members[0].open,
            max(b.high for b in members),
            min(b.low for b in members),
            members[-1].close,
            sum(b.volume for b in members),
        )
        for start, members in groups.items()
        if len(members) == factor
    ]


INTERVAL_SECONDS = {
    "1s": 1,
    "1m": 60,
    "3m": 180,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "12h": 43200,
    "1d": 86400,
}


class ReplayCandles:
    """A candles feed over the replay, for any interval that is a multiple of the recorded one.
    It answers what Hummingbot's candle feeds answer (`candles_df`, `ready`, `start`, `stop`)."""

    max_records = 10**9  # Hummingbot's MarketDataProvider reuses a feed with at least the records asked

    def __init__(self, market: ReplayMarket, interval: str, records: int):
        seconds = INTERVAL_SECONDS.get(interval)
        if seconds is None or seconds % market.interval:
            raise PaperConfigError(
                f"interval {interval!r}: the replay's candles are {market.interval:.0f}s bars; "
                "use their interval or a multiple of it"
            )
        self.market = market
        self.factor = int(seconds // market.interval)
        self.records = records
        self.ready = True
        self._frame: tuple[int, pd.DataFrame] | None = None  # (bars closed, frame): built once per bar

    @property
    def candles_df(self) -> pd.DataFrame:
        """Read on every controller tick; the frame changes only when a recorded bar closes."""
        step = self.market.step(self.market.now())
        closed = step // self.market.POINTS
        if self._frame is None or self._frame[0] != closed:
            self._frame = (closed, self._build(step))
        return self._frame[1]

    def _build(self, step: int) -> pd.DataFrame:
        bars = self.market.closed_bars(step, (self.records + 1) * self.factor)
        if self.factor > 1:
            bars = resample(bars, self.factor)
        frame = pd.DataFrame([bar.__dict__ for bar in bars[-self.records :]])
        if len(frame):
            frame["quote_asset_volume"] = frame["volume"] * frame["close"]
            for column in ("n_trades", "taker_buy_base_volume", "taker_buy_quote_volume"):
                frame[column] = 0.0
        return frame

    def start(self):
        pass

    def stop(self):
        pass


class ReplayDataSource(OrderBookTrackerDataSource):
    """Order book snapshots and trades from the replay, in the shape the exchange streams give."""

    LEVELS = 10

    def __init__(self, market: ReplayMarket, trading_pairs: list[str]):
        super().__init__(trading_pairs)
        self.market = market
        self._outputs: dict[str, asyncio.Queue] = {}
        self._sent = -1
        self.last_step_at = 0.0

    def _book(self, trading_pair: str, price: float, volume: float, step: int) -> OrderBookMessage:
        half = self.market.settings.spread_bps / 10_000
        size = max(volume / self.market.POINTS, 1e-8)
        bids = [[price * (1 - half * (1 + level)), size] for level in range(self.LEVELS)]
        asks = [[price * (1 + half * (1 + level)), size] for level in range(self.LEVELS)]
        content = {"trading_pair": trading_pair, "update_id": step + 1, "bids": bids, "asks": asks}
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, content, self.market.replay_time(step))

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        step = self.market.step(self.market.now())
        bar, price = self.market.point(step)
        return self._book(trading_pair, price, bar.volume, step)

    async def get_last_traded_prices(
        self, trading_pairs: list[str], domain: str | None = None
    ) -> dict[str, float]:
        _, price = self.market.point(self.market.step(self.market.now()))
        return {pair: price for pair in trading_pairs}

    async def listen_for_order_book_snapshots(self, ev_loop, output: asyncio.Queue):
        self._outputs["snapshots"] = output
        await asyncio.Event().wait()

    async def listen_for_trades(self, ev_loop, output: asyncio.Queue):
        self._outputs["trades"] = output
        await asyncio.Event().wait()

    async def listen_for_order_book_diffs(self, ev_loop, output: asyncio.Queue):
        await asyncio.Event().wait()  # a replay sends whole books, never diffs

    async def listen_for_subscriptions(self):
        """The replay clock: every step since the last one becomes a trade and then a book."""
        while True:
            now = self.market.now()
            if len(self._outputs) == 2 and not self.market.halted(now):
                self._emit(self.market.step(now))
                self.last_step_at = time.time()  # liveness is the process's: always wall time
            await asyncio.sleep(self.market.poll_seconds())

    def _emit(self, step: int):
        if self._sent < 0:
            self._sent = step
        for current in range(self._sent + 1, step + 1):
            _, before = self.market.point(current - 1)
            bar, price = self.market.point(current)
            side = TradeType.SELL if price < before else TradeType.BUY
            for pair in self._trading_pairs:
                trade = {
                    "trading_pair": pair,
                    "trade_type": float(side.value),
                    "trade_id": current,
                    "update_id": current + 1,
                    "price": price,
                    "amount": max(bar.volume / self.market.POINTS, 1e-8),
                }
                timestamp = self.market.replay_time(current)
                self._outputs["trades"].put_nowait(
                    OrderBookMessage(OrderBookMessageType.TRADE, trade, timestamp)
                )
                self._outputs["snapshots"].put_nowait(self._book(pair, price, bar.volume, current))
        self._sent = max(self._sent, step)

    async def subscribe_to_trading_pair(self, trading_pair: str) -> bool:
        return trading_pair in self._trading_pairs

    async def unsubscribe_from_trading_pair(self, trading_pair: str) -> bool:
        return True


# --- the connector ----------------------------------------------------------------------------------


class PaperOrderTracker:
    """What V2 executors read from a connector's order tracker: `fetch_order` -> InFlightOrder, with its
    fills, fees and state. The paper engine has no tracker; this one is kept from the engine's own order
    events. (Hummingbot's ClientOrderTracker would emit those events a second time.) Executors hold the
    InFlightOrder it returns and read it later, so it is updated in place."""

    KEEP_DONE = 2000  # finished orders kept for late lookups; older ones are forgotten (memory stays flat)
    EVENTS = (
        MarketEvent.BuyOrderCreated,
        MarketEvent.SellOrderCreated,
        MarketEvent.OrderFilled,
        MarketEvent.BuyOrderCompleted,
        MarketEvent.SellOrderCompleted,
        MarketEvent.OrderCancelled,
        MarketEvent.OrderFailure,
    )

    def __init__(self, connector):
        self._orders: OrderedDict[str, InFlightOrder] = OrderedDict()
        self._connector = connector
        self._on_fill = connector.save_account  # once the engine has booked the fill
        self._save_pending = False  # several fills in one tick: one write
        self._forwarder = SourceInfoEventForwarder(self._on_event)  # held here: PubSub keeps weak references
        for event in self.EVENTS:
            connector.add_listener(event, self._forwarder)

    def _save_after_fills(self):
        self._save_pending = False
        self._on_fill()

    def fetch_order(self, client_order_id: str | None = None, exchange_order_id: str | None = None):
        order_id = client_order_id or exchange_order_id
        return self._orders.get(order_id) or self._resting(order_id)

    def _resting(self, order_id: str) -> InFlightOrder | None:
        """A limit order the engine holds but whose creation event has not reached this tracker yet.

        Hummingbot's event bus calls an event's listeners in no fixed order (a C++ unordered_set), so a
        PositionExecutor often hears of its order's creation first and asks here at once. Answered None,
        it keeps no InFlightOrder, so its cancel (PositionExecutor.cancel_open_orders needs one) never goes
        out: the quote it meant to refresh stays on the book, and fills later as a position no
        executor closes but by market. Measured in docs/backtest-vs-paper.md."""
        for resting in self._connector.limit_orders:
            if resting.client_order_id == order_id:
                return self._track(
                    order_id,
                    resting.trading_pair,
                    OrderType.LIMIT,
                    resting.is_buy,
                    resting.quantity,
                    resting.price,
                    resting.creation_timestamp / 1e6,
                )
        return None

    def _track(
        self, order_id: str, pair: str, order_type, is_buy: bool, amount, price, created
    ) -> InFlightOrder:
        """The InFlightOrder V2 executors follow, kept here from whichever news of it comes first."""
        order = InFlightOrder(
            client_order_id=order_id,
            trading_pair=pair,
            order_type=order_type,
            trade_type=TradeType.BUY if is_buy else TradeType.SELL,
            amount=amount,
            creation_timestamp=created,
            price=price,
            exchange_order_id=order_id,
            initial_state=OrderState.OPEN,
        )
        self._orders[order_id] = order
        return order

    @property
    def active_orders(self) -> dict[str, InFlightOrder]:
        return {oid: order for oid, order in self._orders.items() if not order.is_done}

    def _order(self, order_id: str, event) -> InFlightOrder:
        order = self._orders.get(order_id)
        if order is None:  # a fill can be processed before the (async) creation event
            is_buy = (
                isinstance(event, BuyOrderCreatedEvent) or getattr(event, "trade_type", None) is TradeType.BUY
            )
            order = self._track(
                order_id,
                event.trading_pair,
                getattr(event, "type", None) or event.order_type,
                is_buy,
                event.amount,
                event.price,
                getattr(event, "creation_timestamp", event.timestamp),
            )
        return order

    def _on_event(self, tag, connector, event):
        if isinstance(event, (BuyOrderCreatedEvent, SellOrderCreatedEvent)):
            self._order(event.order_id, event)
        elif isinstance(event, OrderFilledEvent):
            order = self._order(event.order_id, event)
            order.update_with_trade_update(
                TradeUpdate(
                    trade_id=f"{event.exchange_trade_id}-{len(order.order_fills)}",
                    client_order_id=event.order_id,
                    exchange_order_id=event.order_id,
                    trading_pair=event.trading_pair,
                    fill_timestamp=event.timestamp,
                    fill_price=event.price,
                    fill_base_amount=event.amount,
                    fill_quote_amount=event.amount * event.price,
                    fee=event.trade_fee,
                    is_taker=order.order_type.name == "MARKET",
                )
            )
            if order.is_filled:
                self._update(order, event.timestamp, OrderState.FILLED)
            if not self._save_pending:
                self._save_pending = True
                asyncio.get_event_loop().call_soon(self._save_after_fills)
        elif event.order_id in self._orders:
            state = (
                OrderState.CANCELED
                if isinstance(event, OrderCancelledEvent)
                else OrderState.FAILED
                if tag == MarketEvent.OrderFailure.value
                else OrderState.FILLED
            )
            self._update(self._orders[event.order_id], event.timestamp, state)

    def _update(self, order: InFlightOrder, timestamp: float, state: OrderState):
        if order.current_state in (OrderState.FILLED, OrderState.CANCELED, OrderState.FAILED):
            return
        order.update_with_order_update(
            OrderUpdate(
                trading_pair=order.trading_pair,
                update_timestamp=timestamp,
                new_state=state,
                client_order_id=order.client_order_id,
                exchange_order_id=order.exchange_order_id,
            )
        )
        done = [oid for oid, kept in self._orders.items() if kept.is_done]
        for oid in done[: max(0, len(done) - self.KEEP_DONE)]:
            del self._orders[oid]


def _quantum(increment: Decimal) -> Decimal:
    return increment if increment > 0 else Decimal("1e-10")


class PaperExchange(PaperTradeExchange):
    """Hummingbot's paper connector plus the trading rules V2 executors read, and order quantization
    to those rules. `rules_loader` is a coroutine function returning {trading pair: TradingRule}."""

    def __init__(
        self, tracker: OrderBookTracker, target_market, exchange: str, rules_loader, feed_alive=None
    ):
        super().__init__(tracker, target_market, exchange_name=exchange)
        self._rules: dict[str, TradingRule] = {}
        self._rules_loader = rules_loader
        self._rules_task = None
        self._feed_alive = feed_alive or (lambda: True)
        self._order_tracker = PaperOrderTracker(self)
        self._account: PaperAccount | None = None

    @property
    def trading_rules(self) -> dict[str, TradingRule]:
        return self._rules

    def place(
        self, send, is_buy: bool, trading_pair: str, amount, order_type, price, position_action=None
    ) -> str:
        """Send an order through `send(trading_pair, amount, order_type, price)` (the strategy's buy or
        sell), as the exchange would take it. (`position_action`: a spot account has none.)

        Hummingbot's paper engine books MARKET and LIMIT orders only: a LIMIT_MAKER gets a created event
        with price 0 and is then dropped, never on the book, never filled, not cancellable. An exchange
        rests a post-only order that does not cross the book, and rejects one that does. So here a
        LIMIT_MAKER that does not cross goes in as a LIMIT at its price (the engine fills it only when
        the market trades through it, as a maker), and one that crosses fails like an exchange's
        rejection: an OrderFailure event for an order id nothing else knows."""
        if order_type is OrderType.LIMIT_MAKER:
            try:
                touch = Decimal(str(self.get_order_book(trading_pair).get_price(is_buy)))  # a buy's: best ask
            except Exception:  # no book side yet: nothing to cross
                touch = None
            if touch is not None and (price >= touch if is_buy else price <= touch):
                return self._reject(is_buy, trading_pair, price, touch)
            order_type = OrderType.LIMIT
        return send(trading_pair, amount, order_type, price)

    def _reject(self, is_buy: bool, trading_pair: str, price, touch) -> str:
        order_id = get_new_client_order_id(is_buy, trading_pair)
        LOG.info(f"post-only {'buy' if is_buy else 'sell'} at {price} would cross {touch}: rejected")
        failure = MarketOrderFailureEvent(self.current_timestamp, order_id, OrderType.LIMIT_MAKER)
        # After the caller has the id, as an exchange's rejection arrives after the request.
        asyncio.get_event_loop().call_soon(self.trigger_event, MarketEvent.OrderFailure, failure)
        return order_id

    def open_account(self, account: "PaperAccount"):
        """The inventory's balances, or the account's last saved state when they are unchanged; the
        account is saved after every fill from now on."""
        for asset, amount in account.opening_balances().items():
            self.set_balance(asset, amount)
        self._account = account

    def save_account(self):
        if self._account is not None:
            self._account.save(self.get_all_balances())

    @property
    def status_dict(self) -> dict[str, bool]:
        return {
            **super().status_dict,
            "trading_rules_initialized": len(self._rules) > 0,
            "market_feed_alive": bool(self._feed_alive()),
        }

    async def start_network(self):
        await super().start_network()
        if self._rules_task is None or self._rules_task.done():
            self._rules_task = safe_ensure_future(self._load_rules())

    async def stop_network(self):
        if self._rules_task is not None:
            self._rules_task.cancel()
        await super().stop_network()

    async def _load_rules(self):
        while not self._rules:
            try:
                self._rules = dict(await self._rules_loader())
                LOG.info("Paper trading rules for %s: %s", self.name, ", ".join(sorted(self._rules)))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # an unreachable exchange: the connector stays not ready
                LOG.warning(
                    "Cannot read %s's trading rules (%s); retrying in %.0fs", self.name, error, RULES_RETRY
                )
                await asyncio.sleep(RULES_RETRY)

    async def _get_last_traded_price(self, trading_pair: str) -> float:
        """What Hummingbot's MarketDataProvider reads to feed the RateOracle (fee conversions, PnL)."""
        for _ in range(40):  # its first read comes before the first book; it allows 5 s
            if trading_pair in self.trading_pairs:  # the paper engine knows the pair once its book is in
                break
            await asyncio.sleep(0.1)
        last = self.get_order_book(trading_pair).last_trade_price
        return float(last) if last == last and last > 0 else float(self.get_mid_price(trading_pair))

    def get_order_price_quantum(self, trading_pair: str, price: Decimal) -> Decimal:
        rule = self._rules.get(trading_pair)
        return (
            _quantum(rule.min_price_increment)
            if rule
            else super().get_order_price_quantum(trading_pair, price)
        )

    def get_order_size_quantum(self, trading_pair: str, order_size: Decimal) -> Decimal:
        rule = self._rules.get(trading_pair)
        return (
            _quantum(rule.min_base_amount_increment)
            if rule
            else super().get_order_size_quantum(trading_pair, order_size)
        )

    def quantize_order_price(self, trading_pair: str, price: Decimal) -> Decimal:
        quantum = self.get_order_price_quantum(trading_pair, price)
        return (price / quantum).to_integral_value(rounding=ROUND_DOWN) * quantum

    def quantize_order_amount(
        self, trading_pair: str, amount: Decimal, price: Decimal = Decimal("0")
    ) -> Decimal:
        quantum = self.get_order_size_quantum(trading_pair, amount)
        amount = (amount / quantum).to_integral_value(rounding=ROUND_DOWN) * quantum
        rule = self._rules.get(trading_pair)
        return Decimal("0") if rule and amount < rule.min_order_size else amount


class PaperPerpetual(PaperExchange, PerpetualTrading):
    """A paper perpetual account on the replay (zero basis: the spot's own prices), for a hedge.

    What it models: market orders only (a hedge's), filled on the next pass of the event loop at the
    replayed book's volume-weighted price, at the perpetual connector's taker fee (Hummingbot's fee
    schema for it); one-way positions with an average entry price, realised PnL and fees settled in the
    collateral; margin checked before a fill (|position| x price / leverage within equity); a reduce-only
    close never larger than the position; funding at a constant rate every `funding_hours` of the
    replay, charged to the collateral and reported as Hummingbot's FundingPaymentCompleted event. The
    account and its positions outlive the process (PaperAccount).

    What it does not: limit orders (refused by name), hedge position mode, liquidation, a basis or a
    funding rate that moves. Hummingbot's paper engine is spot only: its compiled matching settles a
    fill as a spot trade of base for quote, so nothing of it is used here but the book, the rules and the
    order events' shape. PerpetualTrading is mixed in for Hummingbot's perpetual budget checker and the
    executors' perpetual calls; its __init__ is not run, since it would replace the paper engine's own
    `_trading_pairs`."""

    def __init__(self, settings: PerpetualSettings, tracker, target_market, rules_loader, feed_alive, market):
        super().__init__(tracker, target_market, settings.exchange, rules_loader, feed_alive)
        self.perp_settings = settings
        self.replay = market
        self._position_mode = PositionMode.ONEWAY
        self._leverage: dict[str, int] = {}
        self._funding_payment_span = [0, 0]
        self._positions: dict[str, tuple[Decimal, Decimal]] = {}  # pair -> (signed base, entry price)
        self._funding_paid_until = market.replay_clock(market.now())
        self._funding_task = None
        self._perp_budget_checker = PerpetualBudgetChecker(self)

    def open_account(self, account: "PaperAccount"):
        super().open_account(account)
        self._positions = account.opening_positions()

    def save_account(self):
        if self._account is not None:
            self._account.save(self.get_all_balances(), self._positions)

    # --- what executors and controllers ask of a perpetual connector -------------------------------
    @property
    def budget_checker(self):
        return self._perp_budget_checker

    def set_position_mode(self, value: PositionMode):
        """One-way only. Hummingbot's controllers ask for HEDGE by default; a hedge of one side nets the
        same either way (hedged_mm sums both sides of its position), so the request is noted, not failed."""
        if value != PositionMode.ONEWAY:
            LOG.warning("paper perpetual: %s position mode is not modelled; positions net one-way", value)

    def get_leverage(self, trading_pair: str) -> int:
        return self._leverage.get(trading_pair, 1)

    def set_leverage(self, trading_pair: str, leverage: int = 1):
        self._leverage[trading_pair] = int(leverage)

    def get_buy_collateral_token(self, trading_pair: str) -> str:
        return trading_pair.split("-")[1]

    get_sell_collateral_token = get_buy_collateral_token

    @property
    def account_positions(self) -> dict[str, Position]:
        positions = {}
        for pair, (amount, entry) in self._positions.items():
            mark = Decimal(str(self.get_mid_price(pair)))
            positions[pair] = Position(
                pair,
                PositionSide.LONG if amount > 0 else PositionSide.SHORT,
                (mark - entry) * amount,
                entry,
                amount,
                Decimal(self.get_leverage(pair)),
            )
        return positions

    def get_funding_info(self, trading_pair: str) -> FundingInfo:
        """The rate announced for the next funding, and when it falls on the caller's clock."""
        now = self.replay.now()
        period = self.perp_settings.funding_hours * 3600
        due = (math.floor(self.replay.replay_clock(now) / period) + 1) * period
        mark = Decimal(str(self.get_mid_price(trading_pair)))
        return FundingInfo(
            trading_pair, mark, mark, self.replay.clock_at(due, now), self.perp_settings.funding_rate
        )

    def get_fee(
        self,
        base_currency,
        quote_currency,
        order_type,
        order_side,
        amount,
        price=Decimal("0"),
        is_maker=None,
        position_action=PositionAction.OPEN,
    ):
        return build_perpetual_trade_fee(
            self.name,
            bool(is_maker),
            position_action,
            base_currency,
            quote_currency,
            order_type,
            order_side,
            amount,
            price,
        )

    def get_available_balance(self, currency: str) -> Decimal:
        """Collateral free for a new position: equity less the margin the open positions hold."""
        currency = currency.upper()
        free = self.get_balance(currency) if currency in self.get_all_balances() else Decimal(0)
        for pair, (amount, entry) in self._positions.items():
            if self.get_buy_collateral_token(pair) == currency:
                mark = Decimal(str(self.get_mid_price(pair)))
                free += (mark - entry) * amount - abs(amount) * mark / self.get_leverage(pair)
        return max(free, Decimal(0))

    # --- orders -------------------------------------------------------------------------------------
    def place(
        self, send, is_buy: bool, trading_pair: str, amount, order_type, price, position_action=None
    ) -> str:
        """Take the order here (`send` would reach the spot engine's settlement): it fills, or fails with
        the reason, once the caller has its id, as an exchange's answer arrives after the request."""
        order_id = get_new_client_order_id(is_buy, trading_pair)
        action = position_action or PositionAction.OPEN
        asyncio.get_event_loop().call_soon(
            self._execute, order_id, is_buy, trading_pair, Decimal(amount), order_type, action
        )
        return order_id

    def _refusal(
        self, is_buy: bool, pair: str, requested: Decimal, amount: Decimal, order_type, action, price: Decimal
    ) -> str:
        """Why the exchange would refuse the order (`amount`: `requested` quantized to the rules), or ""."""
        held, _ = self._positions.get(pair, (Decimal(0), Decimal(0)))
        signed = amount if is_buy else -amount
        if order_type is not OrderType.MARKET:
            return f"{order_type.name} orders are not modelled by the paper perpetual (market orders only)"
        if amount <= 0:
            return f"amount {requested} is below the pair's minimum order size"
        if action == PositionAction.CLOSE and (held == 0 or (held > 0) == is_buy or amount > abs(held)):
            return f"reduce-only {'buy' if is_buy else 'sell'} of {amount} against a position of {held}"
        after = held + signed
        if abs(after) > abs(held):
            quote = self.get_buy_collateral_token(pair)
            needed = (abs(after) - abs(held)) * price / self.get_leverage(pair)
            free = self.get_available_balance(quote)
            if needed > free:
                return f"margin {needed:.8g} {quote} needed at {self.get_leverage(pair)}x, {free:.8g} free"
        return ""

    def _execute(self, order_id: str, is_buy: bool, pair: str, amount: Decimal, order_type, action):
        now = self.current_timestamp
        base, quote = pair.split("-")
        requested, amount = amount, self.quantize_order_amount(pair, amount)
        price = (
            Decimal(str(self.get_vwap_for_volume(pair, is_buy, amount).result_price))
            if amount > 0
            else Decimal(0)
        )
        refusal = self._refusal(is_buy, pair, requested, amount, order_type, action, price)
        if refusal:
            LOG.warning("paper perpetual refused %s: %s", order_id, refusal)
            self.trigger_event(
                MarketEvent.OrderFailure,
                MarketOrderFailureEvent(now, order_id, order_type, refusal, "refused"),
            )
            return
        side = TradeType.BUY if is_buy else TradeType.SELL
        leverage = self.get_leverage(pair)
        created = (BuyOrderCreatedEvent if is_buy else SellOrderCreatedEvent)(
            now, order_type, pair, amount, price, order_id, now, order_id, leverage, action.value
        )
        self.trigger_event(MarketEvent.BuyOrderCreated if is_buy else MarketEvent.SellOrderCreated, created)
        fee = self.get_fee(base, quote, order_type, side, amount, price, False, action)
        fee_quote = fee.fee_amount_in_token(pair, price, amount, token=quote)
        realised = self._book_fill(pair, amount if is_buy else -amount, price)
        self.set_balance(quote, self.get_balance(quote) + realised - fee_quote)
        self.trigger_event(
            MarketEvent.OrderFilled,
            OrderFilledEvent(
                now,
                order_id,
                pair,
                side,
                order_type,
                price,
                amount,
                fee,
                order_id,
                order_id,
                leverage,
                action.value,
            ),
        )
        completed = (BuyOrderCompletedEvent if is_buy else SellOrderCompletedEvent)(
            now, order_id, base, quote, amount, amount * price, order_type, order_id
        )
        self.trigger_event(
            MarketEvent.BuyOrderCompleted if is_buy else MarketEvent.SellOrderCompleted, completed
        )

    def _book_fill(self, pair: str, signed: Decimal, price: Decimal) -> Decimal:
        """The position after a fill of `signed` base at `price`; returns the PnL the fill realised."""
        held, entry = self._positions.get(pair, (Decimal(0), Decimal(0)))
        realised = Decimal(0)
        if held and (held > 0) != (signed > 0):  # reducing (and perhaps flipping)
            closed = min(abs(signed), abs(held)) * (1 if held > 0 else -1)
            realised = (price - entry) * closed
        after = held + signed
        if after == 0:
            self._positions.pop(pair, None)
        elif held == 0 or (held > 0) != (after > 0):  # opened, or flipped: the rest is at this price
            self._positions[pair] = (after, price)
        elif abs(after) > abs(held):  # added: the average entry
            self._positions[pair] = (after, (entry * held + price * signed) / after)
        else:
            self._positions[pair] = (after, entry)
        return realised

    # --- funding --------------------------------------------------------------------------------------
    async def start_network(self):
        await super().start_network()
        if self._funding_task is None or self._funding_task.done():
            self._funding_task = safe_ensure_future(self._funding_loop())

    async def stop_network(self):
        if self._funding_task is not None:
            self._funding_task.cancel()
        await super().stop_network()

    async def _funding_loop(self):
        while True:
            self.settle_funding()
            await asyncio.sleep(self.replay.poll_seconds())

    def settle_funding(self):
        """Charge every funding time the replay passed since the last call, on the positions held then."""
        period = self.perp_settings.funding_hours * 3600
        now_replay = self.replay.replay_clock(self.replay.now())
        due = (math.floor(self._funding_paid_until / period) + 1) * period
        while due <= now_replay:
            for pair, (amount, _) in list(self._positions.items()):
                quote = self.get_buy_collateral_token(pair)
                mark = Decimal(str(self.get_mid_price(pair)))
                received = -amount * mark * self.perp_settings.funding_rate  # longs pay a positive rate
                if received == 0:
                    continue
                self.set_balance(quote, self.get_balance(quote) + received)
                self.trigger_event(
                    MarketEvent.FundingPaymentCompleted,
                    FundingPaymentCompletedEvent(
                        self.current_timestamp, self.name, pair, received, self.perp_settings.funding_rate
                    ),
                )
                self.save_account()
            due += period
        self._funding_paid_until = now_replay


def replay_rules(settings: ReplaySettings, price: float) -> dict[str, TradingRule]:
    """The replayed pair's rules: the inventory's, else a tick of 1e-4 of the price (rounded to a
    power of ten, as exchanges list them) and no minimum beyond one tick."""
    tick = Decimal(1).scaleb(math.floor(math.log10(price * 1e-4)))
    rules = {
        "min_price_increment": tick,
        "min_base_amount_increment": Decimal("1e-6"),
        "min_order_size": Decimal("1e-6"),
        "min_notional_size": Decimal("0"),
        **{key: Decimal(str(value)) for key, value in settings.rules.items()},
    }
    try:
        return {settings.trading_pair: TradingRule(settings.trading_pair, **rules)}
    except TypeError as error:
        raise PaperConfigError(f"paper.replay.trading_rules: {error}") from error


def build_connector(
    settings: PaperSettings,
    trading_pairs: list[str],
    now: float | None = None,
    account_file: Path | None = None,
    clock=time.time,
) -> PaperExchange:
    """The paper connector for `settings`, on the live exchange's public data or on the replay, with its
    account kept in `account_file` (see PaperAccount). `clock`: the replay's time (ReplayMarket)."""
    from hummingbot.client.config.config_helpers import get_connector_class
    from hummingbot.client.settings import AllConnectorSettings

    known = AllConnectorSettings.get_connector_settings()
    if settings.exchange not in known:
        raise PaperConfigError(f"paper.exchange: {settings.exchange!r} is not a Hummingbot connector")
    target = get_connector_class(settings.exchange)
    if settings.replay is None:
        source = known[settings.exchange].non_trading_connector_instance_with_default_configuration(
            trading_pairs=trading_pairs
        )

        async def live_rules():
            await source._update_trading_rules()
            return {pair: rule for pair, rule in source.trading_rules.items() if pair in trading_pairs}

        connector = PaperExchange(source.order_book_tracker, target, settings.exchange, live_rules)
    else:
        replay = settings.replay
        if trading_pairs != [replay.trading_pair]:
            raise PaperConfigError(
                f"paper.replay.trading_pair: the replay holds {replay.trading_pair}; "
                f"the controllers trade {', '.join(trading_pairs)}"
            )
        bars = read_candles(replay.candles)
        market = ReplayMarket(
            bars, replay, clock() if now is None else now, replay.candles.parent / "halt", clock
        )
        tracker, rules, feed_alive = _on_replay(market, trading_pairs)
        connector = PaperExchange(tracker, target, settings.exchange, rules, feed_alive)
        connector.replay = market
        # The paper engine fills a market order 5 s after it is placed: 5 min of a 60x replay. On the
        # replay it fills at the next tick instead, against the then replayed book.
        connector.TRADE_EXECUTION_DELAY = 1.0
    connector.open_account(PaperAccount(settings.balances, account_file))
    return connector


def _on_replay(market: ReplayMarket, trading_pairs: list[str]):
    """(order book tracker, rules loader, feed liveness) of a connector on the replay."""
    source = ReplayDataSource(market, trading_pairs)
    rules = replay_rules(market.settings, market.bar(market.first_bar).open)

    async def fixed_rules():
        return rules

    def feed_alive() -> bool:
        return time.time() - source.last_step_at < FEED_TIMEOUT

    return OrderBookTracker(source, trading_pairs), fixed_rules, feed_alive


def build_perpetual(
    settings: PaperSettings, trading_pairs: list[str], market: ReplayMarket, account_file: Path | None = None
) -> PaperPerpetual:
    """The paper perpetual of `settings.perpetual`, on `market` (the spot connector's replay)."""
    from hummingbot.client.config.config_helpers import get_connector_class
    from hummingbot.client.settings import AllConnectorSettings

    perp = settings.perpetual
    if perp.exchange not in AllConnectorSettings.get_connector_settings():
        raise PaperConfigError(f"paper.perpetual.exchange: {perp.exchange!r} is not a Hummingbot connector")
    if trading_pairs != [market.settings.trading_pair]:
        raise PaperConfigError(
            f"paper.perpetual: the perp replays {market.settings.trading_pair} (zero basis); "
            f"the controllers hedge on {', '.join(trading_pairs)}"
        )
    tracker, rules, feed_alive = _on_replay(market, trading_pairs)
    connector = PaperPerpetual(perp, tracker, get_connector_class(perp.exchange), rules, feed_alive, market)
    connector.open_account(PaperAccount(perp.balances, account_file))
    return connector


class PaperAccount:
    """A paper account that outlives the process, as an exchange account does: its balances after
    every fill, in the bot's data/ folder. It is kept while the inventory's balances stay as they
    were when it opened; changed ones open a new account. No file (tests): the inventory's balances."""

    def __init__(self, inventory: dict[str, Decimal], path: Path | None):
        self.inventory = {asset: str(amount) for asset, amount in sorted(inventory.items())}
        self.path = path

    def _saved(self) -> dict | None:
        if self.path is None:
            return None
        try:
            saved = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return saved if saved.get("inventory") == self.inventory else None

    def opening_balances(self) -> dict[str, Decimal]:
        saved = self._saved()
        if saved:
            LOG.info("Paper account resumed from %s: %s", self.path, saved["balances"])
            return {asset: Decimal(amount) for asset, amount in saved["balances"].items()}
        return {asset: Decimal(amount) for asset, amount in self.inventory.items()}

    def opening_positions(self) -> dict[str, tuple[Decimal, Decimal]]:
        """A perpetual account's positions as last saved: pair -> (signed base, entry price)."""
        saved = self._saved() or {}
        return {
            pair: (Decimal(amount), Decimal(entry))
            for pair, (amount, entry) in saved.get("positions", {}).items()
        }

    def save(self, balances: dict[str, Decimal], positions: dict[str, tuple[Decimal, Decimal]] | None = None):
        if self.path is not None:
            state: dict[str, Any] = {
                "inventory": self.inventory,
                "balances": {asset: str(amount) for asset, amount in sorted(balances.items())},
            }
            if positions is not None:
                state["positions"] = {pair: [str(a), str(e)] for pair, (a, e) in sorted(positions.items())}
            write_json(self.path, state)


def write_json(path: Path, value) -> None:
    """Whole or not at all: readers (the healthcheck, the exporter, the next start) never see half.
    The V2 script writes its files with it too."""
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(value))
    partial.replace(path)


def install(raw: dict, markets: dict) -> dict[str, PaperExchange]:
    """Called from the V2 script's init_markets: register the paper connectors (the spot one, and the
    perpetual of `paper.perpetual`) before Hummingbot would create its own (which have no trading rules,
    and no perpetual at all). Returns them by name; none when not in paper mode."""
    if not raw:
        return {}
    from hummingbot import root_path
    from hummingbot.client.hummingbot_application import HummingbotApplication
    from hummingbot.client.settings import AllConnectorSettings

    settings = PaperSettings.parse(raw)
    wanted = {settings.exchange} | ({settings.perpetual.exchange} if settings.perpetual else set())
    names = set(AllConnectorSettings.paper_trade_connectors_names or [])
    if not wanted <= names:  # e.g. bitget: not among Hummingbot's default paper exchanges
        AllConnectorSettings.initialize_paper_trade_settings(sorted(names | wanted))
    manager = HummingbotApplication.main_application().trading_core.connector_manager
    if settings.connector in manager.connectors:
        return {
            name: manager.connectors[name]
            for name in (settings.connector, settings.perpetual and settings.perpetual.connector)
            if name in manager.connectors
        }
    pairs = sorted(markets.get(settings.connector, ()))
    if not pairs:
        raise PaperConfigError(f"paper.exchange: no controller trades on {settings.connector}")
    data = root_path() / "data"
    spot = build_connector(settings, pairs, account_file=data / "paper_account.json")
    installed = {settings.connector: spot}
    if settings.perpetual is not None:
        perp_pairs = sorted(markets.get(settings.perpetual.connector, ()))
        if not perp_pairs:
            raise PaperConfigError(
                f"paper.perpetual.exchange: no controller hedges on {settings.perpetual.connector}"
            )
        installed[settings.perpetual.connector] = build_perpetual(
            settings, perp_pairs, spot.replay, data / f"paper_account_{settings.perpetual.exchange}.json"
        )
    for name, connector in installed.items():
        manager.connectors[name] = connector
        LOG.info(
            "Paper trading on %s (%s market) for %s",
            name,
            "replay" if settings.replay else "live",
            ", ".join(sorted(markets[name])),
        )
    return installed


class PaperOrders:
    """Mixed into a V2 strategy ahead of StrategyV2Base: an order for a paper connector goes through its
    `place`, which takes it as the exchange would (PaperExchange.place: post-only orders;
    PaperPerpetual.place: the whole perpetual order). Hummingbot's own path would reach the compiled
    engine's `c_buy`/`c_sell`, which a Python subclass cannot override. Other connectors' orders pass."""

    def buy(
        self, connector_name, trading_pair, amount, order_type, price=Decimal("NaN"), position_action=None
    ):
        return self._paper_send(
            super().buy, True, connector_name, trading_pair, amount, order_type, price, position_action
        )

    def sell(
        self, connector_name, trading_pair, amount, order_type, price=Decimal("NaN"), position_action=None
    ):
        return self._paper_send(
            super().sell, False, connector_name, trading_pair, amount, order_type, price, position_action
        )

    def _paper_send(self, place, is_buy, connector_name, trading_pair, amount, order_type, price, action):
        action = action or PositionAction.OPEN

        def send(pair, size, kind, limit):
            return place(connector_name, pair, size, kind, limit, action)

        connector = self.connectors.get(connector_name)
        if not isinstance(connector, PaperExchange):
            return send(trading_pair, amount, order_type, price)
        return connector.place(send, is_buy, trading_pair, amount, order_type, price, action)


def serve_paper_market(market_data_provider, connector: PaperExchange | None):
    """Hummingbot's MarketDataProvider reads prices for the RateOracle (fee conversions) from a public
    connector of the controllers' connector name, which for <exchange>_paper_trade does not exist: it
    reads them from the paper connector. On the replay, every candles feed is the replay's too."""
    if connector is None:
        return
    market_data_provider._non_trading_connectors[connector.name + PAPER_SUFFIX] = connector
    market = getattr(connector, "replay", None)
    if market is None:
        return
    feeds: dict[tuple, ReplayCandles] = {}

    def get_candles_feed(config):
        key = (config.interval, config.max_records)
        if key not in feeds:
            feeds[key] = ReplayCandles(market, config.interval, config.max_records)
            market_data_provider.candles_feeds[
                f"{config.connector}_{config.trading_pair}_{config.interval}"
            ] = feeds[key]
        return feeds[key]

    market_data_provider.get_candles_feed = get_candles_feed
