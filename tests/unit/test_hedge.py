"""The hedge rules of hedged_mm (shared_base/hedge.py) and its params, with hand-computed numbers."""

import pytest
from pydantic import ValidationError

from controllers.shared_base import hedge
from controllers.shared_base.params import format_validation_errors
from controllers.shared_base.strategies.hedged_mm import HedgedMMParams, HedgedMMStrategy

RULES = hedge.HedgeRules(
    hedge_ratio=1.0,
    delta_band_base=0.1,
    min_hedge_base=0.05,
    hedge_cooldown=30,
    max_funding_rate=0.0005,
    funding_hedge_ratio=0.5,
)


def perp(position=0.0, mid=2000.0, rate=0.0001, min_notional=0.0, min_order=0.0):
    return hedge.PerpState(position, mid, rate, min_notional, min_order)


def test_target_is_minus_inventory_times_ratio_and_net_delta_sums_both_legs():
    rules = hedge.HedgeRules(hedge_ratio=0.8, delta_band_base=0.1)
    decision = hedge.decide_hedge(1.5, perp(position=-1.0), rules, now=100, last_hedge_at=None)
    assert decision.target_base == pytest.approx(-1.2)  # -1.5 * 0.8
    assert decision.net_delta_base == pytest.approx(0.5)  # 1.5 + (-1.0)
    assert decision.gap_base == pytest.approx(-0.2)  # -1.2 - (-1.0): sell 0.2 more
    assert decision.orders == (hedge.HedgeOrder(False, pytest.approx(0.2), hedge.OPEN),)


def test_inside_the_band_nothing_is_sent():
    # net delta 1.0 - 0.92 = 0.08 <= band 0.1
    decision = hedge.decide_hedge(1.0, perp(position=-0.92), RULES, now=100, last_hedge_at=None)
    assert decision.orders == () and decision.reason == "inside the band"
    # 1.0 - 0.85 = 0.15 > 0.1: sized back to zero delta, not to the band edge (0.15, not 0.05)
    decision = hedge.decide_hedge(1.0, perp(position=-0.85), RULES, now=100, last_hedge_at=None)
    assert decision.orders == (hedge.HedgeOrder(False, pytest.approx(0.15), hedge.OPEN),)
    assert decision.net_delta_base == pytest.approx(0.15)


def test_below_the_minimum_size_or_the_perps_minimum_nothing_is_sent():
    rules = hedge.HedgeRules(delta_band_base=0.02, min_hedge_base=0.05)
    # gap 0.04 > band 0.02 but < min_hedge_base 0.05
    assert hedge.decide_hedge(0.04, perp(), rules, 0, None).reason == "below the minimum order"
    # gap 0.06 clears min_hedge_base, but 0.06 * 2000 = 120 < the perp's min notional 150
    assert (
        hedge.decide_hedge(0.06, perp(min_notional=150), rules, 0, None).reason == "below the minimum order"
    )
    # and the perp's own minimum size 0.1 > 0.06
    assert hedge.decide_hedge(0.06, perp(min_order=0.1), rules, 0, None).reason == "below the minimum order"
    # 0.08 * 2000 = 160 >= 150: sent
    assert hedge.decide_hedge(0.08, perp(min_notional=150), rules, 0, None).orders


def test_cooldown_since_the_last_hedge_and_no_order_while_one_is_working():
    args = (1.0, perp(), RULES)
    assert hedge.decide_hedge(*args, now=129, last_hedge_at=100).reason == "cooling down"  # 29 s < 30 s
    assert hedge.decide_hedge(*args, now=130, last_hedge_at=100).orders  # 30 s: allowed
    assert hedge.decide_hedge(*args, now=130, last_hedge_at=None).orders  # never hedged yet
    working = hedge.decide_hedge(*args, now=500, last_hedge_at=100, working=True)
    assert working.orders == () and working.reason == "a hedge order is working"


def test_orders_close_what_shrinks_the_position_and_open_the_rest():
    # a short inventory now: target +0.5, position -0.3 -> buy 0.8: close 0.3, open a 0.5 long
    decision = hedge.decide_hedge(-0.5, perp(position=-0.3), RULES, 0, None)
    assert decision.orders == (
        hedge.HedgeOrder(True, pytest.approx(0.3), hedge.CLOSE),
        hedge.HedgeOrder(True, pytest.approx(0.5), hedge.OPEN),
    )
    # inventory sold down from 1.0 to 0.4: buy back 0.6 of a 1.0 short, a close only
    decision = hedge.decide_hedge(0.4, perp(position=-1.0), RULES, 0, None)
    assert decision.orders == (hedge.HedgeOrder(True, pytest.approx(0.6), hedge.CLOSE),)
    assert decision.orders[0].signed_base == pytest.approx(0.6)


