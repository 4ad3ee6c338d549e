"""Execution algorithms (#16): work one parent order (buy or sell `target_base` of one pair) in child
orders over a window, and report its execution quality. Pure: no Hummingbot, no pandas.

The window starts at the first tick with a mid price (and, for vwap, a volume profile); the mid then
is the arrival price, recorded once. After a restart of the bot, the window and arrival are the first
run's and its children's fills count (`resume`): a parent order is worked once, never again from zero.
Each tick the adapter hands the strategy an `ExecutionState`
(time, mid, book top, the fills of its finished child orders, its working children, candles) and maps
the `ExecutionDecision` it gets back (a child to place, children to cancel) to OrderExecutors.

Rules every algorithm keeps (`ExecutionStrategy.decide`):

* **One child at a time.** A child is placed only when none is working. Hummingbot's OrderExecutor
  shows its fills only once finished, so the strategy never places while a child might still fill:
  a child is at most `target_base - filled`, hence the executed total never exceeds the target.
* **Limit price.** A maker child is priced at the touch (best bid for a buy, best ask for a sell; the
  mid without a book) and never beyond `limit_price` (a buy at most it, a sell at least it); a taker
  child goes out only if the touch it takes (best ask for a buy, best bid for a sell) is within it.
* **Failing children halt it.** After `MAX_FAILED_CHILDREN` children in a row ended unfilled
  without a cancel of ours (refused for balance, out of retries), nothing more is sent.
* **End of the window.** Working makers are cancelled; once none works, the remainder goes out as one
  taker child if `finish_with_taker`, else it stays unfilled and is reported (`remaining_base`).
* **Kill switch.** When the adapter says killed, no child is placed and working ones are cancelled.
  The measure it latches on (`kill_switch_pnl`) is minus the implementation shortfall in quote,
  marked at the current mid: the executed part's cost against arrival plus fees, and the unexecuted
  part's move against arrival (`side * (mid - arrival) * remaining`): the price running away from
  the order costs as much as paying it.

The algorithms only decide the next child:

* `twap`: `slices` equal slices; slice i starts at start + i * duration / slices and the cumulative
  target by then is target * (i + 1) / slices; a child is the shortfall against it (a missed slice is
  caught up). A maker child of an earlier slice still working when a slice starts is cancelled; its
  unfilled rest rolls into the next child.
* `vwap`: twap's rules with slice weights from the volume profile: the mean candle volume per
  time-of-day bucket (bucket = candle interval, UTC) over the candles given; a slice's weight is the
  profile's expected volume over the slice, normalised over the window. Each child is capped at
  `participation_cap` times that expected volume of its slice; the schedule left behind by the cap is
  reported (`behind_base`), and only the end-of-window taker sweep may exceed the cap.
* `iceberg`: one resting LIMIT_MAKER child of at most `visible_base`, refilled when it is done; a
  child more than `reprice_band` (a fraction) away from where the algorithm would now place it is
  cancelled and placed again at the new price.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from controllers.shared_base.execution import BUY, SELL, Fill, execution_quality, interval_vwap
from controllers.shared_base.indicators import interval_seconds
from controllers.shared_base.params import (
    GenericParams,
    at_most,
    check_interval,
    fixed_field,
    updatable_field,
)
from controllers.shared_base.strategies.base import Strategy

DAY = 86_400
# Below this fraction of the target, what is left counts as done (float rounding of the fills).
DONE_TOLERANCE = 1e-9
LOT_SLACK = 1e-6  # of a lot: a float amount this close under a whole number of lots is that number


def to_lot(amount: float, lot: float) -> float:
    """`amount` rounded down to whole lots (as the exchange would), but a float a hair under a whole
    number of lots (0.06 - 0.02 - 0.02 = 0.019999999999999997) is that number, not one lot less."""
    if lot <= 0:
        return amount
    # Multiplied as decimals: 125000 * 1e-7 in floats is 0.012499999999999999, which the exchange floors
    # to 0.0124999, one lot short.
    return float(math.floor(amount / lot + LOT_SLACK) * Decimal(str(lot)))


# Children in a row that ended unfilled without our cancel (refused for balance, failed retries): the
# algorithm halts instead of re-sending the same refused order every tick.
MAX_FAILED_CHILDREN = 3


class ExecutionParams(GenericParams):
    """What every execution algorithm shares: the parent order, its window and its limit."""

    controller_name: str
    trading_pair: str = fixed_field(
        "ETH-USDT", "Trading pair (BASE-QUOTE): ", pattern=r"^[A-Z0-9]+-[A-Z0-9]+$"
    )
    side: Literal["buy", "sell"] = fixed_field("buy", "Side (buy/sell): ")
    target_base: float = updatable_field(0.1, "Amount to execute (base): ", gt=0)
    duration: int = fixed_field(3600, "Window (s, from the first tick): ", gt=0)
    limit_price: float | None = updatable_field(None, "Limit price (empty = none): ", gt=0)
    finish_with_taker: bool = updatable_field(True, "Send what is left at market when the window ends: ")
    min_child_base: float = updatable_field(0.0, "Smallest child order (base; 0 = any): ", ge=0)
    candles_connector: str | None = fixed_field(None, "Candles connector (empty = same): ")
    candles_trading_pair: str | None = fixed_field(None, "Candles pair (empty = same): ")
    interval: str = fixed_field("1m", "Candle interval (e.g. 1m, 5m): ")

    _known_interval = field_validator("interval")(check_interval)

    @property
    def trading_pairs(self) -> list[str]:
        return [self.trading_pair]

    @property
    def bar_seconds(self) -> int:
        return interval_seconds(self.interval)

    @property
    def side_sign(self) -> int:
        return BUY if self.side == "buy" else SELL


class ScheduleParams(ExecutionParams):
    """twap and vwap: a schedule of slices, each child a maker or a taker order."""

    slices: int = fixed_field(12, "Slices over the window: ", ge=1)
    order_type: Literal["maker", "taker"] = updatable_field("maker", "Child orders (maker/taker): ")


class TwapParams(ScheduleParams):
    controller_name: str = "twap"


class VwapParams(ScheduleParams):
    controller_name: str = "vwap"
    interval: str = fixed_field("5m", "Candle interval (profile bucket): ")
    profile_days: int = fixed_field(1, "Days of volume profile: ", ge=1, le=30)
    participation_cap: float = updatable_field(
        0.1, "Max child as fraction of its slice's expected volume: ", gt=0, le=1
    )


class IcebergParams(ExecutionParams):
    controller_name: str = "iceberg"
    visible_base: float = updatable_field(0.01, "Visible amount (base): ", gt=0)
    reprice_band: float = updatable_field(0.002, "Re-place beyond this fraction: ", gt=0, lt=1)

    _visible_within_target = field_validator("visible_base")(at_most("target_base"))


def vwap_warmup_bars(params: VwapParams) -> int:
    """Bars of a `profile_days` volume profile: every time-of-day bucket seen that many times."""
    return params.profile_days * math.ceil(DAY / params.bar_seconds)


# --- state and decision --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candles:
    """Candles with volume, parallel sequences, oldest first; a bar's timestamp is its open."""

    timestamps: Sequence[float] = ()
    highs: Sequence[float] = ()
    lows: Sequence[float] = ()
    closes: Sequence[float] = ()
    volumes: Sequence[float] = ()

    def __len__(self) -> int:
        return len(self.timestamps)


