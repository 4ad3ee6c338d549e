"""Run one controller config over candles in Hummingbot's own BacktestingEngineBase, offline.

Imports Hummingbot: runs only inside the Hummingbot runtime image. Everything that decides whether
a run may start (candles, config, fee, warm-up) is pure and lives in candles.py / inputs.py.

`BacktestingEngineBase.run_backtesting` normally downloads candles and trading rules from the
exchange. Here its data provider is `OfflineBacktestingDataProvider`, pre-seeded with the candles
and a permissive `TradingRule`, which raises instead of touching the network when asked for anything
else. `RecordingBacktestingEngine` is Hummingbot's engine plus one hook: after each bar's state
update it records equity (every executor's net PnL, closed ones final and open ones marked to the
bar close, which is the backtester's only price) and inventory, and ticks a progress bar.

    from controllers.analysis.candles import load_candles
    from controllers.analysis.engine import run_config
    run = run_config({"controller_name": "inventory_mm", ...}, load_candles(path), fee=0.001)
    run.bars       # BAR_COLUMNS, one row per bar: equity, inventory, resting quotes, the controller's quotes
    run.fills      # FILL_COLUMNS, one row per fill: each position's entry, then its exit or end mark
    run.executors  # one row per executor (position), see executors_table()
    run.summary    # Hummingbot's own summarize_results()
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import math
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

# Importing hummingbot puts /home/hummingbot (the image's bot tree, with its own empty
# `controllers` package) first on sys.path. This module is already inside the project's
# `controllers` package, so `controllers.<type>.<name>` keeps resolving to the project's modules.
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.core.data_type.common import OrderType, TradeType
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.strategy_v2.backtesting.backtesting_data_provider import BacktestingDataProvider
from hummingbot.strategy_v2.backtesting.backtesting_engine_base import BacktestingEngineBase
from hummingbot.strategy_v2.backtesting.executor_simulator_base import (
    ExecutorSimulation,
    ExecutorSimulatorBase,
)
from hummingbot.strategy_v2.backtesting.executors_simulator.position_executor_simulator import (
    PositionExecutorSimulator,
)
from hummingbot.strategy_v2.controllers.controller_base import ControllerConfigBase
from hummingbot.strategy_v2.executors.data_types import PositionSummary
from hummingbot.strategy_v2.executors.dca_executor.data_types import DCAExecutorConfig
from hummingbot.strategy_v2.executors.order_executor.data_types import (
    ExecutionStrategy,
    OrderExecutorConfig,
)
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from hummingbot.strategy_v2.models.executors_info import ExecutorInfo

from controllers.analysis.fill_model import (
    BUY,
    PATH_POINTS,
    SELL,
    Barriers,
    Bars,
    FillTerms,
    PositionPath,
    close_through_fill,
    maker_price,
    marks,
    price_increment,
    simulate_order,
    simulate_position,
    walk_bars,
)
from controllers.shared_base.plain import plain

if TYPE_CHECKING:  # only Hummingbot and pandas at import: the module also runs in a bare bot tree
    from controllers.analysis.candles import Candles
    from controllers.plugin_system.registry import StrategyRegistry

CANDLE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
HUMMINGBOT_DEFAULTED = ("take_profit_order_type", "trailing_stop")
BAR_COLUMNS = (
    "timestamp",
    "close",
    "pnl_quote",
    "inventory_quote",
    "resting_buys",
    "resting_sells",
    "best_bid",
    "best_ask",
)
RECORD_COLUMNS = BAR_COLUMNS[:6]  # what the engine records itself; the quotes come from the controller
# One row per fill: `side` is the fill's own (+1 bought, -1 sold); `close` is the close of the fill's bar
# (with decisions "path", of the point it filled at), the backtest's only mid; a "mark" leg is an open
# position valued at the end, not a trade.
FILL_COLUMNS = ("executor_id", "leg", "timestamp", "side", "amount", "price", "fee_quote", "close")


class UnsupportedExecutorError(ValueError):
    """The controller created an executor Hummingbot's backtester cannot simulate; the message names it."""


class OfflineDataError(RuntimeError):
    """The engine asked for market data that was not seeded; it would have gone to the network."""


def feed_key(connector: str, trading_pair: str, interval: str) -> str:
    """The key under which Hummingbot's data provider stores a candle feed."""
    return f"{connector}_{trading_pair}_{interval}"


def _registry(registry: StrategyRegistry | None) -> StrategyRegistry:
    from controllers.plugin_system.registry import load_registry

    return registry or load_registry()


def candles_frame(candles: Candles | pd.DataFrame) -> pd.DataFrame:
    """The frame Hummingbot's candle feeds produce: float columns, timestamps in epoch seconds."""
    if isinstance(candles, pd.DataFrame):
        return candles
    return pd.DataFrame(candles.as_columns(), columns=list(CANDLE_COLUMNS)).astype("float64")


def default_trading_rule(trading_pair: str) -> TradingRule:
    """A permissive rule: no minimum size or notional, increments far below any real tick."""
    tiny = Decimal("1e-12")
    return TradingRule(
        trading_pair=trading_pair,
        min_order_size=Decimal(0),
        min_price_increment=tiny,
        min_base_amount_increment=tiny,
        min_quote_amount_increment=tiny,
        min_notional_size=Decimal(0),
        min_order_value=Decimal(0),
    )


class OfflineBacktestingDataProvider(BacktestingDataProvider):
    """Hummingbot's backtesting data provider that only ever serves what was seeded into it."""

    def __init__(self) -> None:
        super().__init__(connectors={})
        self.rate_sources: list[Any] = []

    def initialize_rate_sources(self, connector_pairs) -> None:
        # The live provider polls the rate oracle over the network; a backtest prices from candles.
        self.rate_sources.extend(connector_pairs)

    async def initialize_trading_rules(self, connector_name: str) -> None:
        if not self.trading_rules.get(connector_name):
            raise OfflineDataError(f"no trading rules seeded for connector {connector_name!r}")

    async def get_candles_feed(self, config: CandlesConfig) -> pd.DataFrame:
        key = self._generate_candle_feed_key(config)
        feed = self.candles_feeds.get(key)
        if feed is None or feed.empty:
            raise OfflineDataError(f"no candles seeded for {key!r} (seeded: {sorted(self.candles_feeds)})")
        if feed["timestamp"].min() > self.start_time or feed["timestamp"].max() < self.end_time:
            raise OfflineDataError(f"candles for {key!r} do not cover {self.start_time}..{self.end_time}")
        return feed

    def seed(
        self,
        connector: str,
        trading_pair: str,
        interval: str,
        candles: pd.DataFrame,
        trading_rule: TradingRule | None = None,
    ) -> None:
        self.candles_feeds[feed_key(connector, trading_pair, interval)] = candles
        rules = self.trading_rules.setdefault(connector, {})
        rules[trading_pair] = trading_rule or rules.get(trading_pair) or default_trading_rule(trading_pair)


