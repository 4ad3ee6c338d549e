"""The role's V2 script (roles/hummingbot/files/hbot_v2_controllers.py) where it mends Hummingbot 2.12's
orchestrator, proven with Hummingbot's own ExecutorOrchestrator, OrderExecutors and MarketsRecorder on a
SQLite file: a stop that arrives after its executor finished, positions held across a kill and a flip,
and an orphaned position's recovery.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_v2_script.py
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")


def load_v2_script():
    """The role's V2 script as a bot imports it (its paper module under `scripts.`, as the role puts it)."""
    import importlib.util
    import sys
    from pathlib import Path

    files = Path(__file__).resolve().parents[2] / "roles/hummingbot/files"
    for name, path in (
        ("scripts.hbot_paper", "hbot_paper.py"),
        ("hbot_v2_controllers", "hbot_v2_controllers.py"),
    ):
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, files / path)
            sys.modules[name] = module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
    return sys.modules["hbot_v2_controllers"]


SPOT, PERP = "binance_paper_trade", "binance_perpetual_paper_trade"


def bot_strategy(*controllers: str):
    """What Hummingbot's orchestrator, its executors and the V2 script read of a bot's strategy (a stand-in:
    the orchestrator, executors and database around it are Hummingbot's): the controllers, a spot and a
    one-way perpetual paper connector on ETH-BTC (each an order tracker), the clock and a mid of 0.03."""
    from hummingbot.core.data_type.common import PositionMode

    orders: dict = {}
    tracker = SimpleNamespace(fetch_order=lambda client_order_id: orders.get(client_order_id))
    spot = SimpleNamespace(_order_tracker=tracker, remove_listener=lambda *_: None)
    perp = SimpleNamespace(**vars(spot), position_mode=PositionMode.ONEWAY)
    return SimpleNamespace(
        controllers=dict.fromkeys(controllers), connectors={SPOT: spot, PERP: perp},
        markets={SPOT: {"ETH-BTC"}, PERP: {"ETH-BTC"}},
        market_data_provider=SimpleNamespace(get_price_by_type=lambda *_: Decimal("0.03")),
        current_timestamp=1_000.0, orders=orders,
    )  # fmt: skip


def child(strategy, controller_id: str, order_id: str, filled: bool, side="SELL", connector=SPOT):
    """A real OrderExecutor trading 0.02 ETH at 0.03 BTC. Filled: its order has just filled, and
    Hummingbot's own completion handler booked it in held_position_orders and stopped the executor
    (TERMINATED). Else RUNNING with its order resting, as start() leaves it (without its control loop)."""
    from hummingbot.core.data_type.common import OrderType, TradeType
    from hummingbot.core.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
    from hummingbot.strategy_v2.executors.order_executor.data_types import (
        ExecutionStrategy,
        OrderExecutorConfig,
    )
    from hummingbot.strategy_v2.executors.order_executor.order_executor import OrderExecutor
    from hummingbot.strategy_v2.models.base import RunnableStatus
    from hummingbot.strategy_v2.models.executors import TrackedOrder

    now = strategy.current_timestamp
    config = OrderExecutorConfig(
        id=f"child-{order_id}", timestamp=now, connector_name=connector, trading_pair="ETH-BTC",
        side=TradeType[side], amount=Decimal("0.02"), price=Decimal("0.03"),
        execution_strategy=ExecutionStrategy.LIMIT_MAKER, controller_id=controller_id,
    )  # fmt: skip
    executor = OrderExecutor(strategy, config)
    executor._order = TrackedOrder(order_id=order_id)
    strategy.orders[order_id] = order = InFlightOrder(
        client_order_id=order_id, trading_pair="ETH-BTC", order_type=OrderType.LIMIT,
        trade_type=TradeType[side], amount=Decimal("0.02"), creation_timestamp=now, price=Decimal("0.03"),
        exchange_order_id=order_id, initial_state=OrderState.OPEN,
    )  # fmt: skip
    if not filled:
        executor._status = RunnableStatus.RUNNING
        return executor
    order.executed_amount_base, order.executed_amount_quote = Decimal("0.02"), Decimal("0.0006")
    order.update_with_order_update(
        OrderUpdate(
            trading_pair="ETH-BTC",
            update_timestamp=now,
            new_state=OrderState.FILLED,
            client_order_id=order_id,
            exchange_order_id=order_id,
        )  # fmt: skip
    )
    executor.process_order_completed_event(None, None, SimpleNamespace(order_id=order_id))
    return executor


