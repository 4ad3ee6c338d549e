import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controllers.shared_base import core


def test_fee_floor_is_three_maker_fees_when_that_exceeds_break_even():
    # break-even (0.001 + 0.001) / 0.999 = 0.002002 < 3 * 0.001
    assert core.fee_spread_floor(0.001, 0.001) == pytest.approx(0.003)


def test_fee_floor_is_break_even_when_taker_fee_dominates():
    assert core.fee_spread_floor(0.0002, 0.002) == pytest.approx(0.0022 / 0.998)


def test_fee_floor_rejects_nonsense_fees():
    with pytest.raises(ValueError):
        core.fee_spread_floor(0.001, 1.0)


def test_reference_price_prefers_book_mid_and_falls_back_to_close():
    assert core.reference_price(100.0, core.BookTop(99.0, 101.0)) == 100.0
    assert core.reference_price(105.0, core.BookTop(99.0, 101.0)) == 100.0
    assert core.reference_price(105.0, None) == 105.0
    assert core.reference_price(105.0, core.BookTop(101.0, 99.0)) == 105.0  # crossed book ignored
    with pytest.raises(ValueError):
        core.reference_price(0.0)


def test_horizon_volatility_uses_square_root_of_time():
    assert core.horizon_volatility(0.01, 60, 900) == pytest.approx(0.01 * math.sqrt(15))


def test_volatility_only_widens_and_widen_never_tightens():
    assert core.volatility_scaled_spreads([0.004, 0.008], 0.01, 0.5) == pytest.approx((0.009, 0.013))
    assert core.volatility_scaled_spreads([0.004], -0.01, 0.5) == (0.004,)
    assert core.widen([0.004], 0.5) == (0.004,)
    assert core.widen([0.004], 2.0) == (0.008,)


def test_skew_leans_against_inventory_and_is_capped_at_the_limit():
    assert core.inventory_skew(0.5, 0.002) == pytest.approx(0.001)
    assert core.inventory_skew(3.0, 0.002) == pytest.approx(0.002)
    buys, sells = core.skew_spreads([0.004], [0.004], 0.001)
    assert buys == pytest.approx((0.005,)) and sells == pytest.approx((0.003,))


def test_book_clamp_keeps_quotes_on_their_own_side_of_the_book():
    book = core.BookTop(99.9, 100.1)
    bids, asks = core.clamp_to_book([99.95, 99.0], [100.05, 101.0], book)
    assert bids == (99.9, 99.0)
    assert asks == (100.1, 101.0)


def test_kill_switch_latches_on_drawdown_from_peak():
    state = core.update_kill_switch(
        core.RiskState(), pnl_quote=10.0, capital_quote=100.0, max_drawdown_pct=0.05
    )
    assert not state.killed and state.peak_pnl_quote == 10.0
    state = core.update_kill_switch(state, pnl_quote=6.0, capital_quote=100.0, max_drawdown_pct=0.05)
    assert not state.killed  # 4% below peak
    state = core.update_kill_switch(state, pnl_quote=5.0, capital_quote=100.0, max_drawdown_pct=0.05)
    assert state.killed and "drawdown" in state.reason
    state = core.update_kill_switch(state, pnl_quote=50.0, capital_quote=100.0, max_drawdown_pct=0.05)
    assert state.killed  # recovering does not re-arm it


def test_manual_kill_switch():
    assert core.update_kill_switch(core.RiskState(), 0.0, 100.0, 0.05, manual=True).killed


def test_flatten_amount_back_to_half_the_limit():
    assert core.flatten_amount(40.0, 50.0) == 0.0
    assert core.flatten_amount(60.0, 50.0) == pytest.approx(35.0)
    assert core.flatten_amount(-50.0, 50.0) == pytest.approx(-25.0)


def test_positions_to_close_are_oldest_on_the_heavy_side_until_covered():
    positions = [("new", 20.0, 3.0), ("old", 20.0, 1.0), ("mid", 20.0, 2.0), ("short", -20.0, 0.0)]
    assert core.select_positions_to_close(positions, 35.0) == ["old", "mid"]
    assert core.select_positions_to_close(positions, -5.0) == ["short"]
    assert core.select_positions_to_close(positions, 0.0) == []