def _fraction(value: Any) -> float | None:
    return float(value) if value else None


def barriers_of(config: PositionExecutorConfig) -> Barriers:
    """What the fill model needs of a position executor's config."""
    triple = config.triple_barrier_config
    trailing = triple.trailing_stop
    limit_entry = triple.open_order_type.is_limit_type() and config.entry_price is not None
    return Barriers(
        side=BUY if config.side == TradeType.BUY else SELL,
        amount=float(config.amount),
        entry_price=float(config.entry_price) if limit_entry else None,
        post_only=triple.open_order_type == OrderType.LIMIT_MAKER,
        take_profit=_fraction(triple.take_profit),
        stop_loss=_fraction(triple.stop_loss),
        trailing_activation=float(trailing.activation_price) if trailing else None,
        trailing_delta=float(trailing.trailing_delta) if trailing else None,
        take_profit_is_limit=triple.take_profit_order_type.is_limit_type(),
    )


class ConservativePositionSimulator(PositionExecutorSimulator):
    """Hummingbot's position simulator seam, running the conservative fill model (fill_model.py).

    The frame it returns is what Hummingbot's ExecutorSimulation reads, one row per bar from the one
    that priced the order to the one its life ended on: net PnL, fees and traded notional as marks()
    gives them. The engine's flat `trade_cost` is not used: the terms carry maker and taker rates.
    """

    def __init__(self, terms: FillTerms) -> None:
        self.terms = terms
        self.paths: dict[str, PositionPath] = {}  # by executor id: the exact prices, for the fill ledger
        self._bars: dict[str, Any] | None = None  # the engine's frame as lists (see _columns)

    def _columns(self, df: pd.DataFrame) -> tuple[dict[str, Any], int]:
        """The bars as plain lists, and where `df` starts in them. Hummingbot's engine hands every
        executor a suffix of one frame (its features from the executor's bar on), so the lists are
        built once per run: pandas column access and assignment cost milliseconds per executor, the
        fill model itself microseconds (docs/bench-fill-models.md)."""
        bars = self._bars
        if bars is not None and len(df):
            start = bars["position"].get(df.index[0])
            if start is not None and len(bars["labels"]) - start == len(df):
                return bars, start
        labels = df.index.tolist()
        bars = {name: df[name].tolist() for name in ("timestamp", "open", "high", "low", "close")}
        self._bars = {
            **bars,
            "index": df.index,
            "labels": labels,
            "position": {v: i for i, v in enumerate(labels)},
        }
        return self._bars, 0

    def simulate(
        self, df: pd.DataFrame, config: PositionExecutorConfig, trade_cost: float
    ) -> ExecutorSimulation:
        bars, start = self._columns(df)
        time_limit = config.triple_barrier_config.time_limit
        # as Hummingbot's df.loc[: timestamp + time_limit]: inclusive
        end = (
            bisect_right(bars["labels"], config.timestamp + time_limit) if time_limit else len(bars["labels"])
        )
        closes = bars["close"][start:end]
        order = barriers_of(config)
        path = simulate_position(
            Bars(bars["open"][start:end], bars["high"][start:end], bars["low"][start:end], closes),
            order,
            self.terms,
        )
        self.paths[config.id] = path
        lived = slice(start, start + path.end_bar + 1)
        entry_quote = order.amount * (path.entry_price if path.filled else 0.0)
        bar_marks = marks(path, order, closes, self.terms)
        frame = pd.DataFrame(
            {
                "timestamp": bars["timestamp"][lived],
                "close": bars["close"][lived],
                "net_pnl_quote": [m.net_pnl_quote for m in bar_marks],
                "net_pnl_pct": [m.net_pnl_pct(entry_quote) for m in bar_marks],
                "cum_fees_quote": [m.fees_quote for m in bar_marks],
                "filled_amount_quote": [m.filled_quote for m in bar_marks],
                "current_position_average_price": path.entry_price
                if path.filled
                else float(config.entry_price or 0),
            },
            index=bars["index"][lived],
        )
        return ExecutorSimulation(
            config=config, executor_simulation=frame, close_type=CloseType[path.close_reason]
        )


# How each execution strategy is sent, as Hummingbot's OrderExecutor.get_order_type() maps it.
ORDER_TYPES = {
    ExecutionStrategy.MARKET: OrderType.MARKET,
    ExecutionStrategy.LIMIT: OrderType.LIMIT,
    ExecutionStrategy.LIMIT_MAKER: OrderType.LIMIT_MAKER,
}
FILLED_STATE = "5"  # str(OrderState.FILLED.value), as InFlightOrder.to_json() spells last_state


