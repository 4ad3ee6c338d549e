"""ClosedExecutorLedger: every closed executor counted once, the same answer for any list shape, and
the backtester's shape read in O(active + newly closed)."""

import random
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.shared_base.executor_ledger import ClosedExecutorLedger, ExecutorIds

STOP_LOSS, TIME_LIMIT = "STOP_LOSS", "TIME_LIMIT"


@dataclass
class Info:
    """The ExecutorInfo attributes the ledger reads."""

    id: str
    is_active: bool
    net_pnl_quote: float
    close_type: str | None = None
    close_timestamp: float | None = None
    is_done: bool | None = None  # None: finished once it is not active (SHUTTING_DOWN: give False)

    def __post_init__(self):
        if self.is_done is None:
            self.is_done = not self.is_active


class Watched(Info):
    """An executor that counts how often it is read once `watched` is set."""

    watched = False
    reads = 0

    def __getattribute__(self, name):
        if name not in ("watched", "__class__") and object.__getattribute__(self, "watched"):
            Watched.reads += 1
        return object.__getattribute__(self, name)


def closed(n, pnl, close_type=TIME_LIMIT, at=0.0, cls=Info):
    return cls(f"c{n}", False, pnl, close_type, at)


def active(n, pnl=0.5):
    return Info(f"a{n}", True, pnl)


def test_closed_executors_are_counted_once_and_active_ones_returned_in_order():
    ledger = ClosedExecutorLedger(stop_loss=STOP_LOSS)
    stopped = [closed(1, 2.0), closed(2, -0.5)]
    assert ledger.update([active(1), active(2), *stopped]) == [active(1), active(2)]
    assert ledger.realised_pnl == pytest.approx(1.5)
    stopped.append(closed(3, 1.0))
    assert ledger.update([active(2), *stopped]) == [active(2)]
    assert ledger.realised_pnl == pytest.approx(2.5)
    assert ledger.update([active(2), *stopped]) == [active(2)]  # a second read of the same tick adds nothing
    assert ledger.realised_pnl == pytest.approx(2.5)


def test_backtester_shape_skips_the_closed_block_without_reading_it():
    ledger = ClosedExecutorLedger(stop_loss=STOP_LOSS)
    stopped = [closed(n, 1.0, cls=Watched) for n in range(50)]
    ledger.update([active(1), *stopped])
    for executor in stopped:
        executor.watched = True
    Watched.reads = 0
    stopped.append(closed(50, 3.0))
    assert ledger.update([active(1), active(2), *stopped]) == [active(1), active(2)]
    assert ledger.realised_pnl == pytest.approx(53.0)
    assert Watched.reads == 1  # only `is_active` of the first closed one, to find where the block starts


def test_a_list_of_another_shape_is_read_in_full_without_double_counting():
    ledger = ClosedExecutorLedger(stop_loss=STOP_LOSS)
    first = [closed(1, 2.0), active(1), closed(2, 1.0)]
    assert ledger.update(first) == [active(1)]
    # a live bot's report: fresh objects, another order, one more closed, one new active
    second = [replace(first[2]), active(2), closed(3, -4.0), replace(first[0]), active(1)]
    assert ledger.update(second) == [active(2), active(1)]
    assert ledger.realised_pnl == pytest.approx(-1.0)


def test_a_stopped_executor_counts_only_once_its_close_has_filled():
    """Hummingbot ends is_active when a stop starts shutting the executor down, before its market close
    fills: the PnL then lacks the close's price and fee. It is read afresh while closing, then counted
    once, final."""
    ledger = ClosedExecutorLedger(stop_loss=STOP_LOSS)
    shutting = Info("s", False, -1.0, STOP_LOSS, 100.0, is_done=False)
    assert ledger.update([active(1), shutting]) == [active(1)]
    assert (ledger.realised_pnl, ledger.closing_pnl) == (0.0, -1.0)
    assert ledger.cooling(now=101.0, cooldown=30) == []  # its cooldown starts once it is counted
    shutting = replace(shutting, net_pnl_quote=-1.3)  # the market close moved on
    ledger.update([active(1), shutting])
    assert (ledger.realised_pnl, ledger.closing_pnl) == (0.0, -1.3)
    done = replace(shutting, net_pnl_quote=-1.4, is_done=True)  # filled: the exit fee and price paid
    ledger.update([active(1), done])
    ledger.update([active(1), done])
    assert (ledger.realised_pnl, ledger.closing_pnl) == (pytest.approx(-1.4), 0.0)
    assert ledger.cooling(now=101.0, cooldown=30) == [done]


