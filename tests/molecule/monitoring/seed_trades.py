"""TEST DOUBLE FOR THE EXCHANGE: writes a few fills, orders and executors into a bot's database.

No exchange is reachable in the sandbox, so a live bot never fills. This stands in for the fills
an exchange would have produced, written through Hummingbot's own SQLAlchemy models (the bot
image's code, so the schema and encodings are the real ones) into the live bot's database, for
the real exporter to read. Runs inside the bot image:

    docker run --rm -v /opt/hbot/bot1/data:/data -e PYTHONPATH=/home/hummingbot \
      --entrypoint /opt/conda/envs/hummingbot/bin/python IMAGE seed_trades.py /data/bot1.sqlite RUN_ID

Prints one JSON line with what it wrote (the test checks the exporter reports the same).
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal

from hummingbot.core.data_type.common import TradeType
from hummingbot.model.executors import Executors
from hummingbot.model.order import Order
from hummingbot.model.order_status import OrderStatus
from hummingbot.model.sql_connection_manager import SQLConnectionManager
from hummingbot.model.trade_fill import TradeFill
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executors import CloseType
from hummingbot.strategy_v2.models.executors_info import ExecutorInfo
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

PAIR = "ETH-USDT"
CONTROLLER = "fixed_spread_ETH-USDT"
# side, price, amount, fee in quote: two buys and one sell (hand-checkable totals).
FILLS = [
    ("BUY", "2000", "0.01", "0.02"),
    ("BUY", "1990", "0.02", "0.0398"),
    ("SELL", "2010", "0.01", "0.0201"),
]


def order_rows(run_id: str, now_ms: int) -> list:
    rows = []
    for index, (side, price, amount, fee) in enumerate(FILLS):
        order_id = f"exchange-double-{run_id}-{index}"
        common = {"config_file_path": "bot1.yml", "strategy": "hbot_v2_controllers", "market": "binance"}
        pair = {"symbol": PAIR, "base_asset": "ETH", "quote_asset": "USDT"}
        timestamp = now_ms - (len(FILLS) - index) * 1000
        rows.append(
            Order(
                id=order_id,
                **common,
                **pair,
                creation_timestamp=timestamp,
                order_type="LIMIT_MAKER",
                amount=Decimal(amount),
                leverage=1,
                price=Decimal(price),
                last_status="OrderFilled",
                last_update_timestamp=timestamp,
                exchange_order_id=f"x{run_id}{index}",
            )
        )
        rows.append(
            OrderStatus(
                order_id=order_id,
                timestamp=timestamp,
                status="BuyOrderCreated" if side == "BUY" else "SellOrderCreated",
            )
        )
        rows.append(OrderStatus(order_id=order_id, timestamp=timestamp + 1, status="OrderFilled"))
        if index < len(FILLS) - 1:  # the last order stays open (partly filled)
            completed = "BuyOrderCompleted" if side == "BUY" else "SellOrderCompleted"
            rows.append(OrderStatus(order_id=order_id, timestamp=timestamp + 2, status=completed))
        rows.append(
            TradeFill(
                **common,
                **pair,
                timestamp=timestamp + 1,
                order_id=order_id,
                trade_type=side,
                order_type="LIMIT_MAKER",
                price=Decimal(price),
                amount=Decimal(amount),
                leverage=1,
                trade_fee={"percent": "0.001", "percent_token": "USDT", "flat_fees": []},
                trade_fee_in_quote=Decimal(fee),
                exchange_trade_id=f"t-{run_id}-{index}",
            )
        )
    return rows


def executor_rows(run_id: str, now: float) -> list:
    """One closed and one running position executor, stored the way MarketsRecorder stores them
    (ExecutorInfo.model_dump_json() into Executors), so the bot itself loads them back on restart."""
    rows = []
    for state, closed in (("closed", True), ("open", False)):
        config = PositionExecutorConfig(
            id=f"exchange-double-{run_id}-{state}",
            timestamp=now - 120,
            controller_id=CONTROLLER,
            trading_pair=PAIR,
            connector_name="binance",
            side=TradeType.BUY,
            entry_price=Decimal("2000"),
            amount=Decimal("0.02"),
        )
        info = ExecutorInfo(
            id=config.id,
            timestamp=config.timestamp,
            type=config.type,
            status=RunnableStatus.TERMINATED if closed else RunnableStatus.RUNNING,
            config=config,
            net_pnl_pct=Decimal("0.01") if closed else Decimal(0),
            net_pnl_quote=Decimal("0.25") if closed else Decimal(0),
            cum_fees_quote=Decimal("0.04") if closed else Decimal(0),
            filled_amount_quote=Decimal("40") if closed else Decimal(0),
            is_active=not closed,
            is_trading=not closed,
            custom_info={},
            close_timestamp=now - 60 if closed else None,
            close_type=CloseType.TAKE_PROFIT if closed else None,
            controller_id=CONTROLLER,
        )
        rows.append(Executors(**json.loads(info.model_dump_json())))
    return rows


def main(argv: list[str]) -> int:
    path, run_id = argv
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    SQLConnectionManager.get_declarative_base().metadata.create_all(engine)  # no-op on the bot's own db
    now = time.time()
    with Session(engine) as session, session.begin():
        session.add_all(order_rows(run_id, int(now * 1000)) + executor_rows(run_id, now))
    engine.dispose()
    print(json.dumps({"fills": len(FILLS), "executors": 2, "pair": PAIR, "controller": CONTROLLER}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