def _plan(inventory=0.0, book=None, killed=False, skew_at_limit=0.002):
    return core.build_quote_plan(
        reference=100.0,
        buy_spreads=(0.004, 0.008),
        sell_spreads=(0.004, 0.008),
        floor=0.003,
        account=core.AccountState(inventory_quote=inventory),
        max_inventory_quote=50.0,
        skew_at_limit=skew_at_limit,
        risk=core.RiskState(killed=killed, reason="test kill"),
        book=book,
    )


def test_plan_hand_computed_flat_inventory():
    plan = _plan()
    assert plan.buy_prices == pytest.approx((99.6, 99.2))
    assert plan.sell_prices == pytest.approx((100.4, 100.8))
    assert plan.quote_buy and plan.quote_sell and plan.flatten_quote == 0.0


def test_plan_long_inventory_skews_and_respects_floor():
    plan = _plan(inventory=25.0)  # ratio 0.5 -> skew 0.001
    assert plan.skew == pytest.approx(0.001)
    assert plan.buy_prices[0] == pytest.approx(100.0 * (1 - 0.005))
    assert plan.sell_prices[0] == pytest.approx(100.0 * (1 + 0.003))  # 0.004 - 0.001 = floor exactly
    heavy = _plan(inventory=45.0, skew_at_limit=0.004)  # skew 0.0036 would put asks at 0.0004
    assert heavy.sell_spreads[0] == pytest.approx(0.003)


def test_plan_at_limit_stops_adding_and_flattens():
    plan = _plan(inventory=55.0)
    assert not plan.quote_buy and plan.quote_sell
    assert plan.flatten_quote == pytest.approx(30.0)
    assert any("inventory limit" in reason for reason in plan.reasons)


def test_plan_killed_quotes_nothing_and_flattens_everything():
    plan = _plan(inventory=-10.0, killed=True)
    assert plan.killed and not plan.is_quoting
    assert plan.buy_prices == () and plan.flatten_quote == -10.0
    assert "test kill" in plan.reasons


def test_plan_summary_is_small_and_json_friendly():
    import json

    text = json.dumps(_plan(inventory=10.0, book=core.BookTop(99.9, 100.1)).summary())
    assert len(text) < 1024


@given(
    reference=st.floats(1e-6, 1e6),
    spreads=st.lists(st.floats(0.0, 0.2), min_size=1, max_size=4),
    inventory=st.floats(-500.0, 500.0),
    skew_at_limit=st.floats(0.0, 0.05),
    fee_maker=st.floats(1e-5, 0.004),  # realistic: the floor is then >= 3e-5
    fee_taker=st.floats(0.0, 0.004),
    book_offsets=st.one_of(st.none(), st.tuples(st.floats(-0.01, 0.01), st.floats(0.0, 0.02))),
)
def test_plan_invariants(reference, spreads, inventory, skew_at_limit, fee_maker, fee_taker, book_offsets):
    floor = core.fee_spread_floor(fee_maker, fee_taker)
    book = None
    if book_offsets is not None:
        bid = reference * (1 + book_offsets[0])
        book = core.BookTop(bid, bid * (1 + book_offsets[1]))
    plan = core.build_quote_plan(
        reference=reference,
        buy_spreads=spreads,
        sell_spreads=spreads,
        floor=floor,
        account=core.AccountState(inventory_quote=inventory),
        max_inventory_quote=100.0,
        skew_at_limit=skew_at_limit,
        risk=core.RiskState(),
        book=book,
    )
    tolerance = 1e-9 * reference
    for bid in plan.buy_prices:
        assert bid <= reference * (1 - floor) + tolerance  # never inside the fee floor
        if book is not None:
            assert bid <= book.best_bid + tolerance  # never inside the natural spread
    for ask in plan.sell_prices:
        assert ask >= reference * (1 + floor) - tolerance
        if book is not None:
            assert ask >= book.best_ask - tolerance
    if plan.buy_prices and plan.sell_prices:
        assert max(plan.buy_prices) < min(plan.sell_prices)  # never crosses itself
    if abs(inventory) >= 100.0:
        assert plan.flatten_quote * inventory > 0
        assert (not plan.quote_buy) if inventory > 0 else (not plan.quote_sell)


