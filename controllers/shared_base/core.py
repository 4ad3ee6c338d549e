"""Pure quoting and risk math shared by every controller. No Hummingbot, no pandas: plain floats.

Spreads are fractions of the reference price, measured per side: a buy quote sits at
reference * (1 - buy_spread), a sell quote at reference * (1 + sell_spread).
The pipeline a strategy runs is: base spreads -> widening (volatility, RSI, sentiment) -> inventory
skew -> fee floor -> prices -> order-book clamp. Every step after the skew can only widen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

# The guide's minimum profitable spread is only a lower bound; quoting at 3x the maker fee leaves
# room for adverse selection, which the break-even formula ignores.
MAKER_FEE_FLOOR_MULTIPLE = 3.0
# An emergency flatten brings inventory back to this fraction of the limit rather than to zero,
# so the controller keeps quoting both sides afterwards without paying taker fees on everything.
FLATTEN_TARGET_RATIO = 0.5


@dataclass(frozen=True)
class BookTop:
    """Best bid and ask of the live order book (both > 0)."""

    best_bid: float
    best_ask: float

    @property
    def mid(self) -> float:
        return (self.best_bid + self.best_ask) / 2.0

    @property
    def is_valid(self) -> bool:
        return 0.0 < self.best_bid <= self.best_ask


@dataclass(frozen=True)
class AccountState:
    """What the controller holds: signed inventory in quote (long > 0) and PnL since start."""

    inventory_quote: float = 0.0
    pnl_quote: float = 0.0


@dataclass(frozen=True)
class RiskState:
    """Kill-switch memory carried between ticks. Once killed it stays killed until restart."""

    peak_pnl_quote: float = 0.0
    killed: bool = False
    reason: str = ""


@dataclass(frozen=True)
class QuotePlan:
    """Everything the adapter needs to place or pull orders this tick; it only maps, never decides."""

    reference_price: float
    buy_prices: tuple[float, ...] = ()
    sell_prices: tuple[float, ...] = ()
    buy_spreads: tuple[float, ...] = ()
    sell_spreads: tuple[float, ...] = ()
    spread_floor: float = 0.0
    inventory_ratio: float = 0.0
    skew: float = 0.0
    quote_buy: bool = True
    quote_sell: bool = True
    # Signed quote amount to close at market now: > 0 sells inventory, < 0 buys it back.
    flatten_quote: float = 0.0
    killed: bool = False
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_quoting(self) -> bool:
        return not self.killed and (self.quote_buy or self.quote_sell)

    def summary(self) -> dict[str, object]:
        """Small, JSON-friendly view for monitoring (Hummingbot publishes it every second)."""
        data = asdict(self)
        data["buy_prices"] = [round(p, 10) for p in self.buy_prices]
        data["sell_prices"] = [round(p, 10) for p in self.sell_prices]
        data["reasons"] = list(self.reasons)
        del data["buy_spreads"], data["sell_spreads"]
        return data


def fee_spread_floor(fee_maker: float, fee_taker: float) -> float:
    """Smallest per-side spread worth quoting: max(break-even (m+t)/(1-t), 3 * maker fee)."""
    if not (0.0 <= fee_maker < 1.0 and 0.0 <= fee_taker < 1.0):
        raise ValueError("fees must be fractions in [0, 1)")
    break_even = (fee_maker + fee_taker) / (1.0 - fee_taker)
    return max(break_even, MAKER_FEE_FLOOR_MULTIPLE * fee_maker)


def reference_price(last_price: float, book: BookTop | None = None) -> float:
    """Book mid when a sane book is available, otherwise the last traded/close price."""
    if book is not None and book.is_valid:
        return book.mid
    if not last_price > 0.0:
        raise ValueError(f"reference price needs a positive price, got {last_price!r}")
    return last_price


def horizon_volatility(volatility_per_bar: float, bar_seconds: float, horizon_seconds: float) -> float:
    """Scale per-bar volatility to a holding horizon with the square-root-of-time rule."""
    if bar_seconds <= 0 or horizon_seconds < 0:
        raise ValueError("bar_seconds must be > 0 and horizon_seconds >= 0")
    return max(volatility_per_bar, 0.0) * math.sqrt(horizon_seconds / bar_seconds)


def volatility_scaled_spreads(
    base_spreads: Sequence[float], volatility: float, coefficient: float
) -> tuple[float, ...]:
    """Add a volatility term to every level: high volatility widens quotes, it never pauses them."""
    widening = max(coefficient, 0.0) * max(volatility, 0.0)
    return tuple(spread + widening for spread in base_spreads)


def widen(spreads: Sequence[float], factor: float) -> tuple[float, ...]:
    """Multiply spreads by a factor that is never allowed to tighten them (factor < 1 counts as 1)."""
    return tuple(spread * max(factor, 1.0) for spread in spreads)


def inventory_ratio(inventory_quote: float, max_inventory_quote: float) -> float:
    """Inventory as a fraction of its limit: +1 is a full long, -1 a full short. Not clamped."""
    if max_inventory_quote <= 0:
        raise ValueError("max_inventory_quote must be > 0")
    return inventory_quote / max_inventory_quote


def inventory_skew(ratio: float, skew_at_limit: float) -> float:
    """Spread shift that leans against inventory; positive when long (bids back off, asks come in)."""
    return max(-1.0, min(1.0, ratio)) * skew_at_limit


def skew_spreads(
    buy_spreads: Sequence[float], sell_spreads: Sequence[float], skew: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Shift both sides by the skew; equivalent to moving the reservation price by -skew."""
    return tuple(s + skew for s in buy_spreads), tuple(s - skew for s in sell_spreads)


