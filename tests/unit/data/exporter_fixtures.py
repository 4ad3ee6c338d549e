"""Bot databases with Hummingbot's real schema (hummingbot_schema.sql, dumped from its SQLAlchemy models).

Values are written the way Hummingbot's models store them: SqliteDecimal(6) columns as value x 10^6
integers, TradeFill/Order/OrderStatus timestamps in milliseconds, Executors amounts as floats.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

SCHEMA = Path(__file__).with_name("hummingbot_schema.sql")
EXPORTER_DIR = Path(__file__).resolve().parents[3] / "monitoring" / "exporter"


def scaled(value: float | str) -> int:
    return int(Decimal(str(value)) * 1_000_000)


def create_bot_db(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(SCHEMA.read_text())
    return connection


def add_order(connection, order_id: str, pair: str, side: str, ts_ms: int, price=100, amount=1) -> None:
    base, quote = pair.split("-")
    event = "BuyOrderCreated" if side == "buy" else "SellOrderCreated"
    connection.execute(
        'INSERT INTO "Order" (id, config_file_path, strategy, market, symbol, base_asset, quote_asset,'
        " creation_timestamp, order_type, amount, leverage, price, last_status, last_update_timestamp,"
        " exchange_order_id, position) VALUES (?, 'conf_v2.yml', 'v2_with_controllers', 'bitget', ?, ?, ?,"
        " ?, 'LIMIT_MAKER', ?, 1, ?, ?, ?, ?, 'NIL')",
        (order_id, pair, base, quote, ts_ms, scaled(amount), scaled(price), event, ts_ms, f"x-{order_id}"),
    )
    add_status(connection, order_id, event, ts_ms)


def add_status(connection, order_id: str, event: str, ts_ms: int) -> None:
    connection.execute(
        'INSERT INTO "OrderStatus" (order_id, timestamp, status) VALUES (?, ?, ?)', (order_id, ts_ms, event)
    )
    connection.execute(
        'UPDATE "Order" SET last_status = ?, last_update_timestamp = ? WHERE id = ?', (event, ts_ms, order_id)
    )


def add_fill(
    connection,
    order_id: str,
    pair: str,
    side: str,
    ts_ms: int,
    price,
    amount,
    fee_quote,
    trade_id: str,
    market: str = "bitget",
) -> None:
    base, quote = pair.split("-")
    fee = {"fee_type": "AddedToCost", "percent": "0", "percent_token": None, "flat_fees": []}
    connection.execute(
        'INSERT INTO "TradeFill" (config_file_path, strategy, market, symbol, base_asset, quote_asset,'
        " timestamp, order_id, trade_type, order_type, price, amount, leverage, trade_fee,"
        " trade_fee_in_quote, exchange_trade_id, position)"
        " VALUES ('conf_v2.yml', 'v2_with_controllers', ?, ?, ?, ?, ?,"
        " ?, ?, 'LIMIT_MAKER', ?, ?, 1, ?, ?, ?, 'NIL')",
        (
            market,
            pair,
            base,
            quote,
            ts_ms,
            order_id,
            side.upper(),
            scaled(price),
            scaled(amount),
            json.dumps(fee),
            scaled(fee_quote),
            trade_id,
        ),
    )
    add_status(connection, order_id, "OrderFilled", ts_ms)


def add_executor(
    connection,
    executor_id: str,
    controller: str,
    pair: str,
    *,
    active: bool,
    pnl: float = 0.0,
    fees: float = 0.0,
    volume: float = 0.0,
    timestamp: float = 1_700_000_000.0,
    kind: str = "position_executor",
    custom_info: dict | None = None,
) -> None:
    config = {"id": executor_id, "type": kind, "trading_pair": pair, "side": 1}
    connection.execute(
        'INSERT INTO "Executors" (id, timestamp, type, close_type, close_timestamp, status, config,'
        " net_pnl_pct, net_pnl_quote, cum_fees_quote, filled_amount_quote, is_active, is_trading,"
        " custom_info, controller_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)",
        (
            executor_id,
            timestamp,
            kind,
            None if active else 9,
            None if active else int(timestamp) + 60,
            2 if active else 4,
            json.dumps(config),
            pnl,
            fees,
            volume,
            active,
            active,
            json.dumps(custom_info or {}),
            controller,
        ),
    )


def close_executor(connection, executor_id: str, pnl: float, fees: float, volume: float) -> None:
    connection.execute(
        'UPDATE "Executors" SET status = 4, is_active = 0, is_trading = 0, close_type = 9,'
        " net_pnl_quote = ?, cum_fees_quote = ?, filled_amount_quote = ? WHERE id = ?",
        (pnl, fees, volume, executor_id),
    )


def add_position(connection, controller: str, pair: str, side: str, amount, unrealized) -> None:
    connection.execute(
        'INSERT INTO "Position" (id, controller_id, connector_name, side, trading_pair, timestamp,'
        " volume_traded_quote, amount, breakeven_price, unrealized_pnl_quote, cum_fees_quote)"
        " VALUES (?, ?, 'bitget_perpetual', ?, ?, 1700000000000, 0, ?, 0, ?, 0)",
        (f"{controller}-{pair}-{side}", controller, side.upper(), pair, scaled(amount), scaled(unrealized)),
    )


def sample_trading_day(connection) -> None:
    """The hand-computed fixture the tests assert against (see the expected values below)."""
    add_order(connection, "o1", "BTC-USDT", "buy", 1_700_000_000_000, price=100, amount=0.5)
    add_fill(connection, "o1", "BTC-USDT", "buy", 1_700_000_001_000, 100, 0.5, 0.05, "t1")
    add_status(connection, "o1", "BuyOrderCompleted", 1_700_000_001_500)
    add_order(connection, "o2", "BTC-USDT", "buy", 1_700_000_002_000, price=102, amount=0.5)
    add_fill(connection, "o2", "BTC-USDT", "buy", 1_700_000_003_000, 102, 0.25, 0.0255, "t2")
    add_order(connection, "o3", "BTC-USDT", "sell", 1_700_000_004_000, price=105, amount=0.4)
    add_fill(connection, "o3", "BTC-USDT", "sell", 1_700_000_005_000, 105, 0.4, 0.042, "t3")
    add_status(connection, "o3", "SellOrderCompleted", 1_700_000_005_500)
    add_order(connection, "o4", "ETH-USDT", "sell", 1_700_000_006_000, price=2000, amount=1)
    add_status(connection, "o4", "OrderCancelled", 1_700_000_007_000)
    add_order(connection, "o5", "ETH-USDT", "buy", 1_700_000_008_000, price=1990, amount=1)
    add_executor(connection, "e1", "pmm_btc", "BTC-USDT", active=False, pnl=1.5, fees=0.1, volume=50.0)
    add_executor(connection, "e2", "pmm_btc", "BTC-USDT", active=False, pnl=-0.5, fees=0.05, volume=25.5)
    add_executor(connection, "e3", "pmm_btc", "BTC-USDT", active=True)
    add_position(connection, "pmm_btc", "BTC-USDT", "buy", 0.35, -0.7)


# Expected from sample_trading_day, by hand:
EXPECTED_FILLS = {
    ("bitget", "BTC-USDT", "buy"): {
        "count": 2,
        "volume": 100 * 0.5 + 102 * 0.25,
        "base": 0.75,
        "fees": 0.05 + 0.0255,
    },
    ("bitget", "BTC-USDT", "sell"): {"count": 1, "volume": 105 * 0.4, "base": 0.4, "fees": 0.042},
}
EXPECTED_INVENTORY_BTC = 0.75 - 0.4
EXPECTED_LAST_FILL = 1_700_000_005.0
# o2 (partly filled) and o5 are open; o1, o3 completed; o4 cancelled.
EXPECTED_OPEN_ORDERS = {("BTC-USDT", "buy"): 1, ("ETH-USDT", "buy"): 1}
EXPECTED_ORDER_EVENTS = {
    ("BTC-USDT", "buy", "created"): 2,
    ("BTC-USDT", "buy", "filled"): 2,
    ("BTC-USDT", "buy", "completed"): 1,
    ("BTC-USDT", "sell", "created"): 1,
    ("BTC-USDT", "sell", "filled"): 1,
    ("BTC-USDT", "sell", "completed"): 1,
    ("ETH-USDT", "sell", "created"): 1,
    ("ETH-USDT", "sell", "cancelled"): 1,
    ("ETH-USDT", "buy", "created"): 1,
}
