"""Order executors in the project's engine (the analysis runtime, offline):

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_order_executor_sim.py

A scripted controller (below) creates OrderExecutorConfigs, and stops them, at given bars of hand-built
candles, and records the executors_info it saw at every bar. Each rule of OrderExecutorSimulator has a
case with its fill bar, price and fee worked by hand, under the conservative model and Hummingbot's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

# the project's `controllers` first: importing hummingbot puts the image's own `controllers` on the path
from controllers.analysis.engine import UnsupportedExecutorError, run_backtest  # noqa: E402, I001
from controllers.analysis.fill_model import FillTerms  # noqa: E402

import pandas as pd  # noqa: E402
from hummingbot.core.data_type.common import OrderType, TradeType  # noqa: E402
from hummingbot.strategy_v2.controllers.controller_base import (  # noqa: E402
    ControllerBase,
    ControllerConfigBase,
)
from hummingbot.strategy_v2.executors.order_executor.data_types import (  # noqa: E402
    ExecutionStrategy,
    LimitChaserConfig,
    OrderExecutorConfig,
)
from hummingbot.strategy_v2.executors.position_executor.data_types import (  # noqa: E402
    PositionExecutorConfig,
    TripleBarrierConfig,
)
from hummingbot.strategy_v2.models.executor_actions import (  # noqa: E402
    CreateExecutorAction,
    StopExecutorAction,
)
from hummingbot.strategy_v2.models.executors import CloseType  # noqa: E402

TERMS = FillTerms(maker_fee=0.0002, taker_fee=0.0006, slippage=0.001, tick=0.5)
FLAT_FEE = 0.001  # Hummingbot's model: one trade_cost per fill
T0 = 1_700_000_040  # a whole minute
PAIR = "ETH-USDT"
LIVE_KEYS = {
    "executed_amount_base",
    "executed_amount_quote",
    "cumulative_fee_paid_quote",
    "price",
    "amount",
    "trade_type",
    "order_type",
    "creation_timestamp",
    "last_update_timestamp",
}


def at(bar: int) -> float:
    return float(T0 + 60 * bar)


class ScriptedConfig(ControllerConfigBase):
    """A script of (bar, kind, executor id, spec): kind "order" (an OrderExecutorConfig's fields),
    "position" (a PositionExecutorConfig's) or "stop"."""

    controller_name: str = "scripted_orders"
    connector_name: str = "binance"
    trading_pair: str = PAIR
    script: list[Any] = []

    def get_controller_class(self):
        return ScriptedController


class ScriptedController(ControllerBase):
    def __init__(self, config: ScriptedConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.bar = -1
        self.seen: dict[int, dict[str, Any]] = {}  # bar -> executor id -> ExecutorInfo seen then

    async def update_processed_data(self) -> None:
        pass

    def determine_executor_actions(self) -> list:
        self.bar += 1
        now = self.market_data_provider.time()
        self.seen[self.bar] = {info.id: info.model_copy(deep=True) for info in self.executors_info}
        actions = []
        market = {"connector_name": "binance", "trading_pair": PAIR, "timestamp": now}
        for bar, kind, executor_id, spec in self.config.script:
            if bar != self.bar:
                continue
            if kind == "stop":
                actions.append(StopExecutorAction(controller_id=self.config.id, executor_id=executor_id))
                continue
            config_class = OrderExecutorConfig if kind == "order" else PositionExecutorConfig
            executor = config_class(id=executor_id, **{**market, **spec})
            actions.append(CreateExecutorAction(controller_id=self.config.id, executor_config=executor))
        return actions


def candles(rows: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], dtype="float64")
    frame.insert(0, "timestamp", [at(i) for i in range(len(rows))])
    frame["volume"] = 10.0
    return frame


def run(rows, script, fill: FillTerms | None = TERMS):
    result = run_backtest(
        ScriptedConfig(script=script), candles(rows), interval="1m", fee=FLAT_FEE, fill=fill
    )
    return result, result.engine.controller


def order(
    side: TradeType, strategy: ExecutionStrategy, price: float | None = None, amount: float = 2
) -> dict:
    spec = {"side": side, "amount": Decimal(str(amount)), "execution_strategy": strategy}
    if price is not None:
        spec["price"] = Decimal(str(price))
    return spec


def held(info) -> list[dict]:
    return info.custom_info["held_position_orders"]


def record(result, bar: int) -> dict:
    return result.bars().set_index("timestamp").loc[at(bar)].to_dict()


def ledger(result) -> dict[str, dict]:
    return {row["executor_id"]: row for row in result.fills().to_dict("records")}


FLAT = (100.0, 100.0, 100.0, 100.0)
# A market buy created on bar 1 (priced by its close, 100): bar 2 opens at 102.
MARKET_ROWS = [FLAT, FLAT, (102, 103, 101, 102.5), (103, 103, 103, 103)]


def test_conservative_market_buy_fills_at_the_next_open_plus_slippage_taker_fee():
    result, controller = run(
        MARKET_ROWS, [(1, "order", "mkt", order(TradeType.BUY, ExecutionStrategy.MARKET))]
    )
    # bar 2's open 102 x (1 + 0.001) = 102.102; fee 2 x 102.102 x 0.0006 = 0.1225224
    row = ledger(result)["mkt"]
    assert (row["leg"], row["timestamp"], row["side"], row["amount"]) == ("fill", at(2), 1, 2.0)
    assert row["price"] == pytest.approx(102.102) and row["fee_quote"] == pytest.approx(0.1225224)
    assert row["close"] == 102.5
    assert "mkt" not in controller.seen[1]  # the action is taken after bar 1's state
    info = controller.seen[2]["mkt"]  # the fill bar's state: already filled, as live after the fill
    assert (info.is_active, info.close_type, info.close_timestamp) == (False, CloseType.POSITION_HOLD, at(2))
    assert float(info.net_pnl_quote) == 0 and float(info.filled_amount_quote) == pytest.approx(204.204)
    assert float(info.cum_fees_quote) == pytest.approx(0.1225224)
    # held: +2 base at the close, -204.204 - 0.1225224 quote
    assert record(result, 1)["pnl_quote"] == 0 and record(result, 1)["inventory_quote"] == 0
    assert record(result, 2)["pnl_quote"] == pytest.approx(2 * 102.5 - 204.204 - 0.1225224)
    assert record(result, 2)["inventory_quote"] == pytest.approx(205)
    assert record(result, 3)["pnl_quote"] == pytest.approx(2 * 103 - 204.204 - 0.1225224)


def test_held_position_orders_have_the_live_executors_shape():
    result, controller = run(
        MARKET_ROWS, [(1, "order", "mkt", order(TradeType.BUY, ExecutionStrategy.MARKET))]
    )
    (filled,) = held(controller.seen[3]["mkt"])
    assert set(filled) >= LIVE_KEYS
    assert Decimal(filled["executed_amount_base"]) == 2
    assert float(filled["executed_amount_quote"]) == pytest.approx(204.204)
    assert filled["cumulative_fee_paid_quote"] == pytest.approx(0.1225224)
    assert (filled["trade_type"], filled["order_type"], filled["price"]) == (
        "BUY",
        OrderType.MARKET.name,
        "NaN",
    )
    assert (filled["amount"], filled["creation_timestamp"], filled["last_update_timestamp"]) == (
        "2",
        at(1),
        at(2),
    )
    final = {info.id: info for info in result.executors}["mkt"]
    assert final.close_type == CloseType.POSITION_HOLD and held(final) == [filled]


def test_conservative_market_sell_fills_at_the_next_open_less_slippage():
    result, _ = run(
        MARKET_ROWS, [(1, "order", "sell", order(TradeType.SELL, ExecutionStrategy.MARKET, amount=1))]
    )
    row = ledger(result)["sell"]  # 102 x 0.999 = 101.898, fee 101.898 x 0.0006
    assert (row["timestamp"], row["side"], row["price"]) == (at(2), -1, pytest.approx(101.898))
    assert row["fee_quote"] == pytest.approx(101.898 * 0.0006)
    # sold 1 base: +101.898 quote, less the fee, and -1 x the close
    assert record(result, 3)["pnl_quote"] == pytest.approx(101.898 - 101.898 * 0.0006 - 103)
    assert record(result, 3)["inventory_quote"] == pytest.approx(-103)


def test_hummingbot_market_fills_at_the_pricing_bars_close_with_the_flat_fee():
    result, controller = run(
        MARKET_ROWS, [(1, "order", "mkt", order(TradeType.BUY, ExecutionStrategy.MARKET))], fill=None
    )
    row = ledger(result)["mkt"]  # bar 1's close 100, fee 0.001 x 200
    assert (row["timestamp"], row["price"], row["fee_quote"]) == (at(1), 100.0, pytest.approx(0.2))
    info = controller.seen[2]["mkt"]
    assert (info.is_active, info.close_type, info.close_timestamp) == (False, CloseType.POSITION_HOLD, at(1))
    assert record(result, 2)["pnl_quote"] == pytest.approx(2 * 102.5 - 200 - 0.2)


# A buy limit at 99 created on bar 1. Bar 1 itself trades to 98 (but it priced the order); bar 2 only
# touches 99; bar 3 trades 0.3 through it (less than the 0.5 increment); bar 4 trades 0.5 through it.
LIMIT_ROWS = [
    FLAT,
    (100, 100, 98, 100),
    (100, 100, 99, 99.5),
    (99.5, 99.6, 98.7, 99),
    (99, 99.2, 98.5, 98.8),
    (99, 99, 99, 99),
]


def test_conservative_limit_fills_at_its_price_once_a_later_bar_trades_through_by_an_increment():
    result, controller = run(
        LIMIT_ROWS, [(1, "order", "lim", order(TradeType.BUY, ExecutionStrategy.LIMIT, 99))]
    )
    for bar in (2, 3):  # no fill on the touch, nor 0.3 through: active, nothing held
        info = controller.seen[bar]["lim"]
        assert (info.is_active, info.close_type, held(info)) == (True, None, [])
        assert info.custom_info["order_id"] is not None
    row = ledger(result)["lim"]  # bar 4, at 99, maker fee 2 x 99 x 0.0002 = 0.0396
    assert (row["timestamp"], row["price"], row["fee_quote"]) == (at(4), 99.0, pytest.approx(0.0396))
    (filled,) = held(controller.seen[4]["lim"])
    assert (filled["order_type"], Decimal(filled["price"])) == ("LIMIT", 99)
    assert record(result, 3)["pnl_quote"] == 0
    assert record(result, 4)["pnl_quote"] == pytest.approx(2 * 98.8 - 198 - 0.0396)
    assert record(result, 3)["resting_buys"] == 1 and record(result, 4)["resting_buys"] == 0


def test_hummingbot_limit_fills_at_the_first_close_at_its_price():
    result, _ = run(
        LIMIT_ROWS, [(1, "order", "lim", order(TradeType.BUY, ExecutionStrategy.LIMIT, 99))], fill=None
    )
    row = ledger(result)["lim"]  # closes 100, 99.5, then 99 on bar 3: at 99, fee 0.001 x 198
    assert (row["timestamp"], row["price"], row["fee_quote"]) == (at(3), 99.0, pytest.approx(0.198))


def test_a_sell_limit_and_a_crossing_limit():
    script = [
        (1, "order", "sell", order(TradeType.SELL, ExecutionStrategy.LIMIT, 100.5)),
        # a buy limit at 101 over the pricing close 100 takes: bar 2's open 100 x 1.001 = 100.1 <= 101
        (1, "order", "cross", order(TradeType.BUY, ExecutionStrategy.LIMIT, 101)),
    ]
    rows = [FLAT, FLAT, (100, 100.8, 99.5, 100), (100, 101, 100, 101)]
    fills = ledger(run(rows, script)[0])
    # bar 2's high 100.8 is 0.3 past 100.5 (no fill); bar 3's 101 is 0.5 past: at 100.5, maker fee
    assert (fills["sell"]["timestamp"], fills["sell"]["side"], fills["sell"]["price"]) == (at(3), -1, 100.5)
    assert fills["sell"]["fee_quote"] == pytest.approx(2 * 100.5 * 0.0002)
    assert (fills["cross"]["timestamp"], fills["cross"]["price"]) == (at(2), pytest.approx(100.1))
    assert fills["cross"]["fee_quote"] == pytest.approx(2 * 100.1 * 0.0006)


def test_a_limit_maker_over_the_market_rests_at_the_market_price():
    # post-only at 101 over the close 100: placed at 100 (as the live executor clamps it), never taking;
    # bar 2's low 99 is 1 through it: filled at 100, maker fee
    script = [(1, "order", "maker", order(TradeType.BUY, ExecutionStrategy.LIMIT_MAKER, 101))]
    row = ledger(run(LIMIT_ROWS, script)[0])["maker"]
    assert (row["timestamp"], row["price"], row["fee_quote"]) == (at(2), 100.0, pytest.approx(0.04))


def test_a_stop_before_the_fill_cancels_the_order():
    script = [
        (1, "order", "lim", order(TradeType.BUY, ExecutionStrategy.LIMIT, 99)),
        (3, "stop", "lim", None),  # bar 4 would have filled it
    ]
    result, controller = run(LIMIT_ROWS, script)
    assert controller.seen[3]["lim"].is_active
    info = controller.seen[4]["lim"]
    assert (info.is_active, info.close_type, info.close_timestamp) == (False, CloseType.EARLY_STOP, at(3))
    assert held(info) == [] and float(info.filled_amount_quote) == 0
    assert "lim" not in ledger(result)
    assert (result.bars()["pnl_quote"] == 0).all() and (result.bars()["inventory_quote"] == 0).all()


def test_an_order_never_filled_stays_active_at_the_end():
    script = [(1, "order", "far", order(TradeType.BUY, ExecutionStrategy.LIMIT, 90))]
    result, _ = run(LIMIT_ROWS, script)
    final = {info.id: info for info in result.executors}["far"]
    assert final.is_active and final.close_type is None and held(final) == []
    assert result.fills().empty


def test_an_order_on_another_pair_is_refused():
    other = {**order(TradeType.BUY, ExecutionStrategy.MARKET), "trading_pair": "BTC-USDT"}
    with pytest.raises(UnsupportedExecutorError, match="candles for binance ETH-USDT only"):
        run(LIMIT_ROWS, [(1, "order", "other", other)])


def test_a_limit_chaser_is_refused_by_name():
    chaser = {
        "side": TradeType.BUY,
        "amount": Decimal(1),
        "chaser_config": LimitChaserConfig(distance=Decimal("0.001"), refresh_threshold=Decimal("0.002")),
        "execution_strategy": ExecutionStrategy.LIMIT_CHASER,
    }
    with pytest.raises(UnsupportedExecutorError, match="LIMIT_CHASER"):
        run(LIMIT_ROWS, [(1, "order", "chase", chaser)])


@pytest.mark.parametrize("fill", [TERMS, None], ids=["conservative", "hummingbot"])
def test_a_position_executor_is_unaffected_by_an_order_executor_beside_it(fill):
    position = {
        "side": TradeType.BUY,
        "entry_price": Decimal("99"),
        "amount": Decimal("1"),
        "triple_barrier_config": TripleBarrierConfig(
            open_order_type=OrderType.LIMIT, take_profit_order_type=OrderType.LIMIT, time_limit=600
        ),
    }
    alone, _ = run(LIMIT_ROWS, [(1, "position", "pos", position)], fill=fill)
    both, _ = run(
        LIMIT_ROWS,
        [
            (1, "position", "pos", position),
            (1, "order", "mkt", order(TradeType.BUY, ExecutionStrategy.MARKET)),
        ],
        fill=fill,
    )

    def the_position(result) -> dict:
        info = {info.id: info for info in result.executors}["pos"]
        return info.model_dump(exclude={"custom_info"})

    assert the_position(both) == the_position(alone)
    position_fills = both.fills()[both.fills()["executor_id"] == "pos"].reset_index(drop=True)
    pd.testing.assert_frame_equal(position_fills, alone.fills())
    # the records differ by exactly the order's held base marked at each close, less what it cost, from
    # the first bar after the one it was created on (a bar's record is taken before its actions)
    fill_row = ledger(both)["mkt"]
    bars_alone, bars_both = alone.bars(), both.bars()
    held_since = bars_both["timestamp"] > at(1)
    mark = 2 * bars_both["close"] - 2 * fill_row["price"] - fill_row["fee_quote"]
    expected = bars_alone["pnl_quote"] + mark.where(held_since, 0.0)
    assert bars_both["pnl_quote"].tolist() == pytest.approx(expected.tolist())


def test_a_runs_fills_feed_the_execution_report():
    """Two child market buys (bars 1 and 2) through the engine, then the pure report on its ledger."""
    from controllers.analysis.execution_report import execution_report

    rows = [FLAT, FLAT, (102, 103, 101, 102.5), (103, 104, 102, 103)]
    script = [
        (1, "order", "c1", order(TradeType.BUY, ExecutionStrategy.MARKET, amount=1)),
        (2, "order", "c2", order(TradeType.BUY, ExecutionStrategy.MARKET, amount=1)),
    ]
    result, _ = run(rows, script)
    model = {"name": "conservative", **TERMS.summary()}
    ledger_rows = result.fills().to_dict("records")
    report = execution_report(
        ledger_rows, candles(rows).to_dict("list"), side=1, start=at(1), fill_model=model
    )
    # children: 102 x 1.001 = 102.102 and 103 x 1.001 = 103.103; arrival: bar 1's close, 100
    assert report.arrival_price == 100.0 and report.run.average_price == pytest.approx(102.6025)
    assert report.run.shortfall_bps == pytest.approx(260.25)
    # the benchmark buys both at bar 2's open: 102.102, taker fee
    assert report.benchmark.average_price == pytest.approx(102.102)
    assert report.benchmark.fees_quote == pytest.approx(2 * 102.102 * 0.0006)