@dataclass(frozen=True)
class WorkingChild:
    """A child order still working (an active executor): its fills are not known yet."""

    id: str
    amount_base: float
    price: float | None  # None: a market order
    age: float = 0.0
    level_id: str = ""
    stopping: bool = False  # a cancel is already under way


@dataclass(frozen=True)
class ExecutionState:
    now: float
    mid: float | None
    fills: tuple[Fill, ...] = ()  # of the finished children
    working: tuple[WorkingChild, ...] = ()
    best_bid: float | None = None
    best_ask: float | None = None
    candles: Candles = Candles()
    killed: bool = False
    failed_in_a_row: int = 0  # the latest finished children that ended unfilled without our cancel
    lot_base: float = 0.0  # the exchange's amount increment (0: any amount)
    min_order_base: float = 0.0  # the exchange's smallest order (0: none)


@dataclass(frozen=True)
class ChildOrder:
    side: Literal["buy", "sell"]
    amount_base: float
    price: float | None  # maker: the limit price; taker: None
    maker: bool
    level_id: str


@dataclass(frozen=True)
class ExecutionDecision:
    place: ChildOrder | None = None
    cancel: tuple[str, ...] = ()
    status: dict[str, Any] | None = None


# --- volume profile ------------------------------------------------------------------------------------
def volume_profile(
    timestamps: Sequence[float], volumes: Sequence[float], bar_seconds: int
) -> dict[int, float]:
    """Mean volume per time-of-day bucket (bucket = floor(seconds of the UTC day / bar_seconds))."""
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for ts, volume in zip(timestamps, volumes, strict=True):
        bucket = int(ts % DAY) // bar_seconds
        sums[bucket] = sums.get(bucket, 0.0) + float(volume)
        counts[bucket] = counts.get(bucket, 0) + 1
    return {bucket: sums[bucket] / counts[bucket] for bucket in sums}