# --- what the balance can pay for ---------------------------------------------------------------------
# Bids at 99 and 98, asks at 101 and 102, one base unit each, around a reference of 100.
BIDS = ((99.0, 1.0), (98.0, 1.0))
ASKS = ((101.0, 1.0), (102.0, 1.0))


def _funding(base: float, quote: float, **budget) -> core.Funding:
    return core.fund_levels(100.0, BIDS, ASKS, core.Budget(base=base, quote=quote, **budget))


def test_a_funded_account_sends_every_level_at_full_size():
    funding = _funding(base=5.0, quote=500.0)
    assert funding.buy.amounts == (1.0, 1.0) and funding.sell.amounts == (1.0, 1.0)
    assert funding.buy.status == funding.sell.status == core.FUNDED
    assert funding.unfunded_sides == ()
    assert funding.buy.needed == pytest.approx(197.0) and funding.buy.left == pytest.approx(303.0)


def test_a_short_balance_shrinks_the_far_level_before_the_near_one():
    # 148 quote: the 99 bid in full, then half of the 98 bid; 1.5 base: the 101 ask, half the 102.
    funding = _funding(base=1.5, quote=148.0)
    assert funding.buy.amounts == pytest.approx((1.0, 0.5))
    assert funding.sell.amounts == pytest.approx((1.0, 0.5))
    assert funding.buy.status == funding.sell.status == core.PARTLY_FUNDED
    assert funding.unfunded_sides == ()


def test_nearest_to_the_reference_is_funded_first_whatever_the_order_proposed():
    funding = core.fund_levels(100.0, ((98.0, 1.0), (99.0, 1.0)), (), core.Budget(base=0.0, quote=99.0))
    assert funding.buy.amounts == pytest.approx((0.0, 1.0))


def test_an_empty_side_is_unfunded_and_the_other_side_keeps_quoting():
    funding = _funding(base=5.0, quote=0.0)
    assert funding.buy.amounts == (0.0, 0.0) and funding.buy.status == core.UNFUNDED
    assert funding.sell.amounts == (1.0, 1.0) and funding.sell.status == core.FUNDED
    assert funding.unfunded_sides == ("buy",)
    assert _funding(base=-1.0, quote=500.0).unfunded_sides == ("sell",)  # an overdrawn balance is none


def test_a_level_shrunk_below_the_minimum_order_is_dropped_not_sent():
    # 0.3 base left for the far ask is under the 0.5 minimum: dropped, and the near ask still goes.
    funding = _funding(base=1.3, quote=500.0, min_order_base=0.5)
    assert funding.sell.amounts == pytest.approx((1.0, 0.0))
    assert funding.sell.status == core.PARTLY_FUNDED
    # A balance that only pays for orders under the minimum pays for none: the side is unfunded.
    assert _funding(base=0.4, quote=500.0, min_order_base=0.5).sell.status == core.UNFUNDED
    # The minimum notional applies in quote: 0.5 base at 98 is 49 < 50.
    assert _funding(base=5.0, quote=148.0, min_notional_quote=50.0).buy.amounts == pytest.approx((1.0, 0.0))


def test_levels_under_the_minimum_with_money_to_spare_are_below_minimum_not_unfunded():
    funding = _funding(base=5.0, quote=500.0, min_order_base=2.0)
    assert funding.buy.amounts == (0.0, 0.0) and funding.buy.status == core.BELOW_MINIMUM
    assert funding.unfunded_sides == ()


def test_the_fee_is_kept_aside_on_top_of_the_cost():
    funding = core.fund_levels(100.0, ((100.0, 1.0),), ((100.0, 1.0),), core.Budget(1.0, 100.0, fee=0.001))
    assert funding.buy.amounts == pytest.approx((1.0 / 1.001,)) and funding.buy.status == core.PARTLY_FUNDED
    assert funding.sell.amounts == pytest.approx((1.0 / 1.001,))


def test_funding_summary_is_json_friendly_and_nothing_proposed_is_funded():
    import json

    funding = core.fund_levels(100.0, (), ASKS, core.Budget(base=0.0, quote=0.0))
    assert funding.buy.status == core.FUNDED and funding.sell.status == core.UNFUNDED
    summary = json.loads(json.dumps(funding.summary()))
    assert summary["sell"] == {
        "status": "unfunded",
        "available": 0.0,
        "needed": 2.0,
        "levels_sent": 0,
        "levels_proposed": 2,
    }