class OrderExecutorSimulation(ExecutorSimulation):
    """One OrderExecutor's simulated life, read by Hummingbot's engine like a position's.

    `executor_simulation` has one row per bar (timestamp, close) from the bar that priced the order to
    the bar it filled on, or to the end of the data when it never filled. The ExecutorInfo a controller
    sees is shaped like the live executor's (hummingbot/strategy_v2/executors/order_executor, v2.12):

    - until the fill bar: active (RUNNING), no fills, custom_info["held_position_orders"] == [];
    - from the fill bar on: TERMINATED with close_type POSITION_HOLD, close_timestamp the fill bar, and
      held_position_orders one dict with InFlightOrder.to_json()'s keys (executed_amount_base,
      executed_amount_quote, cumulative_fee_paid_quote, price, amount, trade_type, order_type,
      creation_timestamp, last_update_timestamp, ...). `price` is the order's price, "NaN" for a market
      order as live; executed_amount_quote / executed_amount_base is the fill price;
    - an order never filled stays active at the end of the data (live it would still rest).

    net_pnl_quote and net_pnl_pct are 0, as live in v2.12: the bought or sold base is a held position,
    not the executor's; the engine marks it per bar (RecordingBacktestingEngine). Unlike live (0),
    filled_amount_quote and cum_fees_quote carry the fill's notional and fee, so the run's volume and fees
    count it.
    """

    config: OrderExecutorConfig
    fill_timestamp: float | None = None  # the bar it filled on; None: it never did
    fill_price: float | None = None
    fee_quote: float = 0.0

    @property
    def filled_quote(self) -> float:
        return float(self.config.amount) * self.fill_price if self.fill_price is not None else 0.0

    def held_order(self) -> dict[str, Any]:
        """The filled order as the live executor holds it: InFlightOrder.to_json()'s keys."""
        config = self.config
        market = config.execution_strategy == ExecutionStrategy.MARKET
        return {
            "client_order_id": f"sim-{config.id}",
            "exchange_order_id": None,
            "trading_pair": config.trading_pair,
            "order_type": ORDER_TYPES[config.execution_strategy].name,
            "trade_type": config.side.name,
            "price": "NaN" if market else str(Decimal(repr(self.fill_price))),
            "amount": str(config.amount),
            "executed_amount_base": str(config.amount),
            "executed_amount_quote": str(Decimal(repr(self.filled_quote))),
            "last_state": FILLED_STATE,
            "leverage": str(config.leverage),
            "position": config.position_action.value,
            "creation_timestamp": float(config.timestamp),
            "last_update_timestamp": self.fill_timestamp,
            "order_fills": {},
            "cumulative_fee_paid_base": 0.0,
            "cumulative_fee_paid_quote": self.fee_quote,
        }

    def get_executor_info_at_timestamp(self, timestamp: float) -> ExecutorInfo:
        frame = self.executor_simulation
        pos = int(frame.index.searchsorted(timestamp, side="right")) - 1
        if pos < 0:
            return self._empty_executor_info()
        filled = self.fill_timestamp is not None and pos == len(frame) - 1
        close = float(frame["close"].iloc[pos])
        return ExecutorInfo(
            id=self.config.id,
            timestamp=self.config.timestamp,
            type=self.config.type,
            close_timestamp=self.fill_timestamp if filled else None,
            close_type=CloseType.POSITION_HOLD if filled else None,
            status=RunnableStatus.TERMINATED if filled else RunnableStatus.RUNNING,
            config=self.config,
            net_pnl_pct=Decimal(0),
            net_pnl_quote=Decimal(0),
            cum_fees_quote=Decimal(repr(self.fee_quote)) if filled else Decimal(0),
            filled_amount_quote=Decimal(repr(self.filled_quote)) if filled else Decimal(0),
            is_active=not filled,
            is_trading=False,
            custom_info=self.order_info(filled, close),
        )

    def order_info(self, filled: bool, close: float) -> dict[str, Any]:
        """The live executor's custom info (level_id, current_retries, order_id, order_last_update,
        held_position_orders), plus the engine's close_price and side."""
        return {
            "close_price": close,
            "level_id": self.config.level_id,
            "side": self.config.side,
            "current_retries": 0,
            "order_id": None if filled else f"sim-{self.config.id}",
            "order_last_update": self.fill_timestamp if filled else float(self.config.timestamp),
            "held_position_orders": [self.held_order()] if filled else [],
        }


class OrderExecutorSimulator(ExecutorSimulatorBase):
    """Fills one OrderExecutorConfig, whole or not at all (a bar either fills it or not: no partial
    fills, no queue position, no book depth). `df` is Hummingbot's frame from the bar whose data priced
    the order (the bar the controller created it on) to the end of the data.

    Conservative model (`terms`, fill_model.simulate_order):
      MARKET       the next bar's open, moved against the order by terms.slippage; taker fee.
      LIMIT        its own price, on the first later bar that trades through it by one price increment
                   (terms.tick); maker fee. Priced at or through the pricing bar's close it is a taker
                   order: the next bar's open moved by the slippage when its price allows that (taker
                   fee), resting as above otherwise.
      LIMIT_MAKER  placed at min(price, close) for a buy, max for a sell (as the live executor clamps it
                   to the market price); then as a resting LIMIT, maker fee; it never takes.
    Hummingbot's model (`terms` None, fill_model.close_through_fill), as its position simulator fills an
    entry: MARKET at the pricing bar's own close; LIMIT and LIMIT_MAKER (clamped as above) at the close
    of the first bar, the pricing bar included, whose close is at or through the price; one flat
    `trade_cost` on the notional.
    LIMIT_CHASER (re-priced every tick against the book) is not modelled: the engine refuses it.
    """

    def __init__(self, terms: FillTerms | None) -> None:
        self.terms = terms

    def simulate(
        self, df: pd.DataFrame, config: OrderExecutorConfig, trade_cost: float
    ) -> OrderExecutorSimulation:
        side = BUY if config.side == TradeType.BUY else SELL
        closes = df["close"].to_numpy()
        strategy = config.execution_strategy
        price = None if strategy == ExecutionStrategy.MARKET else float(config.price)
        if price is not None and strategy == ExecutionStrategy.LIMIT_MAKER:
            price = maker_price(side, price, float(closes[0]))
        if self.terms is None:
            bar = close_through_fill(closes, side, price)
            fill_price = None if bar is None else float(closes[bar])
            fee_rate = trade_cost
        else:
            bars = Bars(df["open"].to_numpy(), df["high"].to_numpy(), df["low"].to_numpy(), closes)
            order = Barriers(
                side=side,
                amount=float(config.amount),
                entry_price=price,
                post_only=strategy == ExecutionStrategy.LIMIT_MAKER,
            )
            fill = simulate_order(bars, order, self.terms)
            bar, fill_price, fee_rate = fill.bar, fill.price, fill.fee_rate
        lived = df[["timestamp", "close"]].iloc[: len(df) if bar is None else bar + 1]
        if bar is None:
            return OrderExecutorSimulation(
                config=config, executor_simulation=lived, close_type=CloseType.POSITION_HOLD
            )
        return OrderExecutorSimulation(
            config=config,
            executor_simulation=lived,
            close_type=CloseType.POSITION_HOLD,
            fill_timestamp=float(lived["timestamp"].iloc[-1]),
            fill_price=fill_price,
            fee_quote=float(config.amount) * fill_price * fee_rate,
        )


