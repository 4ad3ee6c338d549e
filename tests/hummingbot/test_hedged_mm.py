"""hedged_mm on the live path, in the Hummingbot runtime: a stub provider with a spot inventory and a perp
position; the hedge's OrderExecutorConfigs (connector, side, amount, position action, leverage), the band,
the cooldown, the funding adjustment, the kill switch (quotes stop, the hedge does not) and its markets.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_hedged_mm.py
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

from controller_runs import Case, build_config, candle_files  # noqa: E402
from stub_provider import StubMarketDataProvider, tick  # noqa: E402

from controllers.plugin_system.registry import load_registry  # noqa: E402

ETH_BTC = [path for path in candle_files() if path.stem == "ETH-BTC_5m"]  # hedged on ETH-USDT
PERP_MID = 2000.0
pytestmark = pytest.mark.skipif(not ETH_BTC, reason="no ETH-BTC candles")


def position(connector, pair, side, amount, breakeven, realised=0.0, fees=0.0):
    from hummingbot.core.data_type.common import TradeType
    from hummingbot.strategy_v2.executors.data_types import PositionSummary

    return PositionSummary(
        connector_name=connector,
        trading_pair=pair,
        volume_traded_quote=Decimal(str(amount * breakeven)),
        side=TradeType.BUY if side == "buy" else TradeType.SELL,
        amount=Decimal(str(amount)),
        breakeven_price=Decimal(str(breakeven)),
        unrealized_pnl_quote=Decimal(0),
        realized_pnl_quote=Decimal(str(realised)),
        cum_fees_quote=Decimal(str(fees)),
    )


def hedged(spot_base: float, perp_base: float, **overrides):
    """A live hedged_mm on ETH-BTC spot (skip_rebalance: no working stock) hedged on ETH-USDT, holding
    `spot_base` ETH of inventory and a perp position of `perp_base` (short < 0) at a breakeven of 2100."""
    from backtest_harness import load_candles

    frame = load_candles(ETH_BTC[0]).iloc[:400]
    config = build_config(Case("hedged_mm", str(ETH_BTC[0]), overrides=tuple(overrides.items())))
    provider = StubMarketDataProvider(
        frame, balances=dict.fromkeys(config.trading_pair.split("-"), 1e9), prices={"ETH-USDT": PERP_MID}
    )
    controller = config.get_controller_class()(
        config=config, market_data_provider=provider, actions_queue=None
    )
    spot_mid = float(provider.get_price_by_type("binance", config.trading_pair))
    held = [position("binance", config.trading_pair, "buy", spot_base, spot_mid)]
    if perp_base:
        side = "buy" if perp_base > 0 else "sell"
        held.append(position("binance_perpetual", "ETH-USDT", side, abs(perp_base), 2100.0, 5.0, 1.0))
    controller.positions_held = held
    return controller, provider


def hedge_orders(actions):
    from hummingbot.strategy_v2.executors.order_executor.data_types import OrderExecutorConfig
    from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction

    return [
        a.executor_config
        for a in actions
        if isinstance(a, CreateExecutorAction) and isinstance(a.executor_config, OrderExecutorConfig)
    ]


def quotes(actions):
    from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig
    from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction

    return [
        a
        for a in actions
        if isinstance(a, CreateExecutorAction) and isinstance(a.executor_config, PositionExecutorConfig)
    ]


def test_outside_the_band_a_market_short_on_the_perp_brings_the_delta_back_to_zero():
    from hummingbot.core.data_type.common import PositionAction, TradeType
    from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy

    controller, _ = hedged(2.0, -1.5)
    actions = tick(controller)
    assert quotes(actions), "the flagship's quoting goes on"
    [order] = hedge_orders(actions)
    assert (order.connector_name, order.trading_pair) == ("binance_perpetual", "ETH-USDT")
    assert order.side == TradeType.SELL and order.position_action == PositionAction.OPEN
    assert float(order.amount) == pytest.approx(0.5, rel=1e-6)  # net delta 2.0 - 1.5
    assert order.execution_strategy == ExecutionStrategy.MARKET and order.leverage == 2
    assert order.level_id == "hedge"
    info = controller.get_custom_info()
    json.dumps(info)
    assert info["net_delta_base"] == pytest.approx(0.5, rel=1e-6)
    assert info["hedge_position_base"] == pytest.approx(-1.5)
    # short 1.5 from 2100 marked at 2000: +150, realised 5, fees 1
    assert info["hedge_pnl_quote"] == pytest.approx(154.0)
    assert info["funding_paid_quote"] == 0.0
    assert any("hedge" in line for line in controller.to_format_status())
    # the next tick is within the cooldown: nothing more is sent
    assert hedge_orders(tick(controller)) == []
    assert controller.get_custom_info()["hedge_reason"] == "cooling down"


def test_inside_the_band_nothing_is_sent():
    controller, _ = hedged(2.0, -1.995)  # net delta 0.005 <= delta_band_base 0.01
    actions = tick(controller)
    assert hedge_orders(actions) == [] and quotes(actions)
    assert controller.get_custom_info()["hedge_reason"] == "inside the band"


def test_costly_funding_halves_the_hedge_and_funding_paid_accrues():
    from hummingbot.core.data_type.common import PositionAction, TradeType
    from hummingbot.core.data_type.funding_info import FundingInfo

    controller, provider = hedged(2.0, -1.5)
    now = provider.time()
    # shorts pay 0.1% a period, above max_funding_rate 0.05%: ratio 0.5, target -1.0, buy 0.5 back
    provider.funding["ETH-USDT"] = FundingInfo(
        "ETH-USDT", Decimal(2000), Decimal(2000), int(now) + 60, Decimal("-0.001")
    )
    [order] = hedge_orders(tick(controller))
    assert order.side == TradeType.BUY and order.position_action == PositionAction.CLOSE
    assert float(order.amount) == pytest.approx(0.5, rel=1e-6)
    assert controller.get_custom_info()["hedge_ratio_applied"] == 0.5
    # the funding timestamp passes with the short of 1.5 at mark 2000: -1.5 * 2000 * -0.001 = 3 paid
    # (the mark is the funding info's, not the mid)
    provider.prices["ETH-USDT"] = 2500.0
    provider._time = now + 61
    tick(controller)
    assert controller.get_custom_info()["funding_paid_quote"] == pytest.approx(3.0)


def test_killed_it_stops_quoting_but_keeps_the_hedge():
    controller, _ = hedged(2.0, -1.5, manual_kill_switch=True)
    actions = tick(controller)
    assert quotes(actions) == []
    [order] = hedge_orders(actions)
    assert float(order.amount) == pytest.approx(0.5, rel=1e-6)
    assert controller.quote_plan.killed


def test_its_markets_are_the_spot_pair_and_the_hedge_pair():
    from hummingbot.core.data_type.common import MarketDict
    from hummingbot.strategy_v2.backtesting.backtesting_engine_base import BacktestingEngineBase

    config = BacktestingEngineBase.get_controller_config_instance_from_dict(
        load_registry().default_config("hedged_mm")
    )
    markets = config.update_markets(MarketDict())
    assert {connector: set(pairs) for connector, pairs in markets.items()} == {
        "binance": {"ETH-USDT"},
        "binance_perpetual": {"ETH-USDT"},
    }
    with pytest.raises(ValueError, match="hedge_connector_name: 'binance' is not a perpetual"):
        BacktestingEngineBase.get_controller_config_instance_from_dict(
            {**load_registry().default_config("hedged_mm"), "hedge_connector_name": "binance"}
        )