def expected_volume(profile: dict[int, float], bar_seconds: int, t0: float, t1: float) -> float:
    """Volume the profile expects between t0 and t1 (a bucket's volume spread evenly over its bar); a
    bucket the profile never saw counts as the profile's mean."""
    if not profile or t1 <= t0:
        return 0.0
    fallback = sum(profile.values()) / len(profile)
    total, t = 0.0, t0
    while t < t1:
        bar_start = math.floor(t / bar_seconds) * bar_seconds
        end = min(bar_start + bar_seconds, t1)
        bucket = int(bar_start % DAY) // bar_seconds
        total += profile.get(bucket, fallback) * (end - t) / bar_seconds
        t = end
    return total


# --- the shared rules ----------------------------------------------------------------------------------
class ExecutionStrategy(Strategy):
    """The execution kind: one parent order, one child at a time (see the module docstring). Subclasses
    decide the next child in `work`; `ready` says when the window may start."""

    params_model: ClassVar[type[ExecutionParams]] = ExecutionParams
    params: ExecutionParams
    uses_candles: ClassVar[bool] = True

    def __init__(self, params: ExecutionParams):
        super().__init__(params)
        self.start: float | None = None
        self.arrival_price: float | None = None
        self.resumed_from: tuple[float, float | None] | None = None  # see resume()

    def resume(self, start: float, arrival_price: float | None) -> None:
        """Go on with a parent order an earlier run of the bot began: its window opened at `start`, at
        `arrival_price` (the adapter reads both from the children it stored; their fills come in the
        state's fills as usual). Taken at the first tick the algorithm is ready, instead of now and mid:
        the schedule, the window's end and the shortfall stay the first run's."""
        self.resumed_from = (start, arrival_price)

    # --- inputs a subclass may need ---
    def ready(self, state: ExecutionState) -> bool:
        return True

    @property
    def end(self) -> float | None:
        return None if self.start is None else self.start + self.params.duration

    def candle_bars(self) -> int:
        """Candles the controller keeps: the warm-up, and enough to cover the window (interval VWAP)."""
        return max(self.warmup_bars, math.ceil(self.params.duration / self.params.bar_seconds) + 1)

    # --- prices ---
    def maker_price(self, state: ExecutionState) -> float:
        """The touch on our side (mid without a book), never beyond the limit."""
        buy = self.params.side == "buy"
        touch = (state.best_bid if buy else state.best_ask) or state.mid
        limit = self.params.limit_price
        if limit is None:
            return touch
        return min(touch, limit) if buy else max(touch, limit)

    def taker_allowed(self, state: ExecutionState) -> bool:
        """A market child takes the far touch; it is sent only within the limit."""
        limit = self.params.limit_price
        if limit is None:
            return True
        buy = self.params.side == "buy"
        far = (state.best_ask if buy else state.best_bid) or state.mid
        if far is None:
            return False
        return far <= limit if buy else far >= limit

    # --- figures ---
    def filled(self, fills: Sequence[Fill]) -> float:
        return sum(f.amount_base for f in fills)

    def kill_switch_pnl(self, fills: Sequence[Fill], mid: float | None) -> float:
        """Minus the implementation shortfall in quote, marked at `mid` (0 before the window starts)."""
        arrival = self.arrival_price
        if arrival is None or mid is None or mid <= 0:
            return 0.0
        side = self.params.side_sign
        base = self.filled(fills)
        executed = side * (sum(f.quote for f in fills) - arrival * base) + sum(f.fee_quote for f in fills)
        unexecuted = side * (mid - arrival) * max(self.params.target_base - base, 0.0)
        return -(executed + unexecuted)

    def window_vwap(self, state: ExecutionState) -> float | None:
        """The market's VWAP over the bars overlapping the window so far (None without candles)."""
        candles = state.candles
        if self.start is None or not len(candles):
            return None
        bar = self.params.bar_seconds
        keep = [i for i, ts in enumerate(candles.timestamps) if ts + bar > self.start and ts <= state.now]
        if not keep:
            return None
        return interval_vwap(
            [candles.highs[i] for i in keep],
            [candles.lows[i] for i in keep],
            [candles.closes[i] for i in keep],
            [candles.volumes[i] for i in keep],
        )

    # --- the tick ---
    def decide(self, state: ExecutionState) -> ExecutionDecision:
        params = self.params
        if self.start is None:
            if state.mid is None or state.mid <= 0 or not self.ready(state):
                phase = "killed" if state.killed else "waiting for data"
                return ExecutionDecision(status={"phase": phase, "killed": state.killed})
            self.start, self.arrival_price = self.resumed_from or (state.now, state.mid)
            if self.arrival_price is None:  # resumed, but no child said where the market was
                self.arrival_price = state.mid
        filled = self.filled(state.fills)
        remaining = max(params.target_base - filled, 0.0)
        # Less than one lot left cannot be traded: it is done (a child rounded down to the lot leaves such
        # a rest, and a float sum of slices may fall a hair short of the target).
        done_below = max(DONE_TOLERANCE * params.target_base, state.lot_base * (1 - LOT_SLACK))
        cancellable = tuple(c.id for c in state.working if c.price is not None and not c.stopping)
        place: ChildOrder | None = None
        cancel: tuple[str, ...] = ()
        figures: dict[str, Any] = {}
        if state.killed:
            phase, cancel = "killed", cancellable
        elif state.failed_in_a_row >= MAX_FAILED_CHILDREN:
            phase, cancel = f"halted: {state.failed_in_a_row} children in a row failed", cancellable
        elif remaining <= done_below:
            phase, cancel = "done", cancellable
        elif remaining < state.min_order_base * (1 - LOT_SLACK):
            phase, cancel = "done: the rest is below the exchange's minimum order", cancellable
        elif state.now >= self.end:
            if state.working:
                phase, cancel = "window over: cancelling", cancellable
            elif not params.finish_with_taker:
                phase = "window over"
            elif not self.taker_allowed(state):
                phase = "window over: limit blocks the taker sweep"
            else:
                phase = "final taker sweep"
                place = self.child(to_lot(remaining, state.lot_base), None, "final")
        elif state.mid is None or state.mid <= 0:
            phase = "no price"
        else:
            phase = "working"
            place, cancel, figures = self.work(state, filled, remaining)
            if place is not None:
                place = replace(place, amount_base=to_lot(place.amount_base, state.lot_base))
            smallest = max(params.min_child_base, state.min_order_base, DONE_TOLERANCE)
            if place is not None and place.amount_base < smallest:
                binding = "min_child_base" if smallest == params.min_child_base else "the exchange's minimum"
                phase, place = f"child below {binding}", None
            if place is not None and not place.maker and not self.taker_allowed(state):
                phase, place = "limit blocks the taker child", None
        if state.working:
            place = None  # one child at a time: the working one's fills are not known yet
        return ExecutionDecision(place, cancel, self.status(state, phase, filled, place, figures))

    def child(self, amount: float, price: float | None, level_id: str) -> ChildOrder:
        return ChildOrder(self.params.side, amount, price, price is not None, level_id)

    def work(
        self, state: ExecutionState, filled: float, remaining: float
    ) -> tuple[ChildOrder | None, tuple[str, ...], dict[str, Any]]:
        """Inside the window, kill switch off, not done: the child to place (only used when none is
        working), the children to cancel, and figures for the status."""
        raise NotImplementedError

    def status(
        self,
        state: ExecutionState,
        phase: str,
        filled: float,
        place: ChildOrder | None,
        figures: dict[str, Any],
    ) -> dict[str, Any]:
        quality = execution_quality(
            self.params.side_sign,
            self.params.target_base,
            self.arrival_price,
            state.fills,
            self.window_vwap(state),
        ).as_dict()
        del quality["side"]
        return {
            "phase": phase,
            "side": self.params.side,
            "killed": state.killed,
            "start": self.start,
            "elapsed": state.now - self.start,
            "working_base": sum(c.amount_base for c in state.working),
            "child_base": place.amount_base if place else 0.0,
            "kill_switch_pnl_quote": self.kill_switch_pnl(state.fills, state.mid),
            **quality,
            **figures,
        }


