import math

import pytest

from controllers.shared_base import core
from controllers.shared_base.indicators import Bars
from controllers.shared_base.signals import NoSignal, RecordedSignal
from controllers.shared_base.strategies.base import (
    DirectionalStrategy,
    GenericStrategy,
    MarketOrder,
    adverse_side_factors,
)
from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams, FixedSpreadStrategy
from controllers.shared_base.strategies.inventory_mm import InventoryMMParams, InventoryMMStrategy
from controllers.shared_base.strategies.pmm_rsi_llm import PmmRsiLlmParams, PmmRsiLlmStrategy
from controllers.shared_base.strategies.portfolio_rebalance import (
    PortfolioRebalanceParams,
    PortfolioRebalanceStrategy,
    plan_rebalance,
)
from controllers.shared_base.strategies.regime_trend import (
    RegimeTrendParams,
    RegimeTrendStrategy,
    warmup_bars,
)

FLAT = core.AccountState()
CALM = core.RiskState()


def bars_from(closes):
    return Bars(list(range(len(closes))), closes, closes, closes)


def last_row(strategy, closes):
    return {name: values[-1] for name, values in strategy.features(bars_from(closes)).items()}


def test_adverse_side_factors_only_widen():
    assert adverse_side_factors(1.0, 0.5) == (1.0, 1.5)
    assert adverse_side_factors(-0.5, 1.0) == (1.5, 1.0)
    assert adverse_side_factors(0.0, 1.0) == (1.0, 1.0)


def test_fixed_spread_quotes_configured_spreads():
    plan = FixedSpreadStrategy(FixedSpreadParams()).plan({"reference_price": 100.0}, FLAT, CALM)
    assert plan.buy_prices == pytest.approx((99.6, 99.2))


def test_warming_up_quotes_nothing():
    strategy = PmmRsiLlmStrategy(PmmRsiLlmParams())
    plan = strategy.plan(last_row(strategy, [100.0] * 5), FLAT, CALM)
    assert not plan.is_quoting and "warming up" in plan.reasons


def test_rsi_widens_adverse_side_and_never_moves_the_reference():
    strategy = PmmRsiLlmStrategy(PmmRsiLlmParams(volatility_spread_coefficient=0.0))
    rally = [100.0 + i for i in range(60)]
    row = last_row(strategy, rally)
    assert row["rsi"] == 100.0
    plan = strategy.plan(row, FLAT, CALM)
    assert plan.reference_price == rally[-1]
    assert plan.buy_spreads[0] == pytest.approx(0.004)
    assert plan.sell_spreads[0] == pytest.approx(0.008)  # widened by rsi_max_widening = 1


def test_volatility_widens_but_never_pauses():
    strategy = PmmRsiLlmStrategy(PmmRsiLlmParams(rsi_max_widening=0.0))
    wild = [100 * math.exp(0.05 * (-1) ** i) for i in range(60)]
    calm = [100.0 + 0.001 * (-1) ** i for i in range(60)]
    wild_plan = strategy.plan(last_row(strategy, wild), FLAT, CALM)
    calm_plan = strategy.plan(last_row(strategy, calm), FLAT, CALM)
    assert wild_plan.is_quoting
    assert wild_plan.buy_spreads[0] > 2 * calm_plan.buy_spreads[0]


def test_sentiment_off_by_default_and_only_widens_when_on():
    bullish = RecordedSignal([(0.0, 1.0)])
    closes = [100.0 + 0.01 * (-1) ** i for i in range(60)]
    off = PmmRsiLlmStrategy(PmmRsiLlmParams(), bullish)
    on = PmmRsiLlmStrategy(PmmRsiLlmParams(sentiment_enabled=True), bullish)
    row = last_row(off, closes)
    plan_off, plan_on = off.plan(row, FLAT, CALM, timestamp=10.0), on.plan(row, FLAT, CALM, timestamp=10.0)
    assert plan_on.buy_spreads == pytest.approx(plan_off.buy_spreads)
    assert plan_on.sell_spreads[0] == pytest.approx(plan_off.sell_spreads[0] * 1.5)
    bearish = PmmRsiLlmStrategy(PmmRsiLlmParams(sentiment_enabled=True), RecordedSignal([(0.0, -1.0)]))
    plan_bear = bearish.plan(row, FLAT, CALM, timestamp=10.0)
    assert all(
        b >= a - 1e-12
        for a, b in zip(
            plan_off.buy_spreads + plan_off.sell_spreads,
            plan_bear.buy_spreads + plan_bear.sell_spreads,
            strict=True,
        )
    )