def test_a_stop_that_arrives_after_its_child_filled_leaves_the_child_finished_and_stored(bot_database):
    """The iceberg's stall, live in the monitoring scenario (docs/paper-trading.md): the controller
    reprices a child on a report a tick old, while that child's order has just filled. Hummingbot 2.12's
    orchestrator set the finished executor back to SHUTTING_DOWN, for good (its control loop had ended):
    never stored, its fill never counted, and the controller waited on it forever. The V2 script drops
    such a stop (stop_only_running); a running child still stops."""
    from hummingbot.strategy_v2.executors.executor_orchestrator import ExecutorOrchestrator
    from hummingbot.strategy_v2.models.base import RunnableStatus
    from hummingbot.strategy_v2.models.executor_actions import StopExecutorAction, StoreExecutorAction
    from hummingbot.strategy_v2.models.executors import CloseType

    script = load_v2_script()
    strategy = bot_strategy("iceberg_eth")

    def orchestrator(guarded: bool):
        built = ExecutorOrchestrator(strategy=strategy)
        if guarded:
            script.stop_only_running(built)
        return built

    # Hummingbot's own: the late stop revives the finished child as SHUTTING_DOWN (the defect guarded).
    bare = orchestrator(guarded=False)
    late = child(strategy, "iceberg_eth", "sell-1", filled=True)
    assert late.status == RunnableStatus.TERMINATED
    bare.active_executors["iceberg_eth"] = [late]
    bare.execute_actions([StopExecutorAction(controller_id="iceberg_eth", executor_id=late.config.id)])
    assert late.status == RunnableStatus.SHUTTING_DOWN and not late.executor_info.is_done

    # The bot's: the finished child stays finished, keeps its close type and is stored with its fill.
    guarded = orchestrator(guarded=True)
    filled = child(strategy, "iceberg_eth", "sell-2", filled=True)
    running = child(strategy, "iceberg_eth", "sell-3", filled=False)
    guarded.active_executors["iceberg_eth"] = [filled, running]
    guarded.execute_actions(
        [
            StopExecutorAction(
                controller_id="iceberg_eth", executor_id=executor.config.id, keep_position=True
            )
            for executor in (filled, running)
        ]
    )
    assert filled.status == RunnableStatus.TERMINATED and filled.close_type == CloseType.POSITION_HOLD
    assert running.status == RunnableStatus.SHUTTING_DOWN  # a stop still reaches a running child
    guarded.execute_actions([StoreExecutorAction(controller_id="iceberg_eth", executor_id=filled.config.id)])
    (stored,) = bot_database.get_executors_by_controller("iceberg_eth")
    held = stored.custom_info["held_position_orders"]
    assert [order["client_order_id"] for order in held] == ["sell-2"]
    assert float(held[0]["executed_amount_base"]) == pytest.approx(0.02)


def started(strategy, fills=()):
    """A bot's start (the orchestrator loads the Position table), then its executors' fills, each a real
    OrderExecutor filled 0.02 ETH, (side, connector); a tick makes them positions held."""
    from hummingbot.strategy_v2.executors.executor_orchestrator import ExecutorOrchestrator

    strategy.executor_orchestrator = orchestrator = ExecutorOrchestrator(strategy=strategy)
    filled(strategy, orchestrator, fills)
    return orchestrator