def _true_average_price(frame: pd.DataFrame, amount: float) -> None:
    """Hummingbot 2.12's position simulator reports the quote's price as the position's average price
    (current_position_average_price) although it fills the entry at a close; set it to that fill's price,
    as a live executor reports it, so a controller reading it (a TWAP flatten sizing what it keeps) gets
    the base it holds."""
    filled = frame["filled_amount_quote"] > 0
    if filled.any() and amount > 0:
        frame.loc[filled, "current_position_average_price"] = (
            float(frame.loc[filled, "filled_amount_quote"].iloc[0]) / amount
        )


class RecordingBacktestingEngine(BacktestingEngineBase):
    """Hummingbot's engine, recording (timestamp, close, pnl, inventory) at every bar.

    pnl is the sum of every executor's net_pnl_quote at that bar (closed: final; open: marked to
    the bar close by Hummingbot's simulator); inventory is the signed quote value of open positions.
    Order executors (OrderExecutorSimulator) add what their fills left held: the base bought (sold),
    valued at the bar close, less the quote paid (plus received) and the fees, to pnl; that base at the
    close to inventory. A run with no order executor records exactly what it did before they were added.
    """

    def __init__(self, progress: Any = None, fill: FillTerms | None = None) -> None:
        super().__init__()
        self.progress = progress
        self.fill = fill  # None: Hummingbot's own fill model
        # when the controller decides (fill_model.DECISIONS): Hummingbot's own model, at bar closes
        self.decisions = "close" if fill is None else fill.decisions
        if fill is not None:
            self.position_executor_simulator = ConservativePositionSimulator(fill)
        self.records: list[tuple[float, float, float, float, int, int]] = []
        self.simulations: dict[str, ExecutorSimulation] = {}  # by executor id, for the fill ledger
        self.order_executor_simulator = OrderExecutorSimulator(fill)
        self.held_base = 0.0  # what order executors' fills bought (+) or sold (-), base
        self.held_cash = 0.0  # the quote they paid (-) or received (+), fees included
        self.held_fills = 0
        self.kept = 0  # positions stopped with keep_position (a TWAP flatten's), whose base is held
        self._closed_counted = 0
        self._closed_pnl = 0.0

    async def update_state(self, row) -> None:
        await super().update_state(row)
        for info in self.stopped_executors_info[self._closed_counted :]:
            self._closed_pnl += float(info.net_pnl_quote)
            if isinstance(info.config, OrderExecutorConfig) and info.close_type == CloseType.POSITION_HOLD:
                self._hold(self.simulations[info.id])
        self._closed_counted = len(self.stopped_executors_info)
        open_pnl, inventory, resting = 0.0, 0.0, {TradeType.BUY: 0, TradeType.SELL: 0}
        # Hummingbot's update_executors_info just listed the open executors first, at this bar
        for info in self.controller.executors_info[: len(self.active_executor_simulations)]:
            open_pnl += float(info.net_pnl_quote)
            if info.is_trading:
                sign = 1.0 if info.config.side == TradeType.BUY else -1.0
                inventory += sign * float(info.filled_amount_quote)
            elif info.is_active:  # a quote still resting on the book (the quote uptime counts these)
                resting[info.config.side] = resting.get(info.config.side, 0) + 1
        if self.held_fills:  # only then: a run without order executors records what it always did
            close = float(row["close_bt"])
            open_pnl += self.held_base * close + self.held_cash
            inventory += self.held_base * close
            self.controller.positions_held = self.held_positions(close)
        if self.decisions == "path" and row["point"] < PATH_POINTS - 1:
            return  # one record a bar: at its last point, its close, stamped with the bar's time
        self.records.append(
            (
                float(row.get("bar_timestamp", row["timestamp"])),
                float(row["close_bt"]),
                self._closed_pnl + open_pnl,
                inventory,
                resting[TradeType.BUY],
                resting[TradeType.SELL],
            )
        )
        if self.progress is not None:
            self.progress.update(1)

    def prepare_market_data(self) -> pd.DataFrame:
        """Hummingbot's frame (one row per bar, the controller's features merged in), or with decisions
        "path" the same bars walked point by point (fill_model.walk_bars): one row per point, each with
        the features of the last bar closed before it, as a bot's candle feed holds only closed bars,
        and its reference price at the point, as a bot reads the book's mid. `bar_timestamp` is the
        point's bar, `point` its index. The first bar has no bar closed before it: it warms up (its
        own features, ready 0), as a bot does with no candles yet."""
        frame = super().prepare_market_data()
        if self.decisions == "close":
            return frame
        candles = ("timestamp", "open", "high", "low", "close", "volume")
        walked = walk_bars(*(frame[name].tolist() for name in candles[:5]))
        points = len(walked["bar"]) // len(frame)
        features = frame.drop(columns=[*candles, *(f"{name}_bt" for name in candles)])
        closed = features.shift(1)
        closed.iloc[0] = features.iloc[0]
        if "ready" in closed:
            closed.iloc[0, closed.columns.get_loc("ready")] = 0.0
        out = closed.iloc[walked["bar"]].reset_index(drop=True)
        for name in candles[:5]:
            out[name] = out[f"{name}_bt"] = walked[name]
        out["volume"] = out["volume_bt"] = (frame["volume"].to_numpy() / points)[walked["bar"]]
        if "reference_price" in out:
            out["reference_price"] = walked["close"]
        out["bar_timestamp"] = frame["timestamp"].to_numpy()[walked["bar"]]
        out["point"] = walked["point"]
        out = BacktestingDataProvider.ensure_epoch_index(out)
        self.controller.processed_data["features"] = out
        return out

    def extras(self) -> dict[str, Any]:
        """What a subclass records beyond the bars, fills and executors (EngineRun.extras): nothing here."""
        return {}

    def _hold(self, simulation: OrderExecutorSimulation) -> None:
        """Book an order executor's fill into the held base and cash the per-bar records mark."""
        side = 1.0 if simulation.config.side == TradeType.BUY else -1.0
        self.held_base += side * float(simulation.config.amount)
        self.held_cash -= side * simulation.filled_quote + simulation.fee_quote
        self.held_fills += 1

    def simulate_executor(self, config, df: pd.DataFrame, trade_cost: float):
        """Hummingbot's simulators for position and DCA executors, and OrderExecutorSimulator for order
        executors (MARKET, LIMIT, LIMIT_MAKER). Refused by name: LIMIT_CHASER order executors, and every
        other executor type (TWAP, grid, XEMM, arbitrage). Hummingbot's own engine returns None for
        those: the action is dropped, and the report would show no trades instead of a strategy the
        engine cannot model."""
        name = self.controller.config.controller_name
        if config.id in self.simulations:
            # Hummingbot's own ids collide about once in 1e5 pairs created in one bar (the project's
            # controllers name theirs: executor_ledger.ExecutorIds). Two executors under one id would
            # share a simulation in the fill ledger; the later one is renamed, the same way every run
            # (the count of simulations only grows, so no two renames meet).
            config.id = f"{config.id}-{len(self.simulations)}"
        if isinstance(config, OrderExecutorConfig):
            if config.execution_strategy not in ORDER_TYPES:
                raise UnsupportedExecutorError(
                    f"{name}: created an order executor with execution_strategy"
                    f" {config.execution_strategy.name}; the backtester simulates MARKET, LIMIT and"
                    " LIMIT_MAKER order executors only (a chaser re-prices against the book every tick)"
                )
            backtested = (self.controller.config.connector_name, self.controller.config.trading_pair)
            if (config.connector_name, config.trading_pair) != backtested:
                raise UnsupportedExecutorError(
                    f"{name}: created an order executor on {config.connector_name} {config.trading_pair};"
                    f" the backtest has candles for {backtested[0]} {backtested[1]} only"
                )
            simulation = self.order_executor_simulator.simulate(df, config, trade_cost)
            self.simulations[config.id] = simulation
            return simulation
        if not isinstance(config, PositionExecutorConfig | DCAExecutorConfig):
            raise UnsupportedExecutorError(
                f"{name}: created an executor of type {type(config).__name__}; the backtester simulates"
                " position, DCA and order executors (MARKET, LIMIT, LIMIT_MAKER) only, not TWAP, grid,"
                " XEMM or arbitrage executors, and would have dropped it without a trade"
            )
        if self.fill is not None and isinstance(config, DCAExecutorConfig):
            raise UnsupportedExecutorError(
                f"{self.controller.config.controller_name}: created a DCA executor; the conservative fill"
                " model simulates position executors only (--fill-model hummingbot runs Hummingbot's own)"
            )
        simulation = super().simulate_executor(config, df, trade_cost)
        if simulation is not None:
            self.simulations[config.id] = simulation
            if self.fill is None and isinstance(config, PositionExecutorConfig):
                _true_average_price(simulation.executor_simulation, float(config.amount))
        return simulation

    def fill_ledger(self, executors: list[Any]) -> list[dict[str, Any]]:
        """Every fill of these (final) executors: the entry, then the exit, or the mark of a position
        still open at the end (what flattening it at the last close would net, as its PnL counts it).
        An order executor's fill is one row, leg "fill", at the price and fee its simulator gave it; what
        it bought or sold stays held (no exit row; the per-bar records mark it).

        A position kept by a flatten (keep_position) has its entry only: its base is held, and the unwind's
        order fills close it; what is still held at the end is one "mark" row at the last close, with no fee
        (only in runs that kept a position: an execution controller's held base is its result, not a mark).

        Prices are the model's own: Hummingbot's fills at closes, one fee on the entry; the conservative
        model's from its path, an early stop or a mark at the close moved by the slippage (taker fee).
        """
        last = self.records[-1][0] if self.records else math.inf
        paths = getattr(self.position_executor_simulator, "paths", {})
        rows: list[dict[str, Any]] = []
        for info in executors:
            simulation = self.simulations.get(info.id)
            if isinstance(simulation, OrderExecutorSimulation):
                rows.extend(self._order_fills(info, simulation))
                continue
            if simulation is None or not isinstance(info.config, PositionExecutorConfig):
                continue
            lived = simulation.executor_simulation.loc[: info.close_timestamp or last]
            filled = lived[lived["filled_amount_quote"] > 0]
            if filled.empty:
                continue
            side, amount = (BUY if info.config.side == TradeType.BUY else SELL), float(info.config.amount)
            entry_close, exit_close = float(filled["close"].iloc[0]), float(lived["close"].iloc[-1])
            leg = "mark" if info.is_active else "exit"
            path = paths.get(info.id)
            entry = self._entry(info, filled)
            common = {"executor_id": info.id, "amount": amount}
            rows.append(
                {**common, "leg": "entry", "timestamp": float(filled.index[0]), "side": side,
                 "price": entry[0], "fee_quote": entry[1], "close": entry_close}
            )  # fmt: skip
            if info.close_type == CloseType.POSITION_HOLD:
                continue  # kept by a flatten: its base is held, and the unwind's order fills close it
            if self.fill is None:  # Hummingbot's: at the closes, the whole fee on the entry
                exit_ = (exit_close, 0.0)
            else:
                if info.is_active or info.close_type == CloseType.EARLY_STOP:
                    price = exit_close * (1 - side * self.fill.slippage)
                    exit_ = (price, price * amount * self.fill.taker_fee)
                else:
                    exit_ = (path.exit_price, path.exit_price * amount * path.exit_fee)
            rows.append(
                {**common, "leg": leg, "timestamp": float(lived.index[-1]), "side": -side,
                 "price": exit_[0], "fee_quote": exit_[1], "close": exit_close}
            )  # fmt: skip
        if self.kept and self.held_base and self.records:  # what a TWAP flatten has yet to unwind
            timestamp, close = self.records[-1][0], self.records[-1][1]
            side = BUY if self.held_base > 0 else SELL
            rows.append(
                {"executor_id": "held", "leg": "mark", "timestamp": timestamp, "side": -side,
                 "amount": abs(self.held_base), "price": close, "fee_quote": 0.0, "close": close}
            )  # fmt: skip
        return rows

    def _entry(self, info: Any, filled: pd.DataFrame) -> tuple[float, float]:
        """A position executor's entry fill: (price, fee in quote), as the fill model made it.
        `filled` is its simulation's rows from the entry on."""
        if self.fill is None:  # Hummingbot's: at the close, the whole fee on the entry
            return float(filled["close"].iloc[0]), float(filled["cum_fees_quote"].iloc[0])
        path = self.position_executor_simulator.paths[info.id]
        return path.entry_price, path.entry_price * float(info.config.amount) * path.entry_fee

    def _keep(self, info: Any) -> None:
        """A position stopped with keep_position (a flatten worked by an execution algorithm): as live,
        it ends POSITION_HOLD with no PnL of its own and its entry order in held_position_orders, and its
        base joins the held base at its entry price and fee, which the per-bar records mark and the
        unwind's order fills reduce. One stopped before its entry filled is a cancelled quote: nothing
        is held. The controller settles its unwind on the next bar (live: the next tick, a second later),
        so the first child goes out a bar after the stop."""
        info.close_type = CloseType.POSITION_HOLD
        info.net_pnl_quote = info.net_pnl_pct = Decimal(0)
        lived = self.simulations[info.id].executor_simulation.loc[: info.close_timestamp]
        filled = lived[lived["filled_amount_quote"] > 0]
        if filled.empty:
            info.filled_amount_quote = info.cum_fees_quote = Decimal(0)
            return
        price, fee = self._entry(info, filled)
        side = 1.0 if info.config.side == TradeType.BUY else -1.0
        amount = float(info.config.amount)
        info.filled_amount_quote = Decimal(repr(price * amount))
        info.cum_fees_quote = Decimal(repr(fee))
        # as live: the entry order, held (what the controller's unwind settles on)
        info.custom_info = {
            **(info.custom_info or {}),
            "held_position_orders": [
                {
                    "client_order_id": f"sim-{info.id}",
                    "trade_type": info.config.side.name,
                    "executed_amount_base": repr(amount),
                    "executed_amount_quote": repr(price * amount),
                    "cumulative_fee_paid_quote": fee,
                }
            ],
        }
        self.held_base += side * amount
        self.held_cash -= side * price * amount + fee
        self.held_fills += 1
        self.kept += 1

    def held_positions(self, close: float) -> list[PositionSummary]:
        """The held base as Hummingbot's executor orchestrator reports it to a controller
        (positions_held), valued at the bar's close: the base order executors' fills and kept positions
        left on the backtested pair."""
        if not self.held_base:
            return []
        config = self.controller.config
        return [
            PositionSummary(
                connector_name=config.connector_name,
                trading_pair=config.trading_pair,
                volume_traded_quote=Decimal(0),
                side=TradeType.BUY if self.held_base > 0 else TradeType.SELL,
                amount=Decimal(repr(abs(self.held_base))),
                breakeven_price=Decimal(repr(close)),
                unrealized_pnl_quote=Decimal(0),
                realized_pnl_quote=Decimal(0),
                cum_fees_quote=Decimal(0),
            )
        ]

    @staticmethod
    def _order_fills(info: Any, simulation: OrderExecutorSimulation) -> list[dict[str, Any]]:
        """An order executor's one fill (leg "fill"), when it filled before anything stopped it."""
        if info.close_type != CloseType.POSITION_HOLD:
            return []  # still resting at the end, or cancelled by a StopExecutorAction first
        frame = simulation.executor_simulation
        return [
            {
                "executor_id": info.id,
                "leg": "fill",
                "timestamp": simulation.fill_timestamp,
                "side": BUY if info.config.side == TradeType.BUY else SELL,
                "amount": float(info.config.amount),
                "price": simulation.fill_price,
                "fee_quote": simulation.fee_quote,
                "close": float(frame["close"].iloc[-1]),
            }
        ]

    def handle_stop_action(self, action, timestamp: float) -> None:
        """Hummingbot's early stop books the executor's mark at that bar. The conservative mark already
        nets a market exit at the close; the exit leg's notional is added to what was traded.

        An order executor still resting is cancelled: terminated with close_type EARLY_STOP (Hummingbot's
        engine's), no fills, held_position_orders []. Live, v2.12 ends a cancelled order with
        POSITION_HOLD and no held orders; a controller reads the held orders, not the close type. One
        already filled is no longer active, so a stop finds nothing to do, as live."""
        stopped = len(self.stopped_executors_info)
        super().handle_stop_action(action, timestamp)
        if len(self.stopped_executors_info) == stopped:
            return
        info = self.stopped_executors_info[-1]
        if action.keep_position and isinstance(info.config, PositionExecutorConfig):
            self._keep(info)
            return
        if self.fill is None:
            return
        if info.filled_amount_quote > 0 and not isinstance(info.config, OrderExecutorConfig):
            side = 1 if info.config.side == TradeType.BUY else -1
            exit_price = float(info.custom_info["close_price"]) * (1 - side * self.fill.slippage)
            info.filled_amount_quote += Decimal(str(float(info.config.amount) * exit_price))

    @staticmethod
    def summarize_results(executors_info: list, total_amount_quote: float = 1000) -> dict[str, Any]:
        """Hummingbot's summary, except that a run where nothing filled gets its empty summary (with the
        executor count) instead of the IndexError Hummingbot 2.12 raises for it."""
        if any(float(info.net_pnl_quote) != 0 for info in executors_info):
            return BacktestingEngineBase.summarize_results(executors_info, total_amount_quote)
        summary = BacktestingEngineBase.summarize_results([], total_amount_quote)
        summary["total_executors"] = len(executors_info)
        return summary


