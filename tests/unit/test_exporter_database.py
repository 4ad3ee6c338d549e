"""The exporter's trade-database reader against databases with Hummingbot's real schema."""

import hashlib
import json
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

sys.path[:0] = [
    str(Path(__file__).parent / "data"),
    str(Path(__file__).parents[2] / "monitoring" / "exporter"),
]

from exporter_fixtures import (  # noqa: E402
    EXPECTED_FILLS,
    EXPECTED_LAST_FILL,
    EXPECTED_OPEN_ORDERS,
    EXPECTED_ORDER_EVENTS,
    add_executor,
    add_fill,
    add_order,
    add_status,
    close_executor,
    create_bot_db,
    sample_trading_day,
)
from hbot_exporter.database import BotDatabase  # noqa: E402


def reader(path: Path, max_rows: int = 100_000, max_labels: int = 50) -> BotDatabase:
    return BotDatabase(path, max_rows_per_refresh=max_rows, busy_timeout_ms=20, max_label_values=max_labels)


@pytest.fixture
def bot_db(tmp_path):
    path = tmp_path / "conf_v2.sqlite"
    connection = create_bot_db(path)
    sample_trading_day(connection)
    yield path, connection
    connection.close()


def test_totals_match_the_hand_computed_fixture(bot_db):
    path, _ = bot_db
    snapshot = reader(path).refresh()
    assert snapshot.up, snapshot.error
    assert set(snapshot.fills) == set(EXPECTED_FILLS)
    for key, expected in EXPECTED_FILLS.items():
        totals = snapshot.fills[key]
        assert totals.count == expected["count"]
        assert totals.volume_quote == pytest.approx(expected["volume"])
        assert totals.amount_base == pytest.approx(expected["base"])
        assert totals.fees_quote == pytest.approx(expected["fees"])
    assert snapshot.last_fill_timestamp == EXPECTED_LAST_FILL
    assert snapshot.orders_open == EXPECTED_OPEN_ORDERS
    assert snapshot.orders_total == EXPECTED_ORDER_EVENTS
    closed = snapshot.executors[("pmm_btc", "BTC-USDT")]
    assert (closed.closed, closed.realized_pnl_quote) == (2, pytest.approx(1.0))
    assert closed.fees_quote == pytest.approx(0.15) and closed.volume_quote == pytest.approx(75.5)
    assert snapshot.executors_open == {("pmm_btc", "BTC-USDT"): 1}
    assert snapshot.positions[("pmm_btc", "bitget_perpetual", "BTC-USDT", "buy")] == (
        pytest.approx(0.35),
        pytest.approx(-0.7),
    )
    assert snapshot.size_bytes == path.stat().st_size
    assert snapshot.pending_rows == 0


def test_reads_only_rows_added_since_the_last_scrape(bot_db):
    path, connection = bot_db
    db = reader(path)
    db.refresh()
    # Rewriting an already-read fill must not change the totals: it is never read again.
    connection.execute('UPDATE "TradeFill" SET amount = amount * 1000')
    add_order(connection, "o6", "BTC-USDT", "sell", 1_700_000_010_000, price=110, amount=0.1)
    add_fill(connection, "o6", "BTC-USDT", "sell", 1_700_000_011_000, 110, 0.1, 0.011, "t6")
    snapshot = db.refresh()
    sell = snapshot.fills[("bitget", "BTC-USDT", "sell")]
    assert sell.count == 2
    assert sell.amount_base == pytest.approx(0.5)
    assert sell.volume_quote == pytest.approx(42 + 11)
    assert snapshot.fills[("bitget", "BTC-USDT", "buy")].amount_base == pytest.approx(0.75)
    assert snapshot.last_fill_timestamp == 1_700_000_011.0
    assert snapshot.orders_open[("BTC-USDT", "sell")] == 1


def test_a_large_backlog_is_read_over_several_scrapes(tmp_path):
    path = tmp_path / "bot.sqlite"
    connection = create_bot_db(path)
    for index in range(250):
        add_fill(
            connection, f"o{index}", "BTC-USDT", "buy", 1_700_000_000_000 + index, 100, 1, 0, f"t{index}"
        )
    db = reader(path, max_rows=100)
    counts = []
    for _ in range(3):
        snapshot = db.refresh()
        counts.append((snapshot.fills[("bitget", "BTC-USDT", "buy")].count, snapshot.pending_rows))
    # TradeFill and OrderStatus (one OrderFilled row per fill) each have 250 rows to read.
    assert counts == [(100, 300), (200, 100), (250, 0)]


def test_executor_seen_active_is_counted_once_it_closes(bot_db):
    path, connection = bot_db
    db = reader(path)
    assert db.refresh().executors_open == {("pmm_btc", "BTC-USDT"): 1}
    close_executor(connection, "e3", pnl=2.0, fees=0.2, volume=40.0)
    snapshot = db.refresh()
    assert snapshot.executors_open == {}
    closed = snapshot.executors[("pmm_btc", "BTC-USDT")]
    assert closed.closed == 3
    assert closed.realized_pnl_quote == pytest.approx(3.0)
    assert closed.volume_quote == pytest.approx(115.5)


