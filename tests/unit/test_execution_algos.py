"""The execution algorithms (twap, vwap, iceberg), pure: schedules, caps, refills, limits, the kill
switch and the execution quality they report. Expectations are computed by hand in the comments."""

import random

import pytest
from pydantic import ValidationError

from controllers.shared_base import core
from controllers.shared_base.execution import Fill
from controllers.shared_base.params import format_validation_errors
from controllers.shared_base.strategies.execution_algos import (
    Candles,
    ExecutionState,
    IcebergParams,
    IcebergStrategy,
    TwapParams,
    TwapStrategy,
    VwapParams,
    VwapStrategy,
    WorkingChild,
    expected_volume,
    to_lot,
    volume_profile,
    vwap_warmup_bars,
)

T0 = 1000.0


def twap(**overrides):
    values = {"target_base": 1.2, "duration": 600, "slices": 3, "order_type": "taker", **overrides}
    return TwapStrategy(TwapParams(**values))


def state(now, mid=100.0, fills=(), working=(), bid=None, ask=None, **extra):
    return ExecutionState(
        now=now, mid=mid, fills=tuple(fills), working=tuple(working), best_bid=bid, best_ask=ask, **extra
    )


def fill(base, price, fee=0.0):
    return Fill(amount_base=base, quote=base * price, fee_quote=fee)


# --- twap -----------------------------------------------------------------------------------------------
def test_twap_window_starts_at_the_first_tick_with_a_price_and_records_the_arrival_once():
    algo = twap()
    decision = algo.decide(state(T0 - 5, mid=None))
    assert decision.place is None and decision.status["phase"] == "waiting for data"
    assert algo.start is None
    algo.decide(state(T0, mid=100.0))
    algo.decide(state(T0 + 10, mid=105.0, fills=[fill(0.4, 100.0)]))
    assert (algo.start, algo.arrival_price) == (T0, 100.0)


def test_twap_slices_are_due_at_equal_steps_with_cumulative_targets():
    # duration 600, 3 slices: slice i starts at T0 + 200 i; cumulative targets 0.4, 0.8, 1.2.
    algo = twap()
    first = algo.decide(state(T0))
    assert first.place.amount_base == pytest.approx(0.4)
    assert (first.place.maker, first.place.price, first.place.level_id) == (False, None, "slice_0")
    assert first.status["due_base"] == pytest.approx(0.4)
    # Slice 0 filled: nothing more until slice 1 starts.
    assert algo.decide(state(T0 + 199.9, fills=[fill(0.4, 100)])).place is None
    second = algo.decide(state(T0 + 200, fills=[fill(0.4, 100)]))
    assert (second.place.amount_base, second.place.level_id) == (pytest.approx(0.4), "slice_1")
    assert second.status["due_base"] == pytest.approx(0.8)
    third = algo.decide(state(T0 + 400, fills=[fill(0.4, 100), fill(0.4, 100)]))
    assert third.place.amount_base == pytest.approx(0.4) and third.status["due_base"] == pytest.approx(1.2)


def test_twap_catches_up_a_missed_slice_and_never_exceeds_the_target():
    algo = twap()
    algo.decide(state(T0))
    # No tick during slice 1; at slice 2 the child is the whole shortfall: 1.2 - 0.4 = 0.8.
    late = algo.decide(state(T0 + 450, fills=[fill(0.4, 100)]))
    assert late.place.amount_base == pytest.approx(0.8) and late.status["behind_base"] == 0.0
    # A child that over-filled by rounding leaves nothing to send.
    done = algo.decide(state(T0 + 500, fills=[fill(0.4, 100), fill(0.8000001, 100)]))
    assert done.place is None and done.status["phase"] == "done"


def test_a_resumed_twap_keeps_the_first_runs_window_arrival_and_fills():
    # The bot restarted at T0 + 250, in slice 1 of the window the first run opened at T0 (arrival 100),
    # after slice 0 filled 0.4 at 101. Slice 1 is due 0.8: the child is 0.4, not a fresh 0.4 of slice 0.
    algo = twap()
    algo.resume(T0, 100.0)
    decision = algo.decide(state(T0 + 250, mid=110.0, fills=[fill(0.4, 101.0)]))
    assert (algo.start, algo.arrival_price, algo.end) == (T0, 100.0, T0 + 600)
    assert (decision.place.amount_base, decision.place.level_id) == (pytest.approx(0.4), "slice_1")
    # Shortfall against the first run's arrival: 0.4 x (101 - 100) paid, 0.8 x (110 - 100) run away.
    assert decision.status["kill_switch_pnl_quote"] == pytest.approx(-(0.4 * 1 + 0.8 * 10))