@dataclass
class BacktestResult:
    """What `BacktestingEngineBase.run_backtesting` returned, plus how the run went."""

    executors: list[Any]  # hummingbot ExecutorInfo objects
    summary: dict[str, Any]  # the engine's summarize_results()
    processed_data: dict[str, Any]  # the controller's processed_data; "features" is the frame it ran over
    candles: pd.DataFrame  # the backtest candles as seeded
    start: int
    end: int
    wall_seconds: float
    engine: BacktestingEngineBase = field(repr=False)

    @property
    def features(self) -> pd.DataFrame:
        return self.processed_data["features"]

    def executors_frame(self) -> pd.DataFrame:
        return pd.DataFrame([info.to_dict() for info in self.executors])

    def fills(self) -> pd.DataFrame:
        """One row per fill (FILL_COLUMNS): see RecordingBacktestingEngine.fill_ledger."""
        ledger = getattr(self.engine, "fill_ledger", None)
        return pd.DataFrame(ledger(self.executors) if ledger else [], columns=list(FILL_COLUMNS))

    def bars(self) -> pd.DataFrame:
        """Per-bar equity record (see RecordingBacktestingEngine), with the live best bid/ask when the
        controller keeps a trace (the project's market makers)."""
        bars = pd.DataFrame(getattr(self.engine, "records", []), columns=list(RECORD_COLUMNS))
        trace = getattr(self.engine.controller, "trace_frame", None)
        quotes = trace()[["timestamp", "best_bid", "best_ask"]] if trace else pd.DataFrame()
        if quotes.empty or bars.empty:
            bars["best_bid"], bars["best_ask"] = math.nan, math.nan
            return bars
        # each decision's bar (with decisions "path", several a bar): the last one stands for the bar
        stamps = bars["timestamp"].to_numpy()
        quotes = quotes.assign(
            timestamp=stamps[(stamps.searchsorted(quotes["timestamp"], "right") - 1).clip(0)]
        )
        return bars.merge(quotes.drop_duplicates("timestamp", keep="last"), on="timestamp", how="left")


