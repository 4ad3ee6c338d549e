"""The market maker's flatten worked by a TWAP (controllers/shared_base/flatten.py): pure rules, figures
worked by hand. The same rules inside Hummingbot's engine: tests/hummingbot/test_flatten_engine.py."""

from __future__ import annotations

import pytest

from controllers.shared_base import flatten
from controllers.shared_base.execution import Fill
from controllers.shared_base.strategies.execution_algos import ExecutionState


def unwind(kept, held_base=0.0, held_price=0.0, side=1, **overrides):
    options = {
        "now": 1000.0,
        "connector": "binance",
        "trading_pair": "ETH-USDT",
        "duration": 300,
        "slices": 3,
        "order_type": "taker",
        **overrides,
    }
    return flatten.start_unwind(kept, held_base, held_price, side, **options)


def test_a_long_unwinds_by_selling_and_its_pnl_is_the_round_trip_less_both_fees():
    """Bought 1 at 100 with a 0.1 fee; sold at 101 with a 0.1 fee: 101 - 100 - 0.2 = 0.8."""
    u = unwind([flatten.Kept(1.0, 100.0, 0.1)])
    assert u.strategy.params.side == "sell" and u.base == 1.0 and u.cost_quote == pytest.approx(100.1)
    assert u.pnl([Fill(1.0, 101.0, 0.1)], mid=90.0) == pytest.approx(0.8)  # nothing left to mark
    assert u.pnl([], mid=99.0) == pytest.approx(-1.1)  # marked: 99 - 100.1


def test_a_short_unwinds_by_buying_back_and_its_pnl_is_the_round_trip_less_both_fees():
    """Sold 1 at 100 with a 0.1 fee; bought back at 99 with a 0.1 fee: 100 - 99 - 0.2 = 0.8."""
    u = unwind([flatten.Kept(1.0, 100.0, 0.1)], side=-1)
    assert u.strategy.params.side == "buy" and u.cost_quote == pytest.approx(99.9)
    assert u.pnl([Fill(1.0, 99.0, 0.1)], mid=500.0) == pytest.approx(0.8)
    assert u.pnl([Fill(0.5, 49.5, 0.05)], mid=98.0) == pytest.approx(100 - 0.1 - 49.5 - 0.05 - 0.5 * 98)


def test_held_inventory_makes_up_the_rest_at_its_price_and_nothing_to_unwind_is_none():
    u = unwind([flatten.Kept(2.0, 200.0, 0.2)], held_base=0.5, held_price=110.0)
    assert u.base == pytest.approx(2.5) and u.strategy.params.target_base == pytest.approx(2.5)
    assert u.cost_quote == pytest.approx(200.2 + 55.0)
    assert unwind([], held_base=0.0, held_price=100.0) is None


def test_the_unwind_sends_its_slices_then_sweeps_the_rest_at_market():
    """3 slices over 300 s, taker: a third at the start, two thirds due from 100 s; what is left after
    the window goes as one market order; then it is over."""
    u = unwind([flatten.Kept(3.0, 300.0)])
    first = u.strategy.decide(ExecutionState(now=1000.0, mid=100.0))
    assert first.place.amount_base == pytest.approx(1.0) and first.place.price is None
    assert first.place.side == "sell"
    done = (Fill(1.0, 100.0),)
    assert u.strategy.decide(ExecutionState(now=1050.0, mid=100.0, fills=done)).place is None  # not due yet
    second = u.strategy.decide(ExecutionState(now=1100.0, mid=100.0, fills=done))
    assert second.place.amount_base == pytest.approx(1.0)
    sweep = u.strategy.decide(ExecutionState(now=1300.0, mid=100.0, fills=done * 2))
    assert sweep.place.amount_base == pytest.approx(1.0) and sweep.place.level_id == "final"
    over = u.strategy.decide(ExecutionState(now=1310.0, mid=100.0, fills=done * 3))
    assert over.place is None and flatten.finished(over.status["phase"], working=0)
    assert not flatten.finished(over.status["phase"], working=1)
    assert not flatten.finished("working", working=0)


def test_children_carry_the_flatten_level_not_a_quote_level():
    assert flatten.child_level("slice_0") == "flatten_slice_0"