def test_a_resumed_order_that_was_done_or_whose_window_is_over_sends_nothing_new():
    done = twap()
    done.resume(T0, 100.0)
    decision = done.decide(state(T0 + 900, fills=[fill(0.4, 100), fill(0.4, 100), fill(0.4, 100)]))
    assert decision.place is None and decision.status["phase"] == "done"
    # Restarted after the window with 0.4 of 1.2 filled, no taker sweep: the rest stays unfilled.
    over = twap(finish_with_taker=False)
    over.resume(T0, 100.0)
    decision = over.decide(state(T0 + 900, fills=[fill(0.4, 100)]))
    assert decision.place is None and decision.status["phase"] == "window over"
    # A resume without a price known (no child said it) takes the mid then, as a fresh start would.
    blind = twap()
    blind.resume(T0, None)
    blind.decide(state(T0 + 10, mid=99.0))
    assert (blind.start, blind.arrival_price) == (T0, 99.0)


def test_twap_sends_nothing_while_a_child_works_and_cancels_a_maker_child_of_an_earlier_slice():
    algo = twap(order_type="maker")
    first = algo.decide(state(T0, bid=99.9, ask=100.1))
    assert (first.place.maker, first.place.price) == (True, 99.9)  # a buy rests at the best bid
    child = WorkingChild("c0", 0.4, 99.9, level_id="slice_0")
    same_slice = algo.decide(state(T0 + 100, working=[child], bid=99.8, ask=100.0))
    assert same_slice.place is None and same_slice.cancel == ()
    next_slice = algo.decide(state(T0 + 200, working=[child], bid=99.8, ask=100.0))
    assert next_slice.cancel == ("c0",) and next_slice.place is None
    # The cancel is under way: not asked again, and still nothing new while it may fill.
    stopping = WorkingChild("c0", 0.4, 99.9, level_id="slice_0", stopping=True)
    assert algo.decide(state(T0 + 201, working=[stopping])).cancel == ()
    # It finished with 0.1 filled: the rest rolls into slice 1's child, 0.8 - 0.1.
    rolled = algo.decide(state(T0 + 202, fills=[fill(0.1, 99.9)], bid=99.8, ask=100.0))
    assert rolled.place.amount_base == pytest.approx(0.7) and rolled.place.level_id == "slice_1"


def test_twap_working_taker_child_is_never_cancelled():
    algo = twap()
    algo.decide(state(T0))
    market = WorkingChild("m0", 0.4, None, level_id="slice_0")
    decision = algo.decide(state(T0 + 250, working=[market]))
    assert decision.cancel == () and decision.place is None


def test_twap_final_taker_sweep_on_and_off():
    fills = [fill(0.4, 100), fill(0.4, 100), fill(0.2, 100)]
    on = twap(order_type="maker")
    on.decide(state(T0, bid=99.9, ask=100.1))
    # At the end a working maker is cancelled first, and the sweep waits for it to finish.
    resting = WorkingChild("c2", 0.4, 99.9, level_id="slice_2")
    ending = on.decide(state(T0 + 600, fills=fills[:2], working=[resting]))
    assert ending.cancel == ("c2",) and ending.place is None
    sweep = on.decide(state(T0 + 601, fills=fills, bid=99.9, ask=100.1))
    assert sweep.place.amount_base == pytest.approx(0.2)
    assert (sweep.place.maker, sweep.place.price, sweep.place.level_id) == (False, None, "final")
    assert sweep.status["phase"] == "final taker sweep"

    off = twap(order_type="maker", finish_with_taker=False)
    off.decide(state(T0, bid=99.9, ask=100.1))
    left = off.decide(state(T0 + 601, fills=fills))
    assert left.place is None and left.status["phase"] == "window over"
    assert left.status["remaining_base"] == pytest.approx(0.2)
    assert left.status["completion"] == pytest.approx(1.0 / 1.2)