def test_recorded_signal_never_looks_ahead_and_expires(tmp_path):
    provider = RecordedSignal([(100.0, 0.5), (200.0, -2.0)], max_age_seconds=50)
    assert provider.score(99.0) is None
    assert provider.score(120.0) == 0.5
    assert provider.score(160.0) is None  # stale
    assert provider.score(200.0) == -1.0  # clipped
    file = tmp_path / "scores.csv"
    file.write_text("timestamp,score\n10,0.25\n")
    assert RecordedSignal.from_file(file).score(11) == 0.25
    assert NoSignal().score(0) is None


def test_inventory_mm_skews_against_inventory():
    strategy = InventoryMMStrategy(InventoryMMParams(trend_widening=0.0))
    row = last_row(strategy, [100.0 + 0.05 * (-1) ** i for i in range(80)])
    flat = strategy.plan(row, FLAT, CALM)
    long = strategy.plan(row, core.AccountState(inventory_quote=25.0), CALM)
    assert long.buy_prices[0] < flat.buy_prices[0]
    assert long.sell_prices[0] < flat.sell_prices[0]
    assert long.sell_spreads[0] >= long.spread_floor - 1e-12


def test_inventory_mm_trend_guard_widens_the_side_a_trend_runs_over():
    strategy = InventoryMMStrategy(InventoryMMParams())
    plan = strategy.plan(last_row(strategy, [100.0 * 1.001**i for i in range(80)]), FLAT, CALM)
    assert plan.sell_spreads[0] > plan.buy_spreads[0]


def test_inventory_mm_flattens_at_limit():
    strategy = InventoryMMStrategy(InventoryMMParams())
    row = last_row(strategy, [100.0] * 80)
    plan = strategy.plan(row, core.AccountState(inventory_quote=-60.0), CALM)
    assert plan.flatten_quote < 0 and not plan.quote_sell and plan.quote_buy


def regime_trend_signals(closes, params):
    return RegimeTrendStrategy(params).signals(bars_from(closes))


def test_regime_trend_signals():
    params = RegimeTrendParams(fast_ema=5, slow_ema=10, regime_window=10, long_only=False)
    up = regime_trend_signals([100.0 + i for i in range(40)], params)
    down = regime_trend_signals([100.0 - i for i in range(40)], params)
    chop = regime_trend_signals([100.0 + (i % 2) for i in range(40)], params)
    assert up[-1] == 1 and down[-1] == -1 and set(chop) == {0}
    assert set(up[:10]) == {0}  # warm-up
    long_only = RegimeTrendParams(fast_ema=5, slow_ema=10, regime_window=10)
    assert regime_trend_signals([100.0 - i for i in range(40)], long_only)[-1] == 0


def test_rebalance_threshold_mode_is_fee_aware_and_sells_first():
    params = PortfolioRebalanceParams(target_weights={"BTC": 0.5, "ETH": 0.3, "USDT": 0.2}, min_trade_quote=1)
    prices = {"BTC": 100.0, "ETH": 10.0}
    on_target = plan_rebalance({"BTC": 5.0, "ETH": 30.0, "USDT": 200.0}, prices, params, 0.0, None)
    assert not on_target.triggered and on_target.orders == ()
    drifted = plan_rebalance({"BTC": 7.0, "ETH": 30.0, "USDT": 0.0}, prices, params, 0.0, None)
    assert drifted.triggered
    assert [o.side for o in drifted.orders] == ["sell", "buy"] or drifted.orders[0].side == "sell"
    btc = next(o for o in drifted.orders if o.trading_pair == "BTC-USDT")
    assert btc.side == "sell" and btc.notional_quote == pytest.approx(700 - 500)