def test_a_part_under_the_exchanges_minimum_order_is_never_sent_alone():
    """Found on the paper perpetual: a hedge through zero from a dust position (1e-6 left by the
    exchange's size increment) sent a close of 9.99999999973e-7, which the exchange floors to nothing
    and refuses; the executor retried it ten times, every rebalance."""
    dust = 1e-6 - 2.7e-16  # one lot, as the float sum of the fills gives it back
    # The close is dust: one open of the whole trade, which a one-way account nets against the dust.
    orders = hedge.split_order(-dust, 0.3, min_order_base=1e-6)
    assert orders == (hedge.HedgeOrder(True, 0.3, hedge.OPEN),)
    decision = hedge.decide_hedge(-0.3, perp(position=-dust, min_order=1e-6), RULES, 0, None)
    assert decision.orders == (hedge.HedgeOrder(True, pytest.approx(0.3 + dust, abs=1e-12), hedge.OPEN),)
    # The open rest is dust: the close alone (a delta under one minimum order stays).
    assert hedge.split_order(-0.3, 0.3 + dust, min_order_base=1e-6) == (
        hedge.HedgeOrder(True, 0.3, hedge.CLOSE),
    )
    # Both parts clear the minimum: both go, as before; with no minimum known, nothing is folded.
    assert len(hedge.split_order(-0.3, 0.5, min_order_base=1e-6)) == 2
    assert [o.action for o in hedge.split_order(-dust, 0.3)] == [hedge.CLOSE, hedge.OPEN]


def test_costly_funding_reduces_the_ratio_for_the_side_that_pays():
    # long inventory -> short hedge; shorts pay when the rate is negative
    assert hedge.funding_cost_rate(-1.0, -0.001) == pytest.approx(0.001)
    assert hedge.funding_cost_rate(1.0, -0.001) == pytest.approx(-0.001)
    decision = hedge.decide_hedge(2.0, perp(rate=-0.0006), RULES, 0, None)  # short pays 0.06% > 0.05%
    assert decision.funding_costly and decision.ratio == 0.5
    assert decision.target_base == pytest.approx(-1.0)  # -2.0 * 0.5
    assert decision.orders == (hedge.HedgeOrder(False, pytest.approx(1.0), hedge.OPEN),)
    # exactly at the limit is not costly; a positive rate pays the short
    assert not hedge.decide_hedge(2.0, perp(rate=-0.0005), RULES, 0, None).funding_costly
    assert hedge.decide_hedge(2.0, perp(rate=0.003), RULES, 0, None).ratio == 1.0
    # short inventory -> long hedge, which pays a positive rate
    decision = hedge.decide_hedge(-2.0, perp(rate=0.0006), RULES, 0, None)
    assert decision.funding_costly and decision.target_base == pytest.approx(1.0)
    # the band is measured from the reduced target: position -0.95 is 0.05 from -1.0, inside 0.1
    decision = hedge.decide_hedge(2.0, perp(position=-0.95, rate=-0.0006), RULES, 0, None)
    assert decision.orders == () and decision.net_delta_base == pytest.approx(1.05)


def test_funding_paid_is_charged_once_per_timestamp_on_the_position_seen_before_it():
    ledger = hedge.FundingLedger()
    # short 1.5 ETH, mark 2000, rate +0.0001 announced for t=1000
    ledger = hedge.accrue_funding(ledger, 900, -1.5, 2000.0, 0.0001, 1000)
    assert ledger.paid_quote == 0 and ledger.payments == 0
    # crossing 1000: -1.5 * 2000 * 0.0001 = -0.3 (the short received 0.3); the connector still lags
    ledger = hedge.accrue_funding(ledger, 1001, -2.0, 2100.0, 0.0001, 1000)
    assert ledger.paid_quote == pytest.approx(-0.3) and ledger.payments == 1
    ledger = hedge.accrue_funding(ledger, 1002, -2.0, 2100.0, -0.0002, 29800)  # not charged twice
    assert ledger.paid_quote == pytest.approx(-0.3) and ledger.payments == 1
    # crossing 29800: -2.0 * 2100 * -0.0002 = +0.84 paid; total -0.3 + 0.84 = 0.54
    ledger = hedge.accrue_funding(ledger, 29800, 0.0, 2050.0, 0.0001, 58600)
    assert ledger.paid_quote == pytest.approx(0.54) and ledger.payments == 2
    assert ledger.last_paid_at == 29800
    # no funding info (None): nothing is due
    assert hedge.accrue_funding(hedge.FundingLedger(), 5, -1.0, 1.0, 0.1, None).paid_quote == 0