def test_limit_price_caps_maker_prices_and_blocks_crossing_takers():
    maker = twap(order_type="maker", limit_price=99.0)
    assert maker.decide(state(T0, bid=100.0, ask=100.2)).place.price == 99.0  # a buy never above it
    seller = twap(order_type="maker", side="sell", limit_price=101.0)
    assert seller.decide(state(T0, bid=100.0, ask=100.2)).place.price == 101.0  # a sell never below it
    assert twap(order_type="maker", side="sell").decide(state(T0, bid=100.0, ask=100.2)).place.price == 100.2

    taker = twap(limit_price=100.1)
    blocked = taker.decide(state(T0, bid=100.0, ask=100.2))  # the buy would take the ask, above 100.1
    assert blocked.place is None and blocked.status["phase"] == "limit blocks the taker child"
    assert taker.decide(state(T0 + 1, bid=99.9, ask=100.1)).place.amount_base == pytest.approx(0.4)
    end = twap(limit_price=100.1)
    end.decide(state(T0, bid=99.9, ask=100.0))
    swept = end.decide(state(T0 + 600, fills=[fill(1.0, 100)], bid=100.1, ask=100.3))
    assert swept.place is None and "limit blocks" in swept.status["phase"]


def test_min_child_base_holds_back_dust():
    algo = twap(min_child_base=0.5)
    decision = algo.decide(state(T0))
    assert decision.place is None and decision.status["phase"] == "child below min_child_base"


def test_children_are_whole_lots_and_less_than_a_lot_left_is_done():
    """What the live iceberg did on the paper market before: 0.06 - 0.02 - 0.02 as a float is a hair under
    0.02, the exchange floored that child to 0.0199999, and the 1e-7 left went out as children of
    9.99...e-8, each quantized to nothing, until the window ended. Children are whole lots now, and what
    cannot be sent (under a lot, or under the exchange's minimum) is left, said so."""
    assert to_lot(0.06 - 0.02 - 0.02, 1e-7) == pytest.approx(0.02, abs=1e-15)
    assert to_lot(0.0199999, 1e-7) == pytest.approx(0.0199999, abs=1e-15)
    assert to_lot(0.0123456789, 0.001) == pytest.approx(0.012) and to_lot(0.3, 0.0) == 0.3
    assert str(to_lot(0.05 / 4, 1e-7)) == "0.0125"  # what the exchange is sent: not 0.012499999999999999
    algo = iceberg(target_base=0.06, visible_base=0.02)
    sold = [fill(0.02, 100), fill(0.02, 100)]
    third = algo.decide(state(T0, fills=sold, bid=100.0, ask=100.2, lot_base=1e-7))
    assert third.place.amount_base == pytest.approx(0.02, abs=1e-15)  # not 0.0199999
    floored = [*sold, fill(0.0199999, 100)]  # 1e-7 (one lot, less a float hair) left
    one_lot = algo.decide(state(T0 + 1, fills=floored, bid=100.0, ask=100.2, lot_base=1e-7))
    assert one_lot.place.amount_base == pytest.approx(1e-7, abs=1e-18)  # a whole lot, not 9.99...e-8
    half_lot = [*sold, fill(0.01999995, 100)]
    assert algo.decide(state(T0 + 2, fills=half_lot, lot_base=1e-7)).status["phase"] == "done"
    below = algo.decide(state(T0 + 3, fills=floored, lot_base=1e-7, min_order_base=1e-4))
    assert below.place is None and below.status["phase"].startswith("done: the rest is below")
    assert below.status["completion"] < 1


def test_a_child_below_the_exchanges_minimum_is_held_back():
    decision = twap().decide(state(T0, min_order_base=0.5))  # a 0.4 slice
    assert decision.place is None and decision.status["phase"] == "child below the exchange's minimum"