def test_rebalance_periodic_mode_waits_for_interval():
    params = PortfolioRebalanceParams(mode="periodic", rebalance_interval=3600, min_trade_quote=1)
    holdings, prices = {"BTC": 10.0, "ETH": 0.0, "USDT": 0.0}, {"BTC": 100.0, "ETH": 10.0}
    assert plan_rebalance(holdings, prices, params, 100.0, last_rebalance=0.0).orders == ()
    assert plan_rebalance(holdings, prices, params, 3600.0, last_rebalance=0.0).orders


# --- one shape: directional and generic strategies are pure classes too -------------------------------
def wavy_closes(count=200):
    closes = [100.0]
    for i in range(1, count):
        closes.append(closes[-1] * (1 + 0.01 * math.sin(i / 9) + 0.003 * math.cos(i * 1.7)))
    return closes


# Output of the former free function regime_trend_signals(bars, params) on wavy_closes(), recorded
# before it became RegimeTrendStrategy.signals (+ long, - short, 0 flat).
OLD_SIGNALS_LONG_SHORT = (
    "000000000000000000000+++++++++++++00000-----------------------000000++++++++++++++++++++++000000"
    "-----------------------00000+++++++++++++++++++++++00000-----------------------000000+++++++++++"
    "++++++++"
)
OLD_SIGNALS_LONG_ONLY = (
    "000000000000000000000+++++++++++++0000000000000000000000000000000000++++++++++++++++++++++000000"
    "0000000000000000000000000000+++++++++++++++++++++++0000000000000000000000000000000000+++++++++++"
    "++++++++"
)


@pytest.mark.parametrize(
    ("long_only", "expected"), [(False, OLD_SIGNALS_LONG_SHORT), (True, OLD_SIGNALS_LONG_ONLY)]
)
def test_regime_trend_strategy_gives_the_former_functions_signals(long_only, expected):
    params = RegimeTrendParams(
        fast_ema=8, slow_ema=21, regime_window=15, regime_threshold=0.4, long_only=long_only
    )
    signals = RegimeTrendStrategy(params).signals(bars_from(wavy_closes()))
    assert "".join({1: "+", -1: "-", 0: "0"}[s] for s in signals) == expected


def test_regime_trend_warmup_is_the_module_function_and_the_property():
    params = RegimeTrendParams(fast_ema=8, slow_ema=21, regime_window=15)
    assert warmup_bars(params) == RegimeTrendStrategy(params).warmup_bars == 22  # max(21, 15) + 1
    assert warmup_bars(RegimeTrendParams()) == 61  # slow_ema 60 by default
    assert RegimeTrendStrategy.params_model is RegimeTrendParams


def test_directional_base_needs_a_signal_rule():
    strategy = DirectionalStrategy(RegimeTrendParams())
    assert strategy.warmup_bars == 1
    with pytest.raises(NotImplementedError):
        strategy.signals(bars_from([1.0, 2.0]))


def test_generic_base_sends_every_order_of_its_plan():
    class Plan:
        orders = (MarketOrder("BTC-USDT", "buy", 0.1, 5000.0),)

    strategy = GenericStrategy(PortfolioRebalanceParams())
    assert strategy.trading_pairs == ["BTC-USDT", "ETH-USDT"]
    assert strategy.assets == ["BTC", "ETH", "USDT"]
    assert strategy.next_batch(Plan(), 0.0) == Plan.orders
    assert Plan.orders[0].level_id == "order"
    assert strategy.summary(Plan()) == {} and strategy.status(Plan()) == {}
    with pytest.raises(NotImplementedError):
        strategy.plan({}, {}, 0.0)


def test_portfolio_rebalance_has_the_shared_kill_switch_limit():
    assert PortfolioRebalanceParams().max_drawdown_pct == 0.05
    with pytest.raises(ValueError, match="max_drawdown_pct"):
        PortfolioRebalanceParams(max_drawdown_pct=0)