def held_order(side: str, base: str, quote: str, fee_quote: float = 0.0, fee_base: float = 0.0) -> dict:
    """An order as InFlightOrder.to_json() writes it into held_position_orders (Decimals as strings)."""
    return {
        "trade_type": side,
        "amount": base,
        "executed_amount_base": base,
        "executed_amount_quote": quote,
        "cumulative_fee_paid_base": fee_base,
        "cumulative_fee_paid_quote": fee_quote,
    }


def test_order_executor_fills_are_read_from_its_held_orders(tmp_path):
    """v2.12's OrderExecutor stores volume, fees and PnL as 0: its fills are its held_position_orders."""
    path = tmp_path / "bot.sqlite"
    connection = create_bot_db(path)
    fills = [
        held_order("BUY", "0.02", "1.0", fee_quote=0.001),
        held_order("BUY", "0.01", "0.6", fee_base=0.0001),
    ]
    add_executor(
        connection,
        "c1",
        "twap",
        "ETH-BTC",
        active=False,
        kind="order_executor",
        custom_info={"held_position_orders": fills},
    )
    add_executor(connection, "c2", "twap", "ETH-BTC", active=True, kind="order_executor")
    add_executor(
        connection,
        "c3",
        "iceberg",
        "ETH-BTC",
        active=False,
        kind="order_executor",
        custom_info={"held_position_orders": [held_order("SELL", "0.03", "1.5")]},
    )
    # A cancelled child with nothing filled, and one whose held orders are not what Hummingbot writes.
    add_executor(
        connection,
        "c4",
        "iceberg",
        "ETH-BTC",
        active=False,
        kind="order_executor",
        custom_info={"held_position_orders": []},
    )
    add_executor(
        connection,
        "c5",
        "iceberg",
        "ETH-BTC",
        active=False,
        kind="order_executor",
        custom_info={"held_position_orders": ["x", {"executed_amount_base": "nan?"}]},
    )
    db = reader(path)
    snapshot = db.refresh()
    assert snapshot.order_executor_base == {
        ("twap", "ETH-BTC", "buy"): pytest.approx(0.03),
        ("iceberg", "ETH-BTC", "sell"): pytest.approx(0.03),
    }
    twap = snapshot.executors[("twap", "ETH-BTC")]
    # 0.001 in quote, plus 0.0001 ETH taken in base at that order's own price (0.6 / 0.01 = 60): 0.007.
    assert (twap.closed, twap.volume_quote, twap.fees_quote) == (1, pytest.approx(1.6), pytest.approx(0.007))
    assert snapshot.executors[("iceberg", "ETH-BTC")].closed == 3
    # The working child counts once it closes, and only then.
    close_executor(connection, "c2", pnl=0.0, fees=0.0, volume=0.0)
    connection.execute(
        'UPDATE "Executors" SET custom_info = ? WHERE id = ?',
        (json.dumps({"held_position_orders": [held_order("BUY", "0.02", "1.1")]}), "c2"),
    )
    assert db.refresh().order_executor_base[("twap", "ETH-BTC", "buy")] == pytest.approx(0.05)


def test_a_position_executors_held_orders_are_not_counted_again(bot_db):
    """A position executor's own columns already count its fills; its held orders are not re-added."""
    path, connection = bot_db
    add_executor(
        connection,
        "p9",
        "pmm_btc",
        "BTC-USDT",
        active=False,
        volume=10.0,
        custom_info={"held_position_orders": [held_order("BUY", "0.1", "10")]},
    )
    snapshot = reader(path).refresh()
    assert snapshot.order_executor_base == {}
    assert snapshot.executors[("pmm_btc", "BTC-USDT")].volume_quote == pytest.approx(85.5)


def test_missing_database_is_reported_and_picked_up_when_it_appears(tmp_path):
    path = tmp_path / "later.sqlite"
    db = reader(path)
    snapshot = db.refresh()
    assert not snapshot.up and "missing" in snapshot.error
    connection = create_bot_db(path)
    add_fill(connection, "o1", "BTC-USDT", "sell", 1_700_000_000_000, 10, 2, 0.01, "t1")
    snapshot = db.refresh()
    assert snapshot.up and snapshot.fills[("bitget", "BTC-USDT", "sell")].volume_quote == pytest.approx(20)


@pytest.mark.parametrize(
    "content",
    [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4096],
    ids=["garbage", "corrupt-header"],
)
def test_corrupt_database_is_reported_not_raised(tmp_path, content):
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(content)
    snapshot = reader(path).refresh()
    assert not snapshot.up
    assert snapshot.error