def build_config(
    config: ControllerConfigBase | Mapping[str, Any],
    config_class: type[ControllerConfigBase] | None = None,
    connector: str | None = None,
    trading_pair: str | None = None,
) -> ControllerConfigBase:
    """A controller config object from an object, or from a dict plus its config class."""
    if isinstance(config, ControllerConfigBase):
        for name, wanted in (("connector_name", connector), ("trading_pair", trading_pair)):
            if wanted is not None and getattr(config, name, wanted) != wanted:
                raise ValueError(f"config.{name} is {getattr(config, name)!r}, but {wanted!r} was asked for")
        return config
    if config_class is None:
        config_class = config_class_for(str(config.get("controller_name")))
    data = dict(config)
    if connector is not None:
        data["connector_name"] = connector
    if trading_pair is not None:
        data["trading_pair"] = trading_pair
    return config_class(**data)


def _import_controller_module(registry: StrategyRegistry, name: str):
    """The controller module as a bot imports it; a plugin's file is loaded under that same name."""
    module_name = registry.module_path(name)
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec_file = Path(registry.get(name).controller_file)
    with contextlib.suppress(ModuleNotFoundError):
        module = importlib.import_module(module_name)
        if Path(module.__file__ or "").resolve() == spec_file.resolve():
            return module
        del sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, spec_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def config_class_for(controller_name: str, registry: StrategyRegistry | None = None) -> type:
    """Hummingbot's config class of a registered controller (built-in or plugin)."""
    registry = _registry(registry)
    return config_class_in(_import_controller_module(registry, controller_name))