def simulate(algo, ticks, seed, visible=None):
    """A random market: children fill fully, partly or not at all; a cancelled child finishes with what
    it filled. Checks after every decision that the executed plus working plus new never exceeds the
    target and (iceberg) that what rests never exceeds visible_base."""
    rng = random.Random(seed)
    target = algo.params.target_base
    fills, working, mid, count = [], [], 100.0, 0
    for tick in range(ticks):
        now = T0 + tick * rng.choice((1, 5, 30, 90))
        mid *= 1 + rng.uniform(-0.01, 0.01)
        decision = algo.decide(state(now, mid, fills, working, bid=mid - 0.05, ask=mid + 0.05))
        placed = [decision.place] if decision.place else []
        committed = sum(f.amount_base for f in fills) + sum(c.amount_base for c in working)
        assert committed + sum(p.amount_base for p in placed) <= target + 1e-9
        if visible is not None:
            resting = [c for c in working if c.id not in decision.cancel] + [p for p in placed if p.maker]
            assert sum(c.amount_base for c in resting) <= visible + 1e-12
        survivors = []
        for child in working:
            share = rng.choice((0.0, 0.3, 1.0))
            if child.id in decision.cancel or share == 1.0 or child.price is None:
                executed = child.amount_base if child.price is None else child.amount_base * share
                if executed > 0:
                    fills.append(fill(executed, mid))
            else:
                survivors.append(child)
        working = survivors
        for order in placed:
            count += 1
            working.append(WorkingChild(f"c{count}", order.amount_base, order.price, level_id=order.level_id))
    return fills


@pytest.mark.parametrize("seed", range(20))
def test_twap_never_over_executes_over_random_sequences(seed):
    algo = twap(order_type="maker" if seed % 2 else "taker", duration=900, slices=7)
    fills = simulate(algo, 200, seed)
    assert sum(f.amount_base for f in fills) <= 1.2 + 1e-9


# --- vwap -----------------------------------------------------------------------------------------------
DAY = 86_400


