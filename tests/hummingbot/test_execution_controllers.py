"""The execution controllers (twap, vwap, iceberg) inside Hummingbot's runtime: each built from its
default config by Hummingbot's own loader and driven tick by tick against a stub market data provider
(Hummingbot's backtester cannot simulate OrderExecutors). Asserts the OrderExecutorConfigs they create
and that a finished executor's held_position_orders count as fills.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_execution_controllers.py
"""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

import backtest_harness  # noqa: E402,F401  binds the project's `controllers` package first
import pandas as pd  # noqa: E402
from stub_provider import StubMarketDataProvider, tick  # noqa: E402

from controllers.plugin_system.registry import load_registry  # noqa: E402

MID = 2000.0
BID, ASK = MID * (1 - 0.0001), MID * (1 + 0.0001)  # the stub's book: spread 0.0002 around the mid
DAY = 86_400


def candles(bars: int, seconds: int, volume=lambda bucket: 1.0) -> pd.DataFrame:
    start = 10 * DAY
    timestamps = [start + i * seconds for i in range(bars)]
    return pd.DataFrame(
        {
            "timestamp": timestamps,
            "open": MID,
            "high": MID + 1,
            "low": MID - 1,
            "close": MID,
            "volume": [volume(int(ts % DAY) // seconds) for ts in timestamps],
        }
    )


def build(name: str, frame: pd.DataFrame, **overrides):
    from hummingbot.strategy_v2.backtesting.backtesting_engine_base import BacktestingEngineBase

    config = BacktestingEngineBase.get_controller_config_instance_from_dict(
        {**load_registry().default_config(name), **overrides}
    )
    provider = StubMarketDataProvider(frame, prices={"ETH-USDT": MID})
    controller = config.get_controller_class()(
        config=config, market_data_provider=provider, actions_queue=None
    )
    return controller, provider


def executor(action, active: bool, orders=(), stopping=False, close_type="POSITION_HOLD", name=None):
    from hummingbot.strategy_v2.models.base import RunnableStatus
    from hummingbot.strategy_v2.models.executors import CloseType

    # As Hummingbot reports them: RUNNING is active; SHUTTING_DOWN (cancelling) and TERMINATED are not.
    status = (
        RunnableStatus.SHUTTING_DOWN
        if stopping
        else RunnableStatus.RUNNING
        if active
        else RunnableStatus.TERMINATED
    )
    return SimpleNamespace(
        id=name or f"ex-{action.executor_config.level_id}",
        is_active=active and not stopping,
        status=status,
        config=action.executor_config,
        timestamp=action.executor_config.timestamp,
        net_pnl_quote=Decimal("0"),
        custom_info={"held_position_orders": list(orders)},
        close_type=None if active or close_type is None else CloseType[close_type],
    )


def order_json(order_id: str, base: float, price: float, fee: float) -> dict:
    """The fields of InFlightOrder.to_json() the controller reads."""
    return {
        "client_order_id": order_id,
        "executed_amount_base": str(base),
        "executed_amount_quote": str(base * price),
        "cumulative_fee_paid_quote": fee,
    }


def test_twap_places_maker_slices_rolls_them_and_counts_held_position_orders_as_fills():
    from hummingbot.core.data_type.common import TradeType
    from hummingbot.strategy_v2.executors.order_executor.data_types import (
        ExecutionStrategy,
        OrderExecutorConfig,
    )
    from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction, StopExecutorAction

    controller, provider = build("twap", candles(100, 60))  # target 0.1 in 12 maker slices over 3600 s
    start = provider.time()
    [create] = tick(controller)
    assert isinstance(create, CreateExecutorAction)
    child = create.executor_config
    assert isinstance(child, OrderExecutorConfig)
    assert child.execution_strategy == ExecutionStrategy.LIMIT_MAKER and child.side == TradeType.BUY
    assert float(child.amount) == pytest.approx(0.1 / 12)
    assert float(child.price) == pytest.approx(BID) and child.level_id == "slice_0"
    assert (child.connector_name, child.trading_pair) == ("binance", "ETH-USDT")
    assert controller.get_custom_info()["arrival_price"] == pytest.approx(MID)
    # Working: nothing new in the same slice; at slice 1 it is cancelled, keeping what it filled.
    controller.executors_info = [executor(create, active=True)]
    assert tick(controller) == []
    provider._time = start + 300
    [stop] = tick(controller)
    assert isinstance(stop, StopExecutorAction) and stop.executor_id == "ex-slice_0" and stop.keep_position
    # It finished with 0.005 filled (listed twice, as Hummingbot may): counted once, rest rolled over.
    fills = [order_json("o1", 0.005, 1999.0, 0.01)] * 2
    controller.executors_info = [executor(create, active=False, orders=fills)]
    provider._time = start + 301
    [create] = tick(controller)
    assert float(create.executor_config.amount) == pytest.approx(2 * 0.1 / 12 - 0.005)
    assert create.executor_config.level_id == "slice_1"
    info = controller.get_custom_info()
    assert info["filled_base"] == pytest.approx(0.005) and info["average_price"] == pytest.approx(1999.0)
    assert info["fees_quote"] == pytest.approx(0.01)
    json.dumps(info)  # plain values, for monitoring


def test_twap_taker_children_are_market_orders_and_the_window_ends_with_a_sweep():
    from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy

    controller, provider = build("twap", candles(100, 60), order_type="taker", slices=2, duration=600)
    start = provider.time()
    [create] = tick(controller)
    assert create.executor_config.execution_strategy == ExecutionStrategy.MARKET
    assert create.executor_config.price is None and float(create.executor_config.amount) == pytest.approx(
        0.05
    )
    controller.executors_info = [executor(create, False, [order_json("m1", 0.05, 2000.2, 0.1)])]
    provider._time = start + 600
    [sweep] = tick(controller)
    assert sweep.executor_config.level_id == "final" and float(sweep.executor_config.amount) == pytest.approx(
        0.05
    )


def test_vwap_follows_the_candles_volume_profile_under_its_participation_cap():
    # 5-minute bars over two days, every bucket trading 0.05: a slice (300 s) of the 3600 s window in 12
    # expects 0.05, so the 10% cap allows 0.005 per child while the schedule asks 0.1 / 12.
    controller, _ = build("vwap", candles(600, 300, volume=lambda bucket: 0.05))
    [create] = tick(controller)
    assert float(create.executor_config.amount) == pytest.approx(0.005)
    info = controller.get_custom_info()
    assert info["profile_buckets"] == 288 and info["cap_base"] == pytest.approx(0.005)
    assert info["behind_base"] == pytest.approx(0.1 / 12 - 0.005)


def test_iceberg_shows_at_most_visible_base_at_the_touch():
    from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy

    controller, _ = build("iceberg", candles(100, 60))
    [create] = tick(controller)
    child = create.executor_config
    assert child.execution_strategy == ExecutionStrategy.LIMIT_MAKER
    assert float(child.amount) == pytest.approx(0.01) and float(child.price) == pytest.approx(BID)


def test_a_child_being_cancelled_works_until_it_has_terminated_and_its_late_fill_counts():
    """Hummingbot reports a cancelling OrderExecutor (SHUTTING_DOWN) as not is_active, while its order is
    still on the book and may fill. Live on the paper market the iceberg took that for finished: it read
    the child's fills once (none), sent the next child beside it, and lost the fill that came later."""
    controller, provider = build("iceberg", candles(100, 60))  # buys 0.1 showing 0.01
    [create] = tick(controller)
    controller.executors_info = [executor(create, active=True)]
    provider.prices["ETH-USDT"] = MID * 1.01  # the touch moved 1%, beyond the 0.2% band: re-price
    [stop] = tick(controller)
    assert stop.executor_id == "ex-iceberg"
    controller.executors_info = [executor(create, active=False, stopping=True)]
    assert tick(controller) == []  # no child beside it, and no second cancel
    assert controller.get_custom_info()["working_base"] == pytest.approx(0.01)
    # Its order filled before the cancel went through: counted once it has terminated.
    filled = [order_json("o1", 0.01, MID, 0.0)]
    controller.executors_info = [executor(create, active=False, orders=filled)]
    [refill] = tick(controller)
    assert controller.get_custom_info()["filled_base"] == pytest.approx(0.01)
    assert float(refill.executor_config.amount) == pytest.approx(0.01)


def test_manual_kill_switch_sends_nothing_and_cancels_the_working_child():
    controller, _ = build("iceberg", candles(100, 60))
    [create] = tick(controller)
    controller.config.manual_kill_switch = True
    controller.executors_info = [executor(create, active=True)]
    [stop] = tick(controller)
    assert stop.executor_id == "ex-iceberg"
    info = controller.get_custom_info()
    assert info["killed"] is True and info["kill_reason"] == "manual kill switch"
    controller.executors_info = []
    assert tick(controller) == []


def test_execution_configs_name_their_market():
    from hummingbot.core.data_type.common import MarketDict
    from hummingbot.strategy_v2.backtesting.backtesting_engine_base import BacktestingEngineBase

    for name in ("twap", "vwap", "iceberg"):
        config = BacktestingEngineBase.get_controller_config_instance_from_dict(
            load_registry().default_config(name)
        )
        markets = config.update_markets(MarketDict())
        assert {connector: set(pairs) for connector, pairs in markets.items()} == {"binance": {"ETH-USDT"}}


def test_a_drawdown_of_the_marked_shortfall_trips_the_kill_switch():
    # Capital 1000, limit 5%: buying 0.1 with nothing executed yet, the price running from 2000 to 2600
    # costs 0.1 x 600 = 60 > 50 against arrival.
    controller, provider = build("iceberg", candles(100, 60))
    [create] = tick(controller)
    controller.executors_info = [executor(create, active=True)]
    provider.prices["ETH-USDT"] = 2600.0
    [stop] = tick(controller)
    assert stop.executor_id == "ex-iceberg"
    info = controller.get_custom_info()
    assert info["killed"] is True and info["kill_reason"].startswith("drawdown 6.00%")
    assert info["kill_switch_pnl_quote"] == pytest.approx(-60.0)


def test_children_refused_in_a_row_halt_it_but_our_own_cancels_do_not():
    controller, provider = build("iceberg", candles(100, 60))
    [create] = tick(controller)
    cancelled = [executor(create, False, name=f"ours{i}") for i in range(3)]  # POSITION_HOLD, no fill
    controller.executors_info = cancelled
    assert len(tick(controller)) == 1
    refused = [
        executor(create, False, close_type="INSUFFICIENT_BALANCE", name=f"refused{i}") for i in range(3)
    ]
    for i, item in enumerate(refused):
        item.timestamp += 1 + i
    controller.executors_info = cancelled + refused
    assert tick(controller) == []
    assert controller.get_custom_info()["phase"] == "halted: 3 children in a row failed"


def test_hot_reload_keeps_the_window_and_arrival_and_checks_the_pure_rules():
    from hummingbot.strategy_v2.backtesting.backtesting_engine_base import BacktestingEngineBase

    controller, provider = build("iceberg", candles(100, 60))
    tick(controller)
    start, arrival = controller.strategy.start, controller.strategy.arrival_price
    defaults = load_registry().default_config("iceberg")
    raised = BacktestingEngineBase.get_controller_config_instance_from_dict({**defaults, "target_base": 0.5})
    controller.update_config(raised)
    assert controller.strategy.params.target_base == 0.5
    assert (controller.strategy.start, controller.strategy.arrival_price) == (start, arrival)
    # target_base 0.005 under visible_base 0.01 breaks a rule: nothing changes and the field is named.
    lowered = BacktestingEngineBase.get_controller_config_instance_from_dict(
        {**defaults, "visible_base": 0.005}
    ).model_copy(update={"target_base": 0.001})
    with pytest.raises(ValueError, match="visible_base"):
        controller.update_config(lowered)
    assert controller.strategy.params.target_base == 0.5


def store_child(recorder, action, orders, close_type="POSITION_HOLD"):
    """A finished child as the orchestrator stores it: its ExecutorInfo, serialised to the Executors row."""
    from hummingbot.strategy_v2.models.base import RunnableStatus
    from hummingbot.strategy_v2.models.executors import CloseType
    from hummingbot.strategy_v2.models.executors_info import ExecutorInfo

    config = action.executor_config
    info = ExecutorInfo(
        id=config.id, timestamp=config.timestamp, type=config.type, close_timestamp=config.timestamp + 5,
        close_type=CloseType[close_type], status=RunnableStatus.TERMINATED, config=config,
        net_pnl_pct=Decimal(0), net_pnl_quote=Decimal(0), cum_fees_quote=Decimal(0),
        filled_amount_quote=Decimal(0), is_active=False, is_trading=False,
        custom_info={"held_position_orders": list(orders)}, controller_id=action.controller_id,
    )  # fmt: skip
    recorder.store_or_update_executor(SimpleNamespace(config=config, executor_info=info))


def test_a_restarted_bot_goes_on_with_the_parent_order_instead_of_running_it_again(bot_database):
    """The first run places slice 0 (maker, at the bid) and it fills; the bot stops. The restarted
    controller, same id, reads that child back from the bot's database through Hummingbot's own
    recorder: slice 0 is not sent again, the window and arrival are the first run's, and slice 1 is
    due 2/12 of the target less what filled."""
    first, provider = build("twap", candles(100, 60))  # buy 0.1 in 12 maker slices over 3600 s
    start = provider.time()
    [create] = tick(first)
    slice_0 = float(create.executor_config.amount)
    store_child(bot_database, create, [order_json("o1", slice_0, BID, 0.01)])

    again, provider = build("twap", candles(100, 60))
    provider._time = start + 100  # still slice 0: done, nothing to send
    assert tick(again) == []
    status = again.get_custom_info()
    assert status["resumed_children"] == 1
    assert status["filled_base"] == pytest.approx(slice_0) and status["start"] == start
    assert status["arrival_price"] == pytest.approx(BID)  # the first child's limit price
    provider._time = start + 301
    [create] = tick(again)
    assert create.executor_config.level_id == "slice_1"
    assert float(create.executor_config.amount) == pytest.approx(2 * 0.1 / 12 - slice_0)


def test_a_finished_parent_order_is_not_run_again_and_an_unreadable_database_halts_it(bot_database, tmp_path):
    from hummingbot.connector.markets_recorder import MarketsRecorder

    controller, provider = build("twap", candles(100, 60), order_type="taker")
    start = provider.time()
    [create] = tick(controller)
    # A taker sweep of the whole target, as at the end of a window: the order is done.
    create.executor_config.amount = Decimal("0.1")
    store_child(bot_database, create, [order_json("o1", 0.1, ASK, 0.02)])
    again, provider = build("twap", candles(100, 60), order_type="taker")
    provider._time = start + 301
    assert tick(again) == [] and again.get_custom_info()["phase"] == "done"
    assert again.get_custom_info()["arrival_price"] == pytest.approx(ASK)  # its average fill price
    # The database is gone: no child goes out, and the kill switch says why.
    (tmp_path / "bot.sqlite").unlink()
    MarketsRecorder._shared_instance._sql_manager.engine.dispose()
    blind, provider = build("twap", candles(100, 60), order_type="taker")
    assert tick(blind) == []
    status = blind.get_custom_info()
    assert status["killed"] and "cannot read this controller's stored children" in status["kill_reason"]