def test_stop_losses_cool_for_the_cooldown_and_a_raised_cooldown_reaches_back():
    ledger = ClosedExecutorLedger(stop_loss=STOP_LOSS)
    stop = closed(1, -1.0, STOP_LOSS, at=100.0)
    ledger.update([closed(2, 1.0, TIME_LIMIT, at=101.0), stop])
    assert ledger.cooling(now=104.0, cooldown=5) == [stop]
    assert ledger.cooling(now=105.0, cooldown=5) == []
    assert ledger.cooling(now=110.0, cooldown=20) == [stop]


def _brute_force(ticks, now, cooldown):
    """What the ledger must equal: the union of every list seen, read whole."""
    seen = {}
    for executors in ticks:
        for executor in executors:
            if executor.is_done:
                seen.setdefault(executor.id, executor)
    pnl = sum(executor.net_pnl_quote for executor in seen.values())
    pnl += sum(
        executor.net_pnl_quote for executor in ticks[-1] if not executor.is_active and not executor.is_done
    )
    cooling = {
        executor.id
        for executor in seen.values()
        if executor.close_type == STOP_LOSS and now - executor.close_timestamp < cooldown
    }
    return pnl, cooling


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    live_shape=st.booleans(),
    ticks=st.integers(1, 25),
    cooldown=st.sampled_from([0, 5, 30]),
)
def test_same_totals_as_reading_everything(seed, live_shape, ticks, cooldown):
    rng = random.Random(seed)
    ledger = ClosedExecutorLedger(stop_loss=STOP_LOSS)
    running, stopped, lists = [], [], []
    next_id = 0
    for tick in range(ticks):
        now = 10.0 * tick
        still = []
        # a closing executor (its close order working) finishes this tick or stays, its PnL moving
        stopped = [
            replace(e, net_pnl_quote=rng.uniform(-2, 2), is_done=rng.random() < 0.5) if not e.is_done else e
            for e in stopped
        ]
        for executor in running:
            if rng.random() < 0.4:
                close_type, closed_at = rng.choice([STOP_LOSS, TIME_LIMIT]), now - rng.randint(0, 9)
                done = rng.random() < 0.5  # else shutting down: a market close still to fill
                stopped.append(Info(executor.id, False, rng.uniform(-2, 2), close_type, closed_at, done))
            else:
                still.append(executor)
        running = still + [Info(f"e{next_id + k}", True, 0.1) for k in range(rng.randint(0, 3))]
        next_id += 4
        if live_shape:  # fresh objects in any order, as a live report may give them
            executors = [replace(executor) for executor in running + stopped]
            rng.shuffle(executors)
        else:  # Hummingbot's backtester: active first, then the same closed objects in closing order
            executors = running + stopped
        lists.append(executors)
        got_active = ledger.update(executors)
        pnl, cooling = _brute_force(lists, now, cooldown)
        assert [e.id for e in got_active] == [e.id for e in executors if e.is_active]
        assert ledger.realised_pnl + ledger.closing_pnl == pytest.approx(pnl)
        assert {e.id for e in ledger.cooling(now, cooldown)} == cooling


def test_executor_ids_are_unique_within_a_tick_and_repeat_from_run_to_run():
    """A market maker creates every level in one tick, under one timestamp: each gets its own id (Hummingbot's
    own ids collide there once in 1e5 pairs), and a second run issues the same ids in the same order."""
    ids = ExecutorIds("inventory_mm_eth")
    tick = [ids.next(1_700_000_000.0) for _ in range(4)] + [ids.next(1_700_000_030.0)]
    assert len(set(tick)) == len(tick)
    again = ExecutorIds("inventory_mm_eth")
    assert [again.next(1_700_000_000.0) for _ in range(4)] + [again.next(1_700_000_030.0)] == tick
    assert ExecutorIds("twap_eth").next(1_700_000_000.0) not in tick  # another controller, same bot


@given(st.lists(st.floats(min_value=0, max_value=4e9, allow_nan=False), min_size=1, max_size=200))
@settings(max_examples=50, deadline=None)
def test_no_two_ids_of_one_controller_are_equal_whatever_the_timestamps(timestamps):
    ids = ExecutorIds("c")
    issued = [ids.next(t) for t in timestamps]
    assert len(set(issued)) == len(issued)