def config_class_in(module: Any) -> type:
    """The one Hummingbot config class a controller module defines."""
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, ControllerConfigBase)
        and obj.__module__ == module.__name__
    ]
    if len(classes) != 1:
        raise LookupError(f"{module.__name__}: expected one config class, found {classes}")
    return classes[0]


def _candle_configs(config: ControllerConfigBase) -> list[CandlesConfig]:
    return list(getattr(config, "candles_config", None) or [])


async def run_backtest_async(
    config: ControllerConfigBase | Mapping[str, Any],
    candles: Candles | pd.DataFrame,
    *,
    config_class: type[ControllerConfigBase] | None = None,
    connector: str | None = None,
    trading_pair: str | None = None,
    interval: str = "1m",
    fee: float = 0.0006,
    trading_rule: TradingRule | None = None,
    extra_candles: Mapping[tuple[str, str, str], Candles | pd.DataFrame] | None = None,
    start: int | None = None,
    end: int | None = None,
    progress: Any = None,
    fill: FillTerms | None = None,
    engine_factory: Callable[[Any, FillTerms | None], RecordingBacktestingEngine] | None = None,
    provider: OfflineBacktestingDataProvider | None = None,
) -> BacktestResult:
    """Run `BacktestingEngineBase.run_backtesting` offline and return its results.

    config        a controller config object, or a dict (its class is found through the registry)
    candles       the frame (or Candles) for (connector, trading_pair, interval); the engine steps over it
    connector,    default to the config's connector_name / trading_pair (a dict config gets them set)
    trading_pair
    interval      the candles' interval; also the engine's backtesting resolution
    fee           the engine's trade_cost, a fraction per fill (0.001 = 10 bps)
    trading_rule  the connector's rule for the pair; a permissive one by default
    extra_candles more feeds the controller's candles_config needs, keyed (connector, pair, interval)
    start, end    epoch seconds; the whole frame by default
    progress      anything with update(n) (e.g. tqdm), ticked once per bar
    fill          the conservative fill model's terms (fee is then unused); None: Hummingbot's own model.
                  A tick of 0 is read from the candles (fill_model.price_increment)
    engine_factory (progress, fill) -> the engine; RecordingBacktestingEngine by default (a subclass, such
                  as the two-market hedge_engine.HedgedBacktestingEngine, extends it)
    provider      the data provider the engine serves from; a fresh OfflineBacktestingDataProvider by default
    """
    controller_config = build_config(config, config_class, connector, trading_pair)
    connector = controller_config.connector_name
    trading_pair = controller_config.trading_pair
    frame = candles_frame(candles)
    start = int(frame["timestamp"].iloc[0]) if start is None else int(start)
    end = int(frame["timestamp"].iloc[-1]) if end is None else int(end)

    if fill is not None and not fill.tick:
        fill = replace(
            fill, tick=price_increment(frame[["open", "high", "low", "close"]].to_numpy().ravel().tolist())
        )
    engine = (engine_factory or RecordingBacktestingEngine)(progress, fill)
    provider = provider or OfflineBacktestingDataProvider()
    engine.backtesting_data_provider = provider
    provider.seed(connector, trading_pair, interval, frame, trading_rule)
    for (feed_connector, feed_pair, feed_interval), feed in (extra_candles or {}).items():
        provider.seed(feed_connector, feed_pair, feed_interval, candles_frame(feed))
    for candles_config in _candle_configs(controller_config):
        key = feed_key(candles_config.connector, candles_config.trading_pair, candles_config.interval)
        if key not in provider.candles_feeds:
            raise OfflineDataError(f"the controller's candles_config needs {key!r}; pass it in extra_candles")

    # The engine caches controller classes by controller_name for the whole process; run this
    # config's own class even when another one with the same name ran before.
    class_cache = getattr(BacktestingEngineBase, "_BacktestingEngineBase__controller_class_cache", None)
    if class_cache is not None:
        class_cache[controller_config.controller_name] = controller_config.get_controller_class()

    started = time.perf_counter()
    raw = await engine.run_backtesting(
        controller_config, start, end, backtesting_resolution=interval, trade_cost=fee
    )
    wall = time.perf_counter() - started
    return BacktestResult(
        executors=list(raw["executors"]),
        summary=raw["results"],
        processed_data=raw["processed_data"],
        candles=frame,
        start=start,
        end=end,
        wall_seconds=wall,
        engine=engine,
    )


