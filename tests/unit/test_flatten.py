"""The market maker's flatten worked by a TWAP (controllers/shared_base/flatten.py): pure rules, figures
worked by hand. The same rules inside Hummingbot's engine and its paper-trading machinery:
tests/hummingbot/test_flatten_engine.py and test_flatten_paper.py."""

from __future__ import annotations

import pytest

from controllers.shared_base import flatten
from controllers.shared_base.execution import Fill
from controllers.shared_base.flatten import HeldOrder, Kept
from controllers.shared_base.strategies.execution_algos import ExecutionState

SETTINGS = flatten.TwapSettings("binance", "ETH-USDT", duration=300, slices=3, order_type="taker")
NOTHING = Kept(0.0, 0.0)


def settled(kept, side=1, extra=NOTHING, dust=0.0):
    unwind = flatten.start_unwind(["p1"], Kept(1.0, 100.0), extra, side, SETTINGS)
    unwind.settle(kept, dust=dust)
    return unwind


def test_what_a_kept_position_holds_is_its_orders_net_with_fees_in_its_cost():
    """Long: bought 1 at 100 (fee 0.1): holds 1 that cost 100.1. Short: sold 1 at 100 (fee 0.1): holds 1
    that brought 99.9. A long whose take profit sold 0.4 at 101 (fee 0.04) before the stop holds 0.6
    that cost 100 - 40.4 + 0.14."""
    buy, sell = HeldOrder(True, 1.0, 100.0, 0.1), HeldOrder(False, 1.0, 100.0, 0.1)
    assert Kept.from_orders([buy], side=1) == Kept(1.0, pytest.approx(100.1))
    assert Kept.from_orders([sell], side=-1) == Kept(1.0, pytest.approx(99.9))
    partly = Kept.from_orders([buy, HeldOrder(False, 0.4, 40.4, 0.04)], side=1)
    assert partly.base == pytest.approx(0.6) and partly.cost_quote == pytest.approx(59.74)


def test_the_unwinds_pnl_is_the_round_trip_less_every_fee():
    """Long bought at 100 (fee 0.1), sold at 101 (fee 0.1): 0.8. Short sold at 100 (fee 0.1), bought back
    at 99 (fee 0.1): 0.8. The long's TP sold 0.4 at 101 first; the rest sold at 102, no fee: 1.46."""
    long = settled([Kept.from_orders([HeldOrder(True, 1.0, 100.0, 0.1)], 1)])
    assert long.strategy.params.side == "sell" and long.base == 1.0
    assert long.pnl([Fill(1.0, 101.0, 0.1)], mid=90.0) == pytest.approx(0.8)  # nothing left to mark
    assert long.pnl([], mid=99.0) == pytest.approx(-1.1)  # marked: 99 - 100.1
    short = settled([Kept.from_orders([HeldOrder(False, 1.0, 100.0, 0.1)], -1)], side=-1)
    assert short.strategy.params.side == "buy"
    assert short.pnl([Fill(1.0, 99.0, 0.1)], mid=500.0) == pytest.approx(0.8)
    orders = [HeldOrder(True, 1.0, 100.0, 0.1), HeldOrder(False, 0.4, 40.4, 0.04)]
    partly = settled([Kept.from_orders(orders, 1)])
    assert partly.strategy.params.target_base == pytest.approx(0.6)
    assert partly.pnl([Fill(0.6, 61.2)], mid=0.0) == pytest.approx(1.46)


def test_pending_it_sends_nothing_and_its_pnl_is_the_plans_estimate():
    unwind = flatten.start_unwind(["p1"], Kept(2.0, 200.2), Kept(0.5, 55.0), 1, SETTINGS)
    assert unwind.pending and unwind.strategy is None
    assert unwind.pnl([], mid=100.0) == pytest.approx(2.5 * 100 - 255.2)
    assert flatten.start_unwind([], Kept(0.0, 0.0), NOTHING, 1, SETTINGS) is None


def test_positions_that_closed_themselves_leave_no_twap_but_their_pnl_counts():
    """Kept, but its take profit had sold all of it (1 at 100 + 0.1, sold at 101 - 0.1): nothing to
    unwind, and its realised 0.8 is the unwind's PnL (its executor reports 0 once held)."""
    closed = Kept.from_orders([HeldOrder(True, 1.0, 100.0, 0.1), HeldOrder(False, 1.0, 101.0, 0.1)], 1)
    unwind = settled([closed])
    assert not unwind.pending and unwind.strategy is None
    assert unwind.pnl([], mid=123.0) == pytest.approx(0.8)
    assert settled([Kept(1e-7, 1e-5)], dust=1e-6).strategy is None  # less than a lot: nothing to send


def test_held_inventory_makes_up_the_rest():
    unwind = settled([Kept(2.0, 200.2)], extra=Kept(0.5, 55.0))
    assert unwind.base == pytest.approx(2.5) and unwind.strategy.params.target_base == pytest.approx(2.5)
    assert unwind.cost_quote == pytest.approx(255.2)


def test_the_unwind_sends_its_slices_then_sweeps_the_rest_at_market():
    """3 slices over 300 s, taker: a third at the start, two thirds due from 100 s; what is left after
    the window goes as one market order; then it is over."""
    strategy = settled([Kept(3.0, 300.0)]).strategy
    first = strategy.decide(ExecutionState(now=1000.0, mid=100.0))
    assert first.place.amount_base == pytest.approx(1.0) and first.place.price is None
    assert first.place.side == "sell"
    done = (Fill(1.0, 100.0),)
    assert strategy.decide(ExecutionState(now=1050.0, mid=100.0, fills=done)).place is None  # not due yet
    second = strategy.decide(ExecutionState(now=1100.0, mid=100.0, fills=done))
    assert second.place.amount_base == pytest.approx(1.0)
    sweep = strategy.decide(ExecutionState(now=1300.0, mid=100.0, fills=done * 2))
    assert sweep.place.amount_base == pytest.approx(1.0) and sweep.place.level_id == "final"
    over = strategy.decide(ExecutionState(now=1310.0, mid=100.0, fills=done * 3))
    assert over.place is None and flatten.finished(over.status["phase"], working=0)
    assert not flatten.finished(over.status["phase"], working=1)
    assert not flatten.finished("working", working=0)


def test_children_carry_the_flatten_level_not_a_quote_level():
    assert flatten.child_level("slice_0") == "flatten_slice_0"