def day_of_candles(volume_of_bucket, days=1, bar=300):
    timestamps = [d * DAY + i * bar for d in range(days) for i in range(DAY // bar)]
    volumes = [volume_of_bucket(int(ts % DAY) // bar) for ts in timestamps]
    closes = [100.0] * len(timestamps)
    return Candles(timestamps, closes, closes, closes, volumes)


def test_volume_profile_averages_each_time_of_day_bucket_and_integrates_partial_bars():
    # Bucket 0 traded 2 then 4 on two days: mean 3. Bucket 1 traded 1 once.
    profile = volume_profile([0, DAY, 300], [2.0, 4.0, 1.0], 300)
    assert profile == {0: 3.0, 1: 1.0}
    # Half of bucket 0 and half of bucket 1: 1.5 + 0.5; a bucket never seen counts as the mean, 2.
    assert expected_volume(profile, 300, 150, 450) == pytest.approx(2.0)
    assert expected_volume(profile, 300, 600, 900) == pytest.approx(2.0)


def test_vwap_weights_follow_the_volume_profile_and_the_cap_leaves_it_behind():
    # Buckets 0 and 1 (00:00-00:10 UTC) trade 3 per bar, the rest 1. A 20-minute window from midnight in
    # 2 slices: slice 0 expects 3 + 3 = 6, slice 1 expects 1 + 1 = 2, so weights 0.75 / 0.25. With cap
    # 0.1, slice 0's child is at most 0.6 and slice 1's at most 0.2.
    candles = day_of_candles(lambda bucket: 3.0 if bucket < 2 else 1.0)
    algo = VwapStrategy(
        VwapParams(target_base=1.0, duration=1200, slices=2, order_type="taker", participation_cap=0.1)
    )
    start = 2 * DAY
    first = algo.decide(state(start, candles=candles))
    assert algo.slice_weights() == pytest.approx([0.75, 0.25])
    assert first.status["due_base"] == pytest.approx(0.75)
    assert first.status["cap_base"] == pytest.approx(0.6)
    assert first.place.amount_base == pytest.approx(0.6)
    assert first.status["behind_base"] == pytest.approx(0.15)
    second = algo.decide(state(start + 600, fills=[fill(0.6, 100)], candles=candles))
    assert second.status["due_base"] == pytest.approx(1.0)
    assert second.place.amount_base == pytest.approx(0.2)  # capped: 0.4 due, 0.2 allowed
    assert second.status["behind_base"] == pytest.approx(0.2)
    # Only the end-of-window sweep may break the cap.
    sweep = algo.decide(state(start + 1200, fills=[fill(0.6, 100), fill(0.2, 100)], candles=candles))
    assert sweep.place.amount_base == pytest.approx(0.2) and sweep.place.level_id == "final"


def test_vwap_waits_for_a_full_profile_with_volume():
    params = VwapParams()
    assert vwap_warmup_bars(params) == 288  # one day of 5-minute buckets
    algo = VwapStrategy(params)
    short = day_of_candles(lambda bucket: 1.0)
    short = Candles(
        *(
            list(column)[:100]
            for column in (short.timestamps, short.highs, short.lows, short.closes, short.volumes)
        )
    )
    assert algo.decide(state(2 * DAY, candles=short)).status["phase"] == "waiting for data"
    assert algo.decide(state(2 * DAY, candles=day_of_candles(lambda bucket: 0.0))).place is None
    assert algo.start is None
    assert algo.decide(state(2 * DAY, candles=day_of_candles(lambda bucket: 1.0))).place is not None


# --- iceberg --------------------------------------------------------------------------------------------
def iceberg(**overrides):
    values = {"target_base": 1.0, "visible_base": 0.3, "reprice_band": 0.01, **overrides}
    return IcebergStrategy(IcebergParams(**values))


def test_iceberg_refills_and_reprices_beyond_the_band():
    algo = iceberg()
    first = algo.decide(state(T0, bid=100.0, ask=100.2))
    assert (first.place.amount_base, first.place.price, first.place.maker) == (0.3, 100.0, True)
    child = WorkingChild("c1", 0.3, 100.0, level_id="iceberg")
    # The touch moved 0.5% (< 1%): the child stays.
    assert algo.decide(state(T0 + 1, working=[child], bid=100.5, ask=100.7)).cancel == ()
    moved = algo.decide(state(T0 + 2, working=[child], bid=102.0, ask=102.2))
    assert moved.cancel == ("c1",) and moved.place is None
    # It finished unfilled: re-placed at the new touch.
    replaced = algo.decide(state(T0 + 3, bid=102.0, ask=102.2))
    assert (replaced.place.amount_base, replaced.place.price) == (0.3, 102.0)
    # Refills after fills, the last one only what is left: 1.0 - 0.9.
    last = algo.decide(state(T0 + 4, fills=[fill(0.3, 102)] * 3, bid=102.0, ask=102.2))
    assert last.place.amount_base == pytest.approx(0.1)
    assert algo.decide(state(T0 + 5, fills=[fill(0.3, 102)] * 3 + [fill(0.1, 102)])).status["phase"] == "done"


def test_iceberg_never_prices_beyond_its_limit():
    algo = iceberg(limit_price=101.0)
    assert algo.decide(state(T0, bid=102.0, ask=102.2)).place.price == 101.0
    child = WorkingChild("c1", 0.3, 101.0)
    # The market runs away: the child already sits at the limit, where the algorithm would put it.
    assert algo.decide(state(T0 + 1, working=[child], bid=110.0, ask=110.2)).cancel == ()
    seller = iceberg(side="sell", limit_price=99.0)
    assert seller.decide(state(T0, bid=97.0, ask=97.2)).place.price == 99.0


@pytest.mark.parametrize("seed", range(30))
def test_iceberg_resting_amount_never_exceeds_visible_over_random_sequences(seed):
    algo = iceberg(reprice_band=0.002, duration=10_000)
    fills = simulate(algo, 300, seed, visible=0.3)
    assert sum(f.amount_base for f in fills) <= 1.0 + 1e-9


# --- kill switch and execution quality ------------------------------------------------------------------
def test_kill_switch_stops_children_and_cancels_the_working_maker():
    algo = twap(order_type="maker")
    algo.decide(state(T0, bid=99.9, ask=100.1))
    child = WorkingChild("c0", 0.4, 99.9, level_id="slice_0")
    killed = algo.decide(state(T0 + 300, working=[child], killed=True))
    assert killed.cancel == ("c0",) and killed.place is None
    assert killed.status["phase"] == "killed" and killed.status["killed"] is True
    assert algo.decide(state(T0 + 301, killed=True)).place is None
    assert algo.decide(state(T0 + 700, killed=True)).place is None  # not even the final sweep


def test_children_failing_in_a_row_halt_the_algorithm():
    algo = iceberg()
    algo.decide(state(T0, bid=100.0, ask=100.2))
    assert algo.decide(state(T0 + 1, bid=100.0, failed_in_a_row=2)).place.amount_base == 0.3
    child = WorkingChild("c1", 0.3, 100.0)
    halted = algo.decide(state(T0 + 2, working=[child], bid=100.0, failed_in_a_row=3))
    assert halted.place is None and halted.cancel == ("c1",)
    assert halted.status["phase"] == "halted: 3 children in a row failed"
    assert algo.decide(state(T0 + 3, bid=100.0, failed_in_a_row=3)).place is None


def test_kill_switch_measure_is_the_marked_implementation_shortfall():
    algo = twap(target_base=1.0)
    assert algo.kill_switch_pnl([], 100.0) == 0.0  # before the window starts
    algo.decide(state(T0, mid=100.0))
    # Bought 0.5 at 101 (cost 0.5) + fee 0.05; the 0.5 still to buy now costs 2 more each: -1.55.
    assert algo.kill_switch_pnl([fill(0.5, 101.0, 0.05)], 102.0) == pytest.approx(-1.55)
    seller = twap(target_base=1.0, side="sell")
    seller.decide(state(T0, mid=100.0))
    # Sold 0.5 at 99 (cost 0.5); the rest gained 1 each as the price rose to 101: +0.5 - 0.5 = 0.
    assert seller.kill_switch_pnl([fill(0.5, 99.0)], 101.0) == pytest.approx(0.0)
    # Against a capital of 10 and a 10% limit, -1.55 trips the shared latching switch.
    risk = core.update_kill_switch(core.RiskState(), -1.55, 10.0, 0.1)
    assert risk.killed and "drawdown" in risk.reason


def test_status_reports_execution_quality_against_arrival_and_the_window_vwap():
    bar = 60
    # Bars of the window: typical prices (102 + 98 + 100)/3 = 100 and (104 + 100 + 102)/3 = 102, volumes
    # 1 and 3: VWAP 101.5. The bar before the window is left out.
    candles = Candles(
        [T0 - 2 * bar, T0, T0 + bar],
        [200.0, 102.0, 104.0],
        [200.0, 98.0, 100.0],
        [200.0, 100.0, 102.0],
        [9.0, 1.0, 3.0],
    )
    algo = twap(target_base=1.0)
    algo.decide(state(T0, mid=100.0, candles=candles))
    status = algo.decide(
        state(T0 + 2 * bar, mid=101.0, fills=[fill(0.5, 101.0, 0.05)], candles=candles)
    ).status
    assert status["arrival_price"] == 100.0 and status["average_price"] == pytest.approx(101.0)
    assert status["shortfall_bps"] == pytest.approx(100.0)  # paid 1% above arrival
    assert status["fees_bps"] == pytest.approx(0.05 / 50.5 * 1e4)
    assert status["vwap"] == pytest.approx(101.5)
    assert status["vwap_slippage_bps"] == pytest.approx((101.0 - 101.5) / 101.5 * 1e4)
    assert status["completion"] == pytest.approx(0.5) and status["remaining_base"] == pytest.approx(0.5)
    assert status["kill_switch_pnl_quote"] == pytest.approx(-(0.5 + 0.05 + 0.5))


# --- params ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [TwapParams, VwapParams, IcebergParams])
def test_defaults_validate_as_generic_controllers(model):
    params = model()
    assert params.controller_type == "generic" and params.trading_pairs == ["ETH-USDT"]


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (TwapParams, {"target_base": 0}, "target_base"),
        (TwapParams, {"duration": 0}, "duration"),
        (TwapParams, {"slices": 0}, "slices"),
        (TwapParams, {"limit_price": 0}, "limit_price"),
        (TwapParams, {"side": "hold"}, "side"),
        (TwapParams, {"order_type": "limit"}, "order_type"),
        (TwapParams, {"trading_pair": "ethusdt"}, "trading_pair"),
        (TwapParams, {"interval": "7m"}, "interval"),
        (VwapParams, {"participation_cap": 0}, "participation_cap"),
        (VwapParams, {"participation_cap": 1.5}, "participation_cap"),
        (IcebergParams, {"visible_base": 0}, "visible_base"),
        (IcebergParams, {"target_base": 1.0, "visible_base": 2.0}, "visible_base"),
        (IcebergParams, {"reprice_band": 0}, "reprice_band"),
    ],
)
def test_invalid_params_name_the_field(model, values, field):
    with pytest.raises(ValidationError) as error:
        model(**values)
    lines = format_validation_errors(error.value)
    assert len(lines) == 1 and lines[0].startswith(f"{field}:"), lines
