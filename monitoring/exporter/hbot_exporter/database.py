"""Incremental, read-only reader of one bot's Hummingbot trade database.

Schema facts (hummingbot/model, v2.12.0): SqliteDecimal columns hold value x 10^6 as integers;
TradeFill/Order/OrderStatus timestamps are milliseconds; Executors PnL/fees/volume are plain floats.
TradeFill and OrderStatus are append-only, so a rowid watermark reads each row once. Executors are
written when they close (an upsert keeps the rowid), so rows seen while still active are re-read
by rowid until they close. Position holds one row per controller/pair/side and is read whole.
An OrderExecutor (the execution algorithms' child orders) stores filled_amount_quote = 0, PnL 0 and
fees 0 in v2.12: its fills are only in custom_info's held_position_orders (InFlightOrder.to_json():
trade_type, executed_amount_base/_quote, cumulative_fee_paid_base/_quote), read from there.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .labels import OVERFLOW_VALUE, LabelGuard, side_label

DECIMAL_SCALE = 1_000_000  # SqliteDecimal(6)
# Order events as MarketEvent names in OrderStatus.status -> a small fixed set of label values.
ORDER_STATUS = {
    "BuyOrderCreated": "created",
    "SellOrderCreated": "created",
    "OrderFilled": "filled",
    "BuyOrderCompleted": "completed",
    "SellOrderCompleted": "completed",
    "OrderCancelled": "cancelled",
    "OrderFailure": "failed",
    "OrderExpired": "expired",
}
TERMINAL_ORDER_STATUS = {"completed", "cancelled", "failed", "expired"}
# Orders that never reach a terminal status must not grow memory without bound.
MAX_TRACKED_OPEN_ORDERS = 100_000
RUNNABLE_TERMINATED = 4  # hummingbot.strategy_v2.models.base.RunnableStatus.TERMINATED
ORDER_EXECUTOR = "order_executor"  # Executors.type of hummingbot's OrderExecutor


class DatabaseReplaced(sqlite3.DatabaseError):
    """A table has fewer rows than already read: the file was swapped (restore) in place."""


@dataclass
class FillTotals:
    count: int = 0
    volume_quote: float = 0.0
    amount_base: float = 0.0
    fees_quote: float = 0.0


@dataclass
class ExecutorTotals:
    closed: int = 0
    realized_pnl_quote: float = 0.0
    fees_quote: float = 0.0
    volume_quote: float = 0.0


@dataclass(frozen=True)
class DatabaseSnapshot:
    """What one refresh knew; immutable so a scrape can read it while the next refresh runs."""

    up: bool
    error: str = ""
    size_bytes: float = 0.0
    fills: dict[tuple[str, str], FillTotals] = field(default_factory=dict)
    last_fill_timestamp: float | None = None
    orders_total: dict[tuple[str, str, str], int] = field(default_factory=dict)
    orders_open: dict[tuple[str, str], int] = field(default_factory=dict)
    executors: dict[tuple[str, str], ExecutorTotals] = field(default_factory=dict)
    executors_open: dict[tuple[str, str], int] = field(default_factory=dict)
    # (controller, pair, side) -> base filled by closed order executors (their held_position_orders)
    order_executor_base: dict[tuple[str, str, str], float] = field(default_factory=dict)
    positions: dict[tuple[str, str, str, str], tuple[float, float]] = field(default_factory=dict)
    pending_rows: int = 0
    refresh_seconds: float = 0.0


def read_only_uri(path: Path) -> str:
    return f"file:{urllib.parse.quote(str(path))}?mode=ro"


def held_fills(held: str | None) -> list[tuple[str, float, float, float]]:
    """(side, base, quote, fee in quote) of each filled order in an OrderExecutor's
    held_position_orders JSON; anything malformed counts as no fill (the row is still counted)."""
    try:
        orders = json.loads(held) if held else []
    except ValueError:
        return []
    fills = []
    for order in orders if isinstance(orders, list) else []:
        if not isinstance(order, dict):
            continue
        try:
            base = float(order.get("executed_amount_base") or 0)
            quote = float(order.get("executed_amount_quote") or 0)
            fee_base = float(order.get("cumulative_fee_paid_base") or 0)
            fee_quote = float(order.get("cumulative_fee_paid_quote") or 0)
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(base) and math.isfinite(quote)) or base <= 0:
            continue
        # A fee taken in base (a buy's fee on some exchanges) is valued at the order's own price.
        fee = fee_quote + (fee_base * quote / base if math.isfinite(fee_base) else 0.0)
        fills.append((side_label(order.get("trade_type")), base, quote, fee if math.isfinite(fee) else 0.0))
    return fills


class BotDatabase:
    def __init__(self, path: Path, max_rows_per_refresh: int, busy_timeout_ms: int, max_label_values: int):
        self.path = path
        self.max_rows = max_rows_per_refresh
        self.busy_timeout = busy_timeout_ms / 1000.0
        self.pairs = LabelGuard(max_label_values)
        self.markets = LabelGuard(max_label_values)
        self.controllers = LabelGuard(max_label_values)
        self._refresh_lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self.snapshot = DatabaseSnapshot(up=False, error="not read yet")
        self._reset_state()

    def _reset_state(self) -> None:
        self.fill_watermark = 0
        self.order_status_watermark = 0
        self.executor_watermark = 0
        # (market, pair, side): a hedged bot fills the same pair on its spot and its perpetual market.
        self.fills: dict[tuple[str, str, str], FillTotals] = defaultdict(FillTotals)
        self.last_fill_timestamp: float | None = None
        self.orders_total: dict[tuple[str, str, str], int] = defaultdict(int)
        self.orders_open: dict[tuple[str, str], int] = defaultdict(int)
        self.open_orders: dict[str, tuple[str, str]] = {}
        self.executors: dict[tuple[str, str], ExecutorTotals] = defaultdict(ExecutorTotals)
        self.active_executors: dict[int, tuple[str, str]] = {}
        self.order_executor_base: dict[tuple[str, str, str], float] = defaultdict(float)
        self.positions: dict[tuple[str, str, str, str], tuple[float, float]] = {}

    # --- connection -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection:
        stat = os.stat(self.path)  # FileNotFoundError before sqlite would report a vaguer error
        identity = (stat.st_dev, stat.st_ino)
        if identity != self._identity:
            # A new file at the same path (restore, recreation): start over from its first row.
            self.close()
            self._reset_state()
            self._identity = identity
        if self._connection is None:
            self._connection = sqlite3.connect(
                read_only_uri(self.path),
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        return self._connection

    def size_bytes(self) -> float:
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                total += os.stat(f"{self.path}{suffix}").st_size
        return float(total)

    # --- refresh ----------------------------------------------------------------------------------
    def refresh(self) -> DatabaseSnapshot:
        """Read the rows added since the last refresh; on any fault keep the totals and report down.

        Concurrent scrapes do not queue up behind one another: whoever finds a refresh running
        serves the last snapshot.
        """
        if not self._refresh_lock.acquire(blocking=False):
            return self.snapshot
        started = time.perf_counter()
        try:
            try:
                try:
                    pending = self._read_in_transaction()
                except DatabaseReplaced:
                    self._reset_state()
                    pending = self._read_in_transaction()
                self.snapshot = self._snapshot(up=True, pending=pending, started=started)
            except FileNotFoundError:
                self.close()
                self._identity = None
                self.snapshot = self._snapshot(up=False, error="database file missing", started=started)
            except (sqlite3.Error, OSError) as error:
                # Locked, corrupt, not a Hummingbot database, unreadable: reconnect next time.
                self.close()
                self.snapshot = self._snapshot(
                    up=False, error=str(error) or type(error).__name__, started=started
                )
            return self.snapshot
        finally:
            self._refresh_lock.release()

    def _read_in_transaction(self) -> int:
        connection = self._connect()
        connection.execute("BEGIN")  # one consistent read snapshot across the tables
        try:
            return self._read(connection)
        finally:
            connection.execute("COMMIT")

    def _snapshot(self, up: bool, started: float, pending: int = 0, error: str = "") -> DatabaseSnapshot:
        return DatabaseSnapshot(
            up=up,
            error=error,
            size_bytes=self.size_bytes(),
            fills={key: FillTotals(**vars(value)) for key, value in self.fills.items()},
            last_fill_timestamp=self.last_fill_timestamp,
            orders_total=dict(self.orders_total),
            orders_open={key: value for key, value in self.orders_open.items() if value > 0},
            executors={key: ExecutorTotals(**vars(value)) for key, value in self.executors.items()},
            executors_open=self._executors_open(),
            order_executor_base=dict(self.order_executor_base),
            positions=self.positions if up else self.snapshot.positions,
            pending_rows=pending if up else self.snapshot.pending_rows,
            refresh_seconds=time.perf_counter() - started,
        )

    def _executors_open(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for key in self.active_executors.values():
            counts[key] += 1
        return dict(counts)

    def _read(self, connection: sqlite3.Connection) -> int:
        pending = self._read_fills(connection)
        pending += self._read_order_status(connection)
        pending += self._read_executors(connection)
        self.positions = self._read_positions(connection)
        return pending

    def _max_rowid(self, connection: sqlite3.Connection, table: str, column: str = "rowid") -> int:
        (value,) = connection.execute(f'SELECT MAX({column}) FROM "{table}"').fetchone()
        return int(value or 0)

    def _window(self, connection: sqlite3.Connection, table: str, watermark: int) -> tuple[int, int]:
        """(upper bound of this read, rows left for later); a shrunken table means a replaced DB."""
        newest = self._max_rowid(connection, table)
        if newest < watermark:
            raise DatabaseReplaced(f"{table} lost rows (max rowid {newest} < {watermark})")
        upper = min(newest, watermark + self.max_rows)
        return upper, newest - upper

    def _read_new(
        self, connection: sqlite3.Connection, table: str, watermark: int, query: str, apply
    ) -> tuple[int, int]:
        """Hand each row of `table` past `watermark` (at most max_rows of them) to `apply`; `query` binds
        the watermark and this read's upper bound. Returns (the new watermark, rows left for later)."""
        upper, pending = self._window(connection, table, watermark)
        if upper > watermark:
            for row in connection.execute(query, (watermark, upper)).fetchall():
                apply(*row)
        return upper, pending

    def _read_fills(self, connection: sqlite3.Connection) -> int:
        self.fill_watermark, pending = self._read_new(
            connection,
            "TradeFill",
            self.fill_watermark,
            "SELECT market, symbol, trade_type, COUNT(*), TOTAL(CAST(price AS REAL) * amount),"
            " TOTAL(amount), TOTAL(trade_fee_in_quote), MAX(timestamp)"
            ' FROM "TradeFill" WHERE rowid > ? AND rowid <= ? GROUP BY market, symbol, trade_type',
            self._apply_fills,
        )
        return pending

    def _apply_fills(self, market, symbol, trade_type, count, notional, amount, fees, newest_ms) -> None:
        totals = self.fills[(self.markets(market), self.pairs(symbol), side_label(trade_type))]
        totals.count += count
        totals.volume_quote += notional / DECIMAL_SCALE**2
        totals.amount_base += amount / DECIMAL_SCALE
        totals.fees_quote += fees / DECIMAL_SCALE
        if newest_ms is not None:
            newest = newest_ms / 1000.0
            self.last_fill_timestamp = max(self.last_fill_timestamp or 0.0, newest)

    def _read_order_status(self, connection: sqlite3.Connection) -> int:
        self.order_status_watermark, pending = self._read_new(
            connection,
            "OrderStatus",
            self.order_status_watermark,
            'SELECT s.order_id, s.status, o.symbol FROM "OrderStatus" s'
            ' LEFT JOIN "Order" o ON o.id = s.order_id'
            " WHERE s.rowid > ? AND s.rowid <= ? ORDER BY s.rowid",
            self._apply_order_event,
        )
        return pending

    def _apply_order_event(self, order_id: str, event: str, symbol: str | None) -> None:
        status = ORDER_STATUS.get(event, OVERFLOW_VALUE)
        known = self.open_orders.get(order_id)
        if status == "created":
            pair, side = self.pairs(symbol), "buy" if event.startswith("Buy") else "sell"
            if known is None:
                if len(self.open_orders) >= MAX_TRACKED_OPEN_ORDERS:
                    oldest = next(iter(self.open_orders))
                    self.orders_open[self.open_orders.pop(oldest)] -= 1
                self.open_orders[order_id] = (pair, side)
                self.orders_open[(pair, side)] += 1
        elif known is not None:
            pair, side = known
        else:
            pair, side = self.pairs(symbol), OVERFLOW_VALUE
            if event.startswith(("Buy", "Sell")):
                side = "buy" if event.startswith("Buy") else "sell"
        self.orders_total[(pair, side, status)] += 1
        if status in TERMINAL_ORDER_STATUS and known is not None:
            del self.open_orders[order_id]
            self.orders_open[known] -= 1

    def _read_executors(self, connection: sqlite3.Connection) -> int:
        columns = (
            "rowid, controller_id, json_extract(config, '$.trading_pair'), status, is_active,"
            " net_pnl_quote, cum_fees_quote, filled_amount_quote, type,"
            " json_extract(custom_info, '$.held_position_orders')"
        )
        if self.active_executors:
            tracked = list(self.active_executors)
            for start in range(0, len(tracked), 500):
                chunk = tracked[start : start + 500]
                rows = connection.execute(
                    f'SELECT {columns} FROM "Executors" WHERE rowid IN ({",".join("?" * len(chunk))})', chunk
                ).fetchall()
                seen = set()
                for row in rows:
                    seen.add(row[0])
                    self._apply_executor(row, revisit=True)
                for gone in set(chunk) - seen:  # deleted while active: stop counting it as open
                    del self.active_executors[gone]
        self.executor_watermark, pending = self._read_new(
            connection,
            "Executors",
            self.executor_watermark,
            f'SELECT {columns} FROM "Executors" WHERE rowid > ? AND rowid <= ?',
            lambda *row: self._apply_executor(row, revisit=False),
        )
        return pending

    def _apply_executor(self, row: tuple, revisit: bool) -> None:
        rowid, controller_id, pair, status, is_active, pnl, fees, volume, kind, held = row
        active = bool(is_active) or status != RUNNABLE_TERMINATED
        if revisit:
            if active:
                return
            key = self.active_executors.pop(rowid)
        else:
            key = (self.controllers(controller_id), self.pairs(pair))
            if active:
                self.active_executors[rowid] = key
                return
        totals = self.executors[key]
        totals.closed += 1
        totals.realized_pnl_quote += float(pnl or 0.0)
        if kind == ORDER_EXECUTOR:
            fees, volume = 0.0, 0.0
            for side, base, quote, fee in held_fills(held):
                self.order_executor_base[(*key, side)] += base
                volume += quote
                fees += fee
        totals.fees_quote += float(fees or 0.0)
        totals.volume_quote += float(volume or 0.0)

    def _read_positions(
        self, connection: sqlite3.Connection
    ) -> dict[tuple[str, str, str, str], tuple[float, float]]:
        """(controller, market, pair, side) -> (amount, unrealised PnL). By market: a hedged maker holds
        the same pair on its spot connector and on the perpetual it hedges on."""
        positions: dict[tuple[str, str, str, str], tuple[float, float]] = {}
        # Position is newer than the other tables; a database from an older Hummingbot lacks it.
        exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'Position'"
        if not connection.execute(exists).fetchone():
            return positions
        rows = connection.execute(
            "SELECT controller_id, connector_name, trading_pair, side, amount, unrealized_pnl_quote"
            ' FROM "Position" LIMIT 1000'
        )
        for controller_id, market, pair, side, amount, unrealized in rows:
            key = (self.controllers(controller_id), self.markets(market), self.pairs(pair), side_label(side))
            held, pnl = positions.get(key, (0.0, 0.0))
            positions[key] = (held + (amount or 0) / DECIMAL_SCALE, pnl + (unrealized or 0) / DECIMAL_SCALE)
        return positions