class ScheduleStrategy(ExecutionStrategy):
    """twap and vwap: the cumulative target by slice (`cumulative_fraction`), a child per shortfall."""

    params: ScheduleParams

    def slice_index(self, now: float) -> int:
        length = self.params.duration / self.params.slices
        return min(int((now - self.start) // length), self.params.slices - 1)

    def slice_bounds(self, index: int) -> tuple[float, float]:
        length = self.params.duration / self.params.slices
        return self.start + index * length, self.start + (index + 1) * length

    def cumulative_fraction(self, index: int) -> float:
        """Fraction of the target due once slice `index` has started."""
        raise NotImplementedError

    def slice_cap(self, state: ExecutionState, index: int) -> float | None:
        """Largest child in slice `index` (None: no cap)."""
        return None

    def work(self, state, filled, remaining):
        index = self.slice_index(state.now)
        level_id = f"slice_{index}"
        due = self.params.target_base * self.cumulative_fraction(index)
        cancel = tuple(
            c.id for c in state.working if c.price is not None and not c.stopping and c.level_id != level_id
        )
        amount = min(max(due - filled, 0.0), remaining)
        cap = self.slice_cap(state, index)
        if cap is not None:
            amount = min(amount, cap)
        working = sum(c.amount_base for c in state.working)
        child = None
        if amount > 0 and not state.working:
            maker = self.params.order_type == "maker"
            child = self.child(amount, self.maker_price(state) if maker else None, level_id)
        sent = child.amount_base if child else working
        figures = {
            "slice": index,
            "due_base": due,
            "behind_base": max(due - filled - sent, 0.0),
            "cap_base": cap,
        }
        return child, cancel, figures


class TwapStrategy(ScheduleStrategy):
    params_model = TwapParams
    params: TwapParams

    def cumulative_fraction(self, index: int) -> float:
        return (index + 1) / self.params.slices


class VwapStrategy(ScheduleStrategy):
    params_model = VwapParams
    params: VwapParams
    warmup = vwap_warmup_bars

    def __init__(self, params: VwapParams):
        super().__init__(params)
        self.profile: dict[int, float] = {}
        self.weights: list[float] = []

    def ready(self, state: ExecutionState) -> bool:
        """The window starts once the candles give a profile with volume; it is measured once, then."""
        if len(state.candles) < self.warmup_bars:
            return False
        bar = self.params.bar_seconds
        profile = volume_profile(state.candles.timestamps, state.candles.volumes, bar)
        if sum(profile.values()) <= 0:
            return False
        self.profile = profile
        self.weights = []
        return True

    def slice_weights(self) -> list[float]:
        """Each slice's share of the window's expected volume."""
        if not self.weights:
            bar = self.params.bar_seconds
            volumes = [
                expected_volume(self.profile, bar, *self.slice_bounds(i)) for i in range(self.params.slices)
            ]
            total = sum(volumes)
            self.weights = [v / total for v in volumes] if total > 0 else [1 / len(volumes)] * len(volumes)
        return self.weights

    def cumulative_fraction(self, index: int) -> float:
        return 1.0 if index == self.params.slices - 1 else sum(self.slice_weights()[: index + 1])

    def slice_cap(self, state: ExecutionState, index: int) -> float:
        bar = self.params.bar_seconds
        return self.params.participation_cap * expected_volume(self.profile, bar, *self.slice_bounds(index))

    def status(self, state, phase, filled, place, figures):
        return {**super().status(state, phase, filled, place, figures), "profile_buckets": len(self.profile)}


class IcebergStrategy(ExecutionStrategy):
    params_model = IcebergParams
    params: IcebergParams

    def work(self, state, filled, remaining):
        price = self.maker_price(state)
        cancel = tuple(
            c.id
            for c in state.working
            if c.price is not None
            and not c.stopping
            and abs(c.price - price) > self.params.reprice_band * price
        )
        child = None
        if not state.working:
            child = self.child(min(self.params.visible_base, remaining), price, "iceberg")
        return child, cancel, {"target_price": price}