def test_sqlite_file_without_hummingbot_tables_is_reported(tmp_path):
    path = tmp_path / "other.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE unrelated (x)").connection.close()
    snapshot = reader(path).refresh()
    assert not snapshot.up and "no such table" in snapshot.error


def test_locked_database_keeps_the_totals_and_recovers(bot_db):
    path, connection = bot_db
    db = reader(path)
    db.refresh()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        snapshot = db.refresh()
        assert not snapshot.up and "locked" in snapshot.error
        assert snapshot.fills[("bitget", "BTC-USDT", "buy")].count == 2  # last known totals survive
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert db.refresh().up


def test_replaced_database_is_read_from_its_start(bot_db, tmp_path):
    path, connection = bot_db
    db = reader(path)
    db.refresh()
    replacement = tmp_path / "restored.sqlite"
    fresh = create_bot_db(replacement)
    add_fill(fresh, "r1", "SOL-USDT", "buy", 1_700_000_100_000, 20, 3, 0.06, "r1")
    fresh.close()
    replacement.replace(path)
    snapshot = db.refresh()
    assert snapshot.up
    assert set(snapshot.fills) == {("bitget", "SOL-USDT", "buy")}
    assert snapshot.fills[("bitget", "SOL-USDT", "buy")].volume_quote == pytest.approx(60)


def test_reader_never_writes_to_the_database(bot_db):
    path, connection = bot_db
    connection.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    db = reader(path)
    for _ in range(3):
        assert db.refresh().up
    db.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no journal or WAL left behind


def test_a_hedged_bots_spot_and_perpetual_fills_of_one_pair_stay_apart(tmp_path):
    """hedged_mm on ETH-USDT spot, hedged on ETH-USDT perpetual: one symbol, two markets. Summed, the
    perpetual's short would cancel the spot inventory that the inventory limit is about."""
    path = tmp_path / "hedged.sqlite"
    connection = create_bot_db(path)
    add_fill(connection, "s1", "ETH-USDT", "buy", 1_700_000_000_000, 2000, 0.5, 0.1, "t1", market="binance")
    add_fill(
        connection,
        "p1",
        "ETH-USDT",
        "sell",
        1_700_000_001_000,
        2001,
        0.5,
        0.04,
        "t2",
        market="binance_perpetual",
    )
    snapshot = reader(path).refresh()
    assert set(snapshot.fills) == {("binance", "ETH-USDT", "buy"), ("binance_perpetual", "ETH-USDT", "sell")}
    assert snapshot.fills[("binance_perpetual", "ETH-USDT", "sell")].volume_quote == pytest.approx(1000.5)


def test_pair_and_controller_labels_are_bounded(tmp_path):
    path = tmp_path / "many.sqlite"
    connection = create_bot_db(path)
    for index in range(8):
        pair = f"COIN{index}-USDT"
        add_fill(connection, f"o{index}", pair, "buy", 1_700_000_000_000 + index, 1, 1, 0, f"t{index}")
        add_executor(connection, f"e{index}", f"controller_{index}", pair, active=False, pnl=1.0)
    snapshot = reader(path, max_labels=3).refresh()
    pairs = {pair for _, pair, _ in snapshot.fills}
    assert pairs == {"COIN0-USDT", "COIN1-USDT", "COIN2-USDT", "other"}
    assert snapshot.fills[("bitget", "other", "buy")].count == 5
    controllers = {controller for controller, _ in snapshot.executors}
    assert len(controllers) == 4 and "other" in controllers
    assert sum(totals.realized_pnl_quote for totals in snapshot.executors.values()) == pytest.approx(8.0)


def test_concurrent_refreshes_do_not_queue_behind_each_other(bot_db):
    path, _ = bot_db
    db = reader(path)
    db.refresh()
    results = []
    with db._refresh_lock:  # a refresh in progress in another scrape
        worker = threading.Thread(target=lambda: results.append(db.refresh()))
        worker.start()
        worker.join(timeout=5)
    assert results and results[0] is db.snapshot


def test_order_events_without_a_created_row_get_their_side_from_the_event(tmp_path):
    path = tmp_path / "bot.sqlite"
    connection = create_bot_db(path)
    add_status(connection, "market-1", "SellOrderCompleted", 1_700_000_000_000)
    add_status(connection, "market-2", "OrderFailure", 1_700_000_000_000)
    snapshot = reader(path).refresh()
    assert snapshot.orders_total == {("none", "sell", "completed"): 1, ("none", "other", "failed"): 1}


def test_database_from_an_older_hummingbot_without_position_table_is_read(bot_db):
    path, connection = bot_db
    connection.execute('DROP TABLE "Position"')
    snapshot = reader(path).refresh()
    assert snapshot.up, snapshot.error
    assert snapshot.positions == {}
    assert snapshot.fills[("bitget", "BTC-USDT", "buy")].count == 2