def test_hedge_pnl_marks_the_position_to_the_mid_less_fees():
    # short 2 ETH at a breakeven of 2000, mid 1900: (1900 - 2000) * -2 = +200; realised 15, fees 4
    assert hedge.hedge_pnl_quote(-2.0, 2000.0, 1900.0, 15.0, 4.0) == pytest.approx(211.0)
    # long 1 at 1000, mid 990: -10 - 1 fee
    assert hedge.hedge_pnl_quote(1.0, 1000.0, 990.0, 0.0, 1.0) == pytest.approx(-11.0)
    assert hedge.hedge_pnl_quote(0.0, 0.0, 1234.0, 3.0, 1.0) == pytest.approx(2.0)


def test_a_missing_perp_price_sends_nothing():
    assert hedge.decide_hedge(1.0, perp(mid=0.0), RULES, 0, None).reason == "no perp price"


def test_the_strategy_applies_its_params_rules():
    strategy = HedgedMMStrategy(HedgedMMParams(delta_band_base=0.1, min_hedge_base=0.05, hedge_cooldown=30))
    decision = strategy.hedge(0.5, perp(position=-0.2), now=10, last_hedge_at=None)
    assert decision.orders == (hedge.HedgeOrder(False, pytest.approx(0.3), hedge.OPEN),)
    assert strategy.warmup_bars == 49  # the flagship's warm-up: max(48, 24) + 1
    assert decision.summary()["orders"] == [
        {"buy": False, "amount_base": pytest.approx(0.3), "action": "open"}
    ]


def rejected(field, text, **values):
    with pytest.raises(ValidationError) as error:
        HedgedMMParams(**values)
    lines = format_validation_errors(error.value)
    assert any(line.startswith(f"{field}: ") and text in line for line in lines), lines


def test_params_defaults_validate():
    params = HedgedMMParams()
    assert (params.connector_name, params.hedge_connector_name) == ("binance", "binance_perpetual")
    assert params.hedge_trading_pair == params.trading_pair == "ETH-USDT"
    # full inventory 100 * 0.5 = 50 quote hedged at 2x: 25 of margin
    assert params.hedge_margin_quote == pytest.approx(25.0)
    assert HedgedMMParams(hedge_connector_name="bybit_perpetual_testnet").hedge_leverage == 2


def test_params_reject_naming_the_field():
    rejected("hedge_connector_name", "not a perpetual", hedge_connector_name="binance")
    rejected("hedge_trading_pair", "differs from trading_pair", hedge_trading_pair="BTC-USDT")
    rejected("hedge_leverage", "above max_hedge_leverage 5", hedge_leverage=6)
    rejected("max_hedge_leverage", "less than or equal to 10", max_hedge_leverage=20)
    rejected("connector_name", "quotes on a spot connector", connector_name="binance_perpetual")
    rejected("hedge_ratio", "greater than 0", hedge_ratio=0)
    rejected("hedge_ratio", "less than or equal to 1", hedge_ratio=1.5)
    rejected("funding_hedge_ratio", "above hedge_ratio", hedge_ratio=0.4, funding_hedge_ratio=0.5)
    rejected("min_hedge_base", "greater than or equal to 0", min_hedge_base=-1)
    assert HedgedMMParams(max_hedge_leverage=10, hedge_leverage=10).hedge_leverage == 10


def test_the_quoting_is_the_flagships_unchanged():
    from controllers.shared_base import core
    from controllers.shared_base.indicators import Bars
    from controllers.shared_base.strategies.inventory_mm import InventoryMMParams, InventoryMMStrategy

    closes = [100.0 * 1.001**i + 0.05 * (-1) ** i for i in range(80)]
    bars = Bars(list(range(80)), closes, closes, closes)
    flagship, hedged = InventoryMMStrategy(InventoryMMParams()), HedgedMMStrategy(HedgedMMParams())
    assert hedged.features(bars) == flagship.features(bars)
    row = {name: values[-1] for name, values in flagship.features(bars).items()}
    for inventory in (0.0, 25.0, -60.0):
        account = core.AccountState(inventory_quote=inventory)
        assert hedged.plan(row, account, core.RiskState()) == flagship.plan(row, account, core.RiskState())