def apply_spread_floor(spreads: Sequence[float], floor: float) -> tuple[float, ...]:
    return tuple(max(spread, floor) for spread in spreads)


def quote_prices(
    reference: float, buy_spreads: Sequence[float], sell_spreads: Sequence[float]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return (
        tuple(reference * (1.0 - s) for s in buy_spreads),
        tuple(reference * (1.0 + s) for s in sell_spreads),
    )


def clamp_to_book(
    bids: Sequence[float], asks: Sequence[float], book: BookTop | None
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Keep bids at or below the best bid and asks at or above the best ask.

    A quote inside the natural spread would be the first to be picked off, and one beyond the far
    side would cross and pay taker fees; pinning to our own side of the book rules out both.
    """
    if book is None or not book.is_valid:
        return tuple(bids), tuple(asks)
    return tuple(min(b, book.best_bid) for b in bids), tuple(max(a, book.best_ask) for a in asks)


def update_kill_switch(
    state: RiskState,
    pnl_quote: float,
    capital_quote: float,
    max_drawdown_pct: float,
    manual: bool = False,
) -> RiskState:
    """Latch the kill switch when PnL falls max_drawdown_pct of capital below its running peak."""
    if state.killed:
        return state
    peak = max(state.peak_pnl_quote, pnl_quote)
    if manual:
        return RiskState(peak_pnl_quote=peak, killed=True, reason="manual kill switch")
    drawdown = (peak - pnl_quote) / capital_quote if capital_quote > 0 else 0.0
    if drawdown >= max_drawdown_pct:
        return RiskState(peak_pnl_quote=peak, killed=True, reason=f"drawdown {drawdown:.2%} of capital")
    return RiskState(peak_pnl_quote=peak)


def flatten_amount(inventory_quote: float, max_inventory_quote: float) -> float:
    """Quote amount to close at market once inventory reaches its limit (0 while within it)."""
    if abs(inventory_quote) < max_inventory_quote:
        return 0.0
    target = math.copysign(FLATTEN_TARGET_RATIO * max_inventory_quote, inventory_quote)
    return inventory_quote - target


def select_positions_to_close(
    positions: Iterable[tuple[str, float, float]], flatten_quote: float
) -> list[str]:
    """Pick open positions (id, signed quote amount, opened at) to close, oldest first.

    Only positions on the side being reduced are chosen; selection stops once their sizes cover
    the flatten amount, so a flatten never flips the book to the other side by more than one position.
    """
    if flatten_quote == 0:
        return []
    same_side = sorted((p for p in positions if p[1] * flatten_quote > 0), key=lambda p: p[2])
    chosen: list[str] = []
    covered = 0.0
    for position_id, amount_quote, _opened_at in same_side:
        if covered >= abs(flatten_quote):
            break
        chosen.append(position_id)
        covered += abs(amount_quote)
    return chosen


# --- which resting quotes to keep ---------------------------------------------------------------------
@dataclass(frozen=True)
class RestingQuote:
    """A live, unfilled quote as the keep-or-replace rule sees it."""

    id: str
    buy: bool
    level: int | None  # its level index in the plan; None when its level id cannot be read
    price: float
    age_seconds: float  # since it was placed


def outside_floor(price: float, buy: bool, plan: QuotePlan, book: BookTop | None) -> bool:
    """A kept quote must still respect the fee floor around the current reference, and the book."""
    tolerance = 1e-12 * plan.reference_price  # float rounding only
    if buy:
        limit = plan.reference_price * (1.0 - plan.spread_floor)
        return price <= limit + tolerance and (book is None or price <= book.best_bid)
    limit = plan.reference_price * (1.0 + plan.spread_floor)
    return price >= limit - tolerance and (book is None or price >= book.best_ask)


def quotes_to_stop(
    quotes: Iterable[RestingQuote],
    plan: QuotePlan,
    book: BookTop | None,
    refresh_seconds: float,
    tolerance: float,
) -> list[str]:
    """Ids of the resting quotes to cancel this tick, in the order given.

    A quote goes when the plan stops quoting its side. A fresh one (placed at most refresh_seconds ago)
    stays wherever it is. A stale one is replaced, unless it still sits where the plan would put it:
    within tolerance x its level's spread of the planned price, and outside the fee floor and the book.
    Keeping it saves a cancel/replace and keeps its place in the queue; a level the plan no longer
    has (fewer levels, or an unreadable level id) is always replaced.
    """
    stop = []
    for quote in quotes:
        if not plan.is_quoting or not (plan.quote_buy if quote.buy else plan.quote_sell):
            stop.append(quote.id)
            continue
        if quote.age_seconds <= refresh_seconds:
            continue
        prices = plan.buy_prices if quote.buy else plan.sell_prices
        spreads = plan.buy_spreads if quote.buy else plan.sell_spreads
        if quote.level is None or quote.level >= len(prices):
            stop.append(quote.id)
            continue
        drift = abs(quote.price - prices[quote.level]) / plan.reference_price
        if drift > tolerance * spreads[quote.level] or not outside_floor(quote.price, quote.buy, plan, book):
            stop.append(quote.id)
    return stop


def build_quote_plan(
    *,
    reference: float,
    buy_spreads: Sequence[float],
    sell_spreads: Sequence[float],
    floor: float,
    account: AccountState,
    max_inventory_quote: float,
    skew_at_limit: float,
    risk: RiskState,
    book: BookTop | None = None,
    reasons: Sequence[str] = (),
) -> QuotePlan:
    """Turn already-widened spreads into a plan: skew, floor, prices, book clamp, limits, kill switch."""
    ratio = inventory_ratio(account.inventory_quote, max_inventory_quote)
    if risk.killed:
        return QuotePlan(
            reference_price=reference,
            spread_floor=floor,
            inventory_ratio=ratio,
            quote_buy=False,
            quote_sell=False,
            flatten_quote=account.inventory_quote,
            killed=True,
            reasons=(*reasons, risk.reason),
        )
    skew = inventory_skew(ratio, skew_at_limit)
    skewed_buy, skewed_sell = skew_spreads(buy_spreads, sell_spreads, skew)
    final_buy = apply_spread_floor(skewed_buy, floor)
    final_sell = apply_spread_floor(skewed_sell, floor)
    bids, asks = clamp_to_book(*quote_prices(reference, final_buy, final_sell), book)
    flatten = flatten_amount(account.inventory_quote, max_inventory_quote)
    plan_reasons = list(reasons)
    if flatten:
        plan_reasons.append(f"inventory limit hit ({ratio:+.2f}), flattening {flatten:+.4g} quote")
    return QuotePlan(
        reference_price=reference,
        buy_prices=bids,
        sell_prices=asks,
        buy_spreads=tuple(1.0 - b / reference for b in bids),
        sell_spreads=tuple(a / reference - 1.0 for a in asks),
        spread_floor=floor,
        inventory_ratio=ratio,
        skew=skew,
        # At the limit only the side that reduces inventory keeps quoting.
        quote_buy=ratio < 1.0,
        quote_sell=ratio > -1.0,
        flatten_quote=flatten,
        reasons=tuple(plan_reasons),
    )


# --- what the balance can pay for ---------------------------------------------------------------------
# A side's funding status, as monitoring shows it.
FUNDED = "funded"  # every proposed level goes out at its full size (or none was proposed)
PARTLY_FUNDED = "partly funded"  # some levels go out, shrunk or fewer
UNFUNDED = "unfunded"  # levels were proposed and the balance pays for none of them
BELOW_MINIMUM = "below minimum"  # the balance is there, but every level is under the exchange's minimum


@dataclass(frozen=True)
class Budget:
    """What the account can still commit to new orders, and the smallest order the exchange takes.

    `base` and `quote` are net of what open orders already hold (Hummingbot's available balance) and of
    orders proposed but not yet placed. `fee` is kept aside on top of each order's cost, for exchanges
    that charge it in the spent asset.
    """

    base: float
    quote: float
    min_order_base: float = 0.0
    min_notional_quote: float = 0.0
    fee: float = 0.0


@dataclass(frozen=True)
class SideFunding:
    """One side's proposed levels after the budget. Amounts are in base, in the order proposed;
    0.0 means the level is not sent. `available` and `needed` are in the side's asset (quote for buys,
    base for sells): what it had, and what the full levels would have cost."""

    requested: tuple[float, ...] = ()
    amounts: tuple[float, ...] = ()
    available: float = 0.0
    needed: float = 0.0
    left: float = 0.0  # what stays available after the funded levels
    status: str = FUNDED

    @property
    def unfunded(self) -> bool:
        return self.status == UNFUNDED


@dataclass(frozen=True)
class Funding:
    buy: SideFunding = field(default_factory=SideFunding)
    sell: SideFunding = field(default_factory=SideFunding)

    @property
    def unfunded_sides(self) -> tuple[str, ...]:
        return tuple(side for side in ("buy", "sell") if getattr(self, side).unfunded)

    def summary(self) -> dict[str, object]:
        """JSON-friendly, for the controller's custom info."""
        return {
            side: {
                "status": funding.status,
                "available": funding.available,
                "needed": funding.needed,
                "levels_sent": sum(1 for amount in funding.amounts if amount > 0),
                "levels_proposed": len(funding.requested),
            }
            for side, funding in (("buy", self.buy), ("sell", self.sell))
        }


def fund_side(
    levels: Sequence[tuple[float, float]], reference: float, available: float, *, buy: bool, budget: Budget
) -> SideFunding:
    """Fit one side's proposed levels (price, base amount) into what `available` can pay for.

    Why: Hummingbot checks an executor's order against the available balance only once the executor
    exists, and refuses it at once (INSUFFICIENT_BALANCE: an ERROR line and a database row); the level
    is then free again, so a controller that does not check first proposes it every tick, for as long
    as the balance is short (4025 refusals in 40 minutes of one paper run). Levels are funded nearest to
    the reference first: the nearest is the one that fills and earns the spread, so a short balance
    shrinks or drops the far ones before it. A level under the exchange's minimum order is dropped
    rather than sent, since the exchange would refuse it too.
    """
    if reference <= 0 or any(price <= 0 for price, _ in levels):
        raise ValueError("reference and level prices must be > 0")
    # Cost of one base unit of a level, in the asset the side spends.
    unit_costs = [(price if buy else 1.0) * (1.0 + max(budget.fee, 0.0)) for price, _ in levels]
    remaining = max(available, 0.0)
    amounts = [0.0] * len(levels)
    short = False  # did the balance, rather than the minimum, cut a level?
    for index in sorted(range(len(levels)), key=lambda i: abs(levels[i][0] - reference)):
        price, wanted = levels[index]
        wanted = max(wanted, 0.0)
        unit = unit_costs[index]
        amount = wanted if remaining >= wanted * unit else remaining / unit
        short = short or amount < wanted
        if amount <= 0 or amount < budget.min_order_base or amount * price < budget.min_notional_quote:
            continue
        amounts[index] = amount
        remaining -= amount * unit
    requested = tuple(max(amount, 0.0) for _, amount in levels)
    if all(sent == wanted for sent, wanted in zip(amounts, requested, strict=True)):
        status = FUNDED
    elif any(amounts):
        status = PARTLY_FUNDED
    else:
        status = UNFUNDED if short else BELOW_MINIMUM
    return SideFunding(
        requested=requested,
        amounts=tuple(amounts),
        available=max(available, 0.0),
        needed=sum(wanted * unit for wanted, unit in zip(requested, unit_costs, strict=True)),
        left=remaining,
        status=status,
    )


def fund_levels(
    reference: float,
    buy_levels: Sequence[tuple[float, float]],
    sell_levels: Sequence[tuple[float, float]],
    budget: Budget,
) -> Funding:
    """Both sides through `fund_side`: bids spend the quote balance, asks the base balance."""
    return Funding(
        buy=fund_side(buy_levels, reference, budget.quote, buy=True, budget=budget),
        sell=fund_side(sell_levels, reference, budget.base, buy=False, budget=budget),
    )