# 60% BTC, 10% ETH, 30% USDT of 10 000 USDT against 40/30/30 (by hand: sell 2000 of BTC, buy 2000 of ETH)
PAIR_PRICES = {"BTC-USDT": 50_000.0, "ETH-USDT": 2_500.0}
DRIFTED = {"BTC": 0.12, "ETH": 0.4, "USDT": 3000.0}


def test_portfolio_strategy_plans_as_plan_rebalance_on_prices_by_pair():
    params = PortfolioRebalanceParams()
    strategy = PortfolioRebalanceStrategy(params)
    assert strategy.assets == ["BTC", "ETH", "USDT"] and strategy.warmup_bars == 1
    plan = strategy.plan(DRIFTED, PAIR_PRICES, 0.0)
    assert plan == plan_rebalance(DRIFTED, {"BTC": 50_000.0, "ETH": 2_500.0}, params, 0.0, None)
    assert [(o.trading_pair, o.side, o.level_id) for o in plan.orders] == [
        ("BTC-USDT", "sell", "rebalance"),
        ("ETH-USDT", "buy", "rebalance"),
    ]
    assert plan.orders[0].amount_base == pytest.approx(0.04) and plan.orders[1].amount_base == pytest.approx(
        0.8
    )
    assert strategy.summary(plan) == {"weights": plan.weights, "drift": plan.drift, "triggered": True}
    assert strategy.status(plan)["drift"] == {"BTC": 0.2, "ETH": -0.2, "USDT": 0.0}


def test_portfolio_strategy_sells_first_then_buys_then_rests():
    strategy = PortfolioRebalanceStrategy(PortfolioRebalanceParams())
    batch = strategy.next_batch(strategy.plan(DRIFTED, PAIR_PRICES, 10.0), 10.0)
    assert [(o.trading_pair, o.side) for o in batch] == [("BTC-USDT", "sell")]
    assert strategy.rebalancing and strategy.last_rebalance == 10.0
    assert strategy.status(strategy.plan(DRIFTED, PAIR_PRICES, 10.0))["rebalancing"] is True
    sold = {"BTC": 0.08, "ETH": 0.4, "USDT": 5000.0}
    batch = strategy.next_batch(strategy.plan(sold, PAIR_PRICES, 20.0), 20.0)
    assert [(o.trading_pair, o.side) for o in batch] == [("ETH-USDT", "buy")]
    assert batch[0].amount_base == pytest.approx(0.8)
    on_target = {"BTC": 0.08, "ETH": 1.2, "USDT": 3000.0}
    assert strategy.next_batch(strategy.plan(on_target, PAIR_PRICES, 30.0), 30.0) == ()
    assert not strategy.rebalancing


def test_portfolio_strategy_finishes_a_started_rebalance_below_the_threshold():
    # BTC 42% / ETH 28% / USDT 30%: a 2% drift does not trigger (threshold 5%) but beats the fee band
    strategy = PortfolioRebalanceStrategy(PortfolioRebalanceParams())
    small = {"BTC": 0.084, "ETH": 1.12, "USDT": 3000.0}
    assert strategy.plan(small, PAIR_PRICES, 0.0).orders == ()
    strategy.rebalancing = True  # the sells of a rebalance went out last tick
    plan = strategy.plan(small, PAIR_PRICES, 0.0)
    assert [(o.trading_pair, o.side) for o in plan.orders] == [("BTC-USDT", "sell"), ("ETH-USDT", "buy")]
    assert plan.orders[0].notional_quote == pytest.approx(200.0)


def test_portfolio_strategy_remembers_its_last_periodic_rebalance():
    params = PortfolioRebalanceParams(mode="periodic", rebalance_interval=3600)
    strategy = PortfolioRebalanceStrategy(params)
    on_target = {"BTC": 0.08, "ETH": 1.2, "USDT": 3000.0}
    plan = strategy.plan(on_target, PAIR_PRICES, 100.0)
    assert plan.triggered and plan.orders == ()  # first check: due, but nothing to trade
    strategy.next_batch(plan, 100.0)
    assert strategy.last_rebalance == 100.0
    assert not strategy.plan(DRIFTED, PAIR_PRICES, 3699.0).triggered
    assert strategy.plan(DRIFTED, PAIR_PRICES, 3700.0).orders