def filled(strategy, orchestrator, fills):
    (controller_id,) = strategy.controllers
    for side, connector in fills:
        strategy.current_timestamp += 1
        order_id = f"{controller_id}-{side}-{strategy.current_timestamp:.0f}"
        executor = child(strategy, controller_id, order_id, filled=True, side=side, connector=connector)
        orchestrator.active_executors[controller_id].append(executor)
    orchestrator.get_all_reports()  # each tick's report: finished executors' orders become positions held


def held(orchestrator, connector: str) -> Decimal:
    """Net base a controller holds on a connector, as its positions_held report it."""
    from hummingbot.core.data_type.common import TradeType

    (positions,) = orchestrator.get_positions_report().values()
    return sum(
        (p.amount if p.side == TradeType.BUY else -p.amount)
        for p in positions
        if p.connector_name == connector
    )


def test_positions_held_survive_a_kill_and_a_flip_leaves_no_stale_row(bot_database):
    """A hedged maker's perpetual hedge and a spot position that flips from short to long: the V2 script
    writes them as they change (store_net_positions, at each checkpoint), so a start after a kill (no clean
    stop) reads what the bot held. Hummingbot 2.12 writes them only at a clean stop, by side: after a flip
    the short's row stays beside the long's, and the next start holds nothing where the bot was long."""
    script = load_v2_script()
    ours = bot_strategy("hedged_eth")
    bot = started(ours, [("SELL", PERP)] * 3 + [("BUY", PERP), ("SELL", SPOT)])
    script.store_net_positions(ours)
    filled(ours, bot, [("BUY", SPOT)] * 2)  # the spot position goes from -0.02 to +0.02
    script.store_net_positions(ours)
    assert (held(bot, PERP), held(bot, SPOT)) == (Decimal("-0.04"), Decimal("0.02"))
    after_kill = started(ours)
    assert (held(after_kill, PERP), held(after_kill, SPOT)) == (Decimal("-0.04"), Decimal("0.02"))
    filled(ours, after_kill, [("BUY", PERP)])  # the loaded row nets with the new run's fills
    script.store_net_positions(ours)
    assert held(started(ours), PERP) == Decimal("-0.02")

    hummingbots = bot_strategy("hummingbot_store")  # Hummingbot's own store, at each clean stop
    started(hummingbots, [("SELL", SPOT)]).store_all_positions()
    started(hummingbots, [("BUY", SPOT)] * 2).store_all_positions()  # flipped to +0.02 long
    assert held(started(hummingbots), SPOT) == Decimal("0")  # the stale short row cancels the long


def test_an_orphaned_position_and_its_recovering_close_net_to_what_the_account_holds(bot_database):
    """A kill orphaned a 0.02 ETH long; the next start closes it at market with an order executor, whose
    fill Hummingbot keeps as a position held. The orphan, held beside it at its entry price
    (orphan_position), nets it: the maker reads a flat book, not a 0.02 ETH short, once the close fills."""
    script = load_v2_script()
    strategy = bot_strategy("inventory_mm")
    bot = started(strategy)
    orphan = SimpleNamespace(
        config=SimpleNamespace(connector_name=SPOT, trading_pair="ETH-BTC"),
        custom_info={"current_position_average_price": Decimal("0.029")},
    )
    bot.positions_held["inventory_mm"].append(script.orphan_position(orphan, "BUY", Decimal("0.02")))
    assert held(bot, SPOT) == Decimal("0.02")  # held until its close fills
    filled(strategy, bot, [("SELL", SPOT)])  # the recovery's market close, filled
    assert held(bot, SPOT) == Decimal("0")
    (position,) = bot.get_positions_report()["inventory_mm"]
    # Bought at 0.029, sold at 0.03 (child's price): the recovery's PnL is the orphan's, not lost.
    assert float(position.realized_pnl_quote) == pytest.approx(0.02 * (0.03 - 0.029))