def run_backtest(*args: Any, **kwargs: Any) -> BacktestResult:
    """Synchronous `run_backtest_async`, in a fresh event loop."""
    return asyncio.run(run_backtest_async(*args, **kwargs))


def executors_table(executors: list[Any]) -> pd.DataFrame:
    """One row per executor: when, side, price, size, PnL and fees, how it closed."""
    rows = []
    for e in executors:
        config = e.config
        rows.append(
            {
                "id": e.id,
                "timestamp": float(e.timestamp),
                "close_timestamp": float(e.close_timestamp) if e.close_timestamp is not None else math.nan,
                "close_type": e.close_type.name if e.close_type is not None else None,
                "side": config.side.name,
                "level_id": getattr(config, "level_id", None),
                "entry_price": float(config.entry_price)
                if getattr(config, "entry_price", None)
                else math.nan,
                "amount": float(config.amount),
                "filled_amount_quote": float(e.filled_amount_quote),
                "net_pnl_quote": float(e.net_pnl_quote),
                "cum_fees_quote": float(e.cum_fees_quote),
                "is_active": bool(e.is_active),
                "is_trading": bool(e.is_trading),
                "is_position": isinstance(config, PositionExecutorConfig),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class EngineRun:
    """A backtest as plain frames (picklable: crosses process boundaries; engine objects stay behind)."""

    controller: str
    config: dict[str, Any]  # the config as given (the report stores the normalised one)
    capital: float
    interval: str
    fee: float
    summary: dict[str, Any]  # Hummingbot's summarize_results()
    bars: pd.DataFrame  # BAR_COLUMNS, one row per bar the engine stepped
    executors: pd.DataFrame  # executors_table()
    wall_seconds: float
    warmup_bars: int
    fill_model: dict[str, Any] = field(default_factory=dict)  # which model made it, and its terms
    fills: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(FILL_COLUMNS)))
    extras: dict[str, Any] = field(default_factory=dict)  # the engine's own records (its extras())


def engine_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config handed to Hummingbot: as given, but with the spot position rebalance off.

    Hummingbot's position rebalance places a market OrderExecutor, which Hummingbot's own backtester
    drops; a backtest therefore always starts from the neutral stock the rebalance would buy. The
    project's engine now simulates that order (OrderExecutorSimulator), so the rebalance could run; the
    default stays off until a run with it on has been compared (docs/analysis.md, "Order executors").
    """
    # Hummingbot owns these; a normalised config spells their absence as None, which it refuses.
    data = {k: v for k, v in config.items() if not (v is None and k in HUMMINGBOT_DEFAULTED)}
    data.pop("id", None)
    if data.get("controller_type") == "market_making" or "skip_rebalance" in data:
        data["skip_rebalance"] = True
    return data


def run_config(
    config: Mapping[str, Any],
    candles: Candles | pd.DataFrame,
    *,
    fee: float,
    warmup_bars: int,
    interval: str | None = None,
    progress: Any = None,
    registry: StrategyRegistry | None = None,
    fill: FillTerms | None = None,
    **engine_options: Any,
) -> EngineRun:
    """Backtest one controller config (a validated dict) over one candle window, offline.

    `warmup_bars`: the config's warm-up as its strategy registered it (CheckedConfig.warmup_bars); the
    metrics score from there.

    The candles are seeded under the config's own connector and trading pair; `interval` defaults
    to the candles' (Candles) or the config's. `fill`: the conservative model's terms; None runs
    Hummingbot's own model at the flat `fee`. `engine_options` go to run_backtest_async (engine_factory,
    provider, extra_candles: how the two-market engine, hedge_engine.py, runs through here).
    """
    registry = _registry(registry)
    name = str(config["controller_name"])
    data = engine_config({"controller_type": registry.get(name).controller_type, **config})
    interval = interval or getattr(candles, "interval", None) or str(data.get("interval", "1m"))
    result = run_backtest(
        data,
        candles,
        config_class=config_class_for(name, registry),
        interval=interval,
        fee=fee,
        progress=progress,
        fill=fill,
        **engine_options,
    )
    controller = result.engine.controller
    terms = result.engine.fill
    return EngineRun(
        controller=name,
        config=dict(config),
        capital=float(controller.config.total_amount_quote),
        interval=interval,
        fee=fee,
        summary=plain(result.summary),
        bars=result.bars(),
        fills=result.fills(),
        executors=executors_table(result.executors),
        wall_seconds=result.wall_seconds,
        warmup_bars=warmup_bars,
        fill_model={"name": "hummingbot", "fee": fee}
        if terms is None
        else {"name": "conservative", **terms.summary()},
        extras=result.engine.extras(),
    )


__all__ = [
    "BAR_COLUMNS",
    "FILL_COLUMNS",
    "BacktestResult",
    "ConservativePositionSimulator",
    "EngineRun",
    "OrderExecutorSimulation",
    "OrderExecutorSimulator",
    "OfflineBacktestingDataProvider",
    "OfflineDataError",
    "RecordingBacktestingEngine",
    "UnsupportedExecutorError",
    "build_config",
    "candles_frame",
    "config_class_for",
    "default_trading_rule",
    "engine_config",
    "executors_table",
    "feed_key",
    "run_backtest",
    "run_backtest_async",
    "run_config",
]