@given(
    st.floats(0, 10),
    st.floats(0, 1000),
    st.lists(st.tuples(st.floats(50, 99.9), st.floats(0, 3)), max_size=4),
    st.floats(0, 1),
)
def test_funded_levels_never_cost_more_than_the_balance_nor_exceed_what_was_asked(base, quote, bids, minimum):
    funding = core.fund_levels(100.0, bids, (), core.Budget(base, quote, min_order_base=minimum, fee=0.001))
    spent = sum(price * amount * 1.001 for (price, _), amount in zip(bids, funding.buy.amounts, strict=True))
    assert spent <= quote * (1 + 1e-9) + 1e-12
    for (_, wanted), amount in zip(bids, funding.buy.amounts, strict=True):
        assert amount == 0.0 or minimum <= amount <= wanted


# --- which resting quotes to keep (hand-computed) -----------------------------------------------------
# Reference 100; level 0 at 1% (99 / 101), level 1 at 2% (98 / 102); fee floor 0.2% (99.8 / 100.2).
KEEP_PLAN = core.QuotePlan(
    reference_price=100.0,
    buy_prices=(99.0, 98.0),
    sell_prices=(101.0, 102.0),
    buy_spreads=(0.01, 0.02),
    sell_spreads=(0.01, 0.02),
    spread_floor=0.002,
)
REFRESH, TOLERANCE = 60.0, 0.5  # a stale quote may drift up to half its level's spread


def _resting(id_, buy, level, price, age=120.0):
    return core.RestingQuote(id=id_, buy=buy, level=level, price=price, age_seconds=age)


def _stop(quotes, plan=KEEP_PLAN, book=None):
    return core.quotes_to_stop(quotes, plan, book, REFRESH, TOLERANCE)


def test_a_fresh_quote_stays_wherever_it_is():
    assert _stop([_resting("far", True, 0, 90.0, age=REFRESH)]) == []  # age == refresh: not yet stale


def test_a_stale_quote_within_tolerance_is_kept_beyond_it_replaced():
    # Level 0 buy planned at 99: 99.4 drifted 0.4% <= 0.5 x 1%, 99.6 drifted 0.6% > 0.5%.
    near, far = _resting("near", True, 0, 99.4), _resting("far", True, 0, 99.6)
    assert _stop([near, far]) == ["far"]
    # Level 1 sell planned at 102: 101.5 drifted 0.5% <= 0.5 x 2%.
    assert _stop([_resting("sell", False, 1, 101.5)]) == []


def test_a_stale_quote_inside_the_fee_floor_or_the_book_is_replaced():
    # Level 0 buy planned at 99.85 sits inside the 0.2% floor (99.8) even though its drift is small.
    tight = replace(KEEP_PLAN, buy_prices=(99.85, 98.0), buy_spreads=(0.0015, 0.02))
    assert _stop([_resting("inside", True, 0, 99.84)], plan=tight) == ["inside"]
    # A sell at 101.5 is within tolerance of 102, but the book's best ask moved to 101.6: it would cross.
    sell = _resting("crossing", False, 1, 101.5)
    assert _stop([sell], book=core.BookTop(best_bid=101.4, best_ask=101.6)) == ["crossing"]
    assert _stop([sell], book=core.BookTop(best_bid=101.0, best_ask=101.5)) == []


def test_a_level_the_plan_no_longer_has_is_replaced():
    assert _stop([_resting("gone", True, 2, 97.0), _resting("unreadable", False, None, 101.0)]) == [
        "gone",
        "unreadable",
    ]


def test_a_side_the_plan_stops_quoting_or_a_killed_plan_pulls_even_fresh_quotes():
    buy, sell = _resting("buy", True, 0, 99.0, age=1.0), _resting("sell", False, 0, 101.0, age=1.0)
    no_sells = replace(KEEP_PLAN, quote_sell=False)
    assert _stop([buy, sell], plan=no_sells) == ["sell"]
    killed = replace(KEEP_PLAN, killed=True)
    assert _stop([sell, buy], plan=killed) == ["sell", "buy"]  # in the order given
