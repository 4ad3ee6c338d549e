import math

import pytest

from controllers.shared_base import core
from controllers.shared_base.indicators import Bars
from controllers.shared_base.signals import NoSignal, RecordedSignal
from controllers.shared_base.strategies.base import adverse_side_factors
from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams, FixedSpreadStrategy
from controllers.shared_base.strategies.inventory_mm import InventoryMMParams, InventoryMMStrategy
from controllers.shared_base.strategies.pmm_rsi_llm import PmmRsiLlmParams, PmmRsiLlmStrategy
from controllers.shared_base.strategies.portfolio_rebalance import PortfolioRebalanceParams, plan_rebalance
from controllers.shared_base.strategies.regime_trend import RegimeTrendParams, regime_trend_signals

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


def test_regime_trend_signals():
    params = RegimeTrendParams(fast_ema=5, slow_ema=10, regime_window=10, long_only=False)
    up = regime_trend_signals(bars_from([100.0 + i for i in range(40)]), params)
    down = regime_trend_signals(bars_from([100.0 - i for i in range(40)]), params)
    chop = regime_trend_signals(bars_from([100.0 + (i % 2) for i in range(40)]), params)
    assert up[-1] == 1 and down[-1] == -1 and set(chop) == {0}
    assert set(up[:10]) == {0}  # warm-up
    long_only = RegimeTrendParams(fast_ema=5, slow_ema=10, regime_window=10)
    assert regime_trend_signals(bars_from([100.0 - i for i in range(40)]), long_only)[-1] == 0


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
