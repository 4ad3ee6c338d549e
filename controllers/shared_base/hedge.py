"""Pure hedge math for a spot market maker hedged on a perpetual: no Hummingbot, no pandas, plain floats.

Quantities are in base units, signed: long > 0, short < 0. The spot inventory is the base the market
maker holds beyond its working stock, measured exactly as the flagship measures it (open positions plus
held positions, less the stock Hummingbot's spot rebalance keeps for the asks; see
`adapter.SharedMarketMakingController.held_inventory_quote`), converted to base at the reference
price. The working stock is capital the asks need, not a bet the fills made, so it is not hedged.

The rules, each decided here (and unit-tested by hand):

* target hedge    = -spot inventory * ratio (ratio: `hedge_ratio`, or `funding_hedge_ratio` when the
                    funding makes holding the hedge costly, below);
* net delta       = spot inventory + perp position;
* rebalance when  |target - position| > band, no hedge order of ours is still working, `hedge_cooldown`
                    seconds have passed since the last one, and the order is at least `min_hedge_base`
                    and the perp's minimum notional. With the full ratio, target - position is minus the
                    net delta, so the band is the net-delta band; with a deliberately partial ratio the
                    band is measured from the intended delta, so a partial hedge does not trade every tick;
* order size      = target - position: back to the centre of the band, not to its edge. Sized to the
                    edge, the next fill of the same side crosses it again, so the hedge sends twice the
                    orders (each paying the minimum size and the spread) for the same delta kept;
* funding         = when the perp's current (predicted) funding rate makes the hedge's side pay more than
                    `max_funding_rate` per funding, the ratio drops to `funding_hedge_ratio`. A short
                    pays when the rate is negative, a long (hedging a short inventory) when it is positive.
                    The rate alone decides, not the time left to the payment: funding rates persist over
                    many periods, and a hedge cut before each payment and restored after it pays the taker
                    fee twice a period to dodge one payment while leaving the delta open meanwhile;
* funding paid    = the sum, at each funding timestamp crossed, of position * mark * rate (positive: we
                    paid; a short receives a positive rate), with the position and mark last seen before
                    the timestamp and the rate announced for it. An estimate: the exchange's own payments
                    are not visible to a controller;
* hedge PnL       = (mark - breakeven) * position + realised - fees, the perp position marked to the perp
                    mid; funding is reported apart.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

OPEN: Literal["open"] = "open"
CLOSE: Literal["close"] = "close"


@dataclass(frozen=True)
class HedgeRules:
    """The hedge's parameters, as plain floats: HedgedMMParams' fields of the same names."""

    hedge_ratio: float = 1.0
    delta_band_base: float = 0.0
    min_hedge_base: float = 0.0
    hedge_cooldown: float = 0.0
    max_funding_rate: float = math.inf
    funding_hedge_ratio: float = 1.0


@dataclass(frozen=True)
class PerpState:
    """What the perp side looks like this tick."""

    position_base: float = 0.0  # signed; a short hedge is < 0
    mid_price: float = 0.0
    funding_rate: float = 0.0  # per funding period, as the connector reports it (0.0001 = 0.01%)
    min_notional_quote: float = 0.0  # the perp's minimum order notional, 0 if unknown
    min_order_base: float = 0.0  # the perp's minimum order size, 0 if unknown


@dataclass(frozen=True)
class HedgeOrder:
    """One market order on the perp. `buy` reduces a short (close) or grows a long (open)."""

    buy: bool
    amount_base: float
    action: Literal["open", "close"]

    @property
    def signed_base(self) -> float:
        return self.amount_base if self.buy else -self.amount_base


@dataclass(frozen=True)
class HedgeDecision:
    """The hedge figures of one tick and the orders to send now (none: `reason` says why)."""

    spot_inventory_base: float
    position_base: float
    ratio: float
    target_base: float
    net_delta_base: float
    gap_base: float  # target - position: what an order would trade
    funding_costly: bool
    orders: tuple[HedgeOrder, ...] = ()
    reason: str = ""

    def summary(self) -> dict:
        figures = asdict(self)
        figures["orders"] = [asdict(order) for order in self.orders]
        return figures


def funding_cost_rate(target_base: float, funding_rate: float) -> float:
    """Funding the hedge pays per period, as a fraction of its notional (< 0: it receives).

    Longs pay shorts when the rate is positive, so a short hedge pays -rate and a long hedge +rate.
    """
    if target_base == 0:
        return 0.0
    return funding_rate if target_base > 0 else -funding_rate


def hedge_ratio_for_funding(
    spot_inventory_base: float, funding_rate: float, rules: HedgeRules
) -> tuple[float, bool]:
    """(ratio to apply, whether the funding is costly): the reduced ratio while holding the hedge pays
    more than `max_funding_rate` per period."""
    side = -spot_inventory_base  # the hedge's side at the full ratio
    costly = funding_cost_rate(side, funding_rate) > rules.max_funding_rate
    return (rules.funding_hedge_ratio if costly else rules.hedge_ratio), costly


def split_order(
    position_base: float, trade_base: float, min_order_base: float = 0.0
) -> tuple[HedgeOrder, ...]:
    """The perp orders that move `position_base` by `trade_base`: a close for the part that shrinks the
    position, an open for the rest (a trade through zero is both, as Hummingbot's hedge position mode
    keeps the two sides apart).

    A part that does not clear the exchange's minimum order (`min_order_base`) cannot be sent alone: the
    exchange floors it to nothing and refuses it, and the executor retries it until it gives up. A close
    that small is folded into the open (a one-way account nets them: the dust of an earlier hedge, left by
    the exchange's size increment, is closed by the next order), and an open rest that small is left
    (a delta under one minimum order). "Clear" allows for float residue: within a millionth above it."""
    if trade_base == 0:
        return ()
    buy = trade_base > 0
    dust = min_order_base * (1 + 1e-6)
    reduces = position_base != 0 and (position_base > 0) != buy
    closing = min(abs(trade_base), abs(position_base)) if reduces else 0.0
    if not reduces or closing < dust:
        return (HedgeOrder(buy, abs(trade_base), OPEN),)
    rest = abs(trade_base) - closing
    orders = [HedgeOrder(buy, closing, CLOSE)]
    if rest > 0 and rest >= dust:
        orders.append(HedgeOrder(buy, rest, OPEN))
    return tuple(orders)


def decide_hedge(
    spot_inventory_base: float,
    perp: PerpState,
    rules: HedgeRules,
    now: float,
    last_hedge_at: float | None,
    working: bool = False,
) -> HedgeDecision:
    """This tick's hedge: the target, the net delta and, when every rule allows it, the orders."""
    ratio, costly = hedge_ratio_for_funding(spot_inventory_base, perp.funding_rate, rules)
    target = -spot_inventory_base * ratio
    gap = target - perp.position_base
    figures = {
        "spot_inventory_base": spot_inventory_base,
        "position_base": perp.position_base,
        "ratio": ratio,
        "target_base": target,
        "net_delta_base": spot_inventory_base + perp.position_base,
        "gap_base": gap,
        "funding_costly": costly,
    }
    size = abs(gap)
    if size <= rules.delta_band_base:
        return HedgeDecision(**figures, reason="inside the band")
    if working:
        return HedgeDecision(**figures, reason="a hedge order is working")
    if last_hedge_at is not None and now - last_hedge_at < rules.hedge_cooldown:
        return HedgeDecision(**figures, reason="cooling down")
    if perp.mid_price <= 0:
        return HedgeDecision(**figures, reason="no perp price")
    minimum = max(rules.min_hedge_base, perp.min_order_base)
    if size < minimum or size * perp.mid_price < perp.min_notional_quote:
        return HedgeDecision(**figures, reason="below the minimum order")
    orders = split_order(perp.position_base, gap, perp.min_order_base)
    return HedgeDecision(**figures, orders=orders, reason="rebalancing")


@dataclass(frozen=True)
class FundingLedger:
    """Funding paid so far (positive: paid, negative: received) and what was last seen of the next
    funding: its timestamp and rate, the position and the mark."""

    paid_quote: float = 0.0
    payments: int = 0
    next_funding_at: float | None = None
    rate: float = 0.0
    position_base: float = 0.0
    mark_price: float = 0.0
    last_paid_at: float | None = None


def accrue_funding(
    ledger: FundingLedger,
    now: float,
    position_base: float,
    mark_price: float,
    rate: float,
    next_funding_at: float | None,
) -> FundingLedger:
    """The ledger after this tick: a funding timestamp crossed since the last tick is charged once, on
    the position and mark seen before it, at the rate announced for it; then this tick's view is kept.

    A connector that still reports the funding just passed (its update lags) is not charged twice.
    """
    paid, payments, last_paid = ledger.paid_quote, ledger.payments, ledger.last_paid_at
    due = ledger.next_funding_at
    if due is not None and now >= due and (last_paid is None or due > last_paid):
        paid += ledger.position_base * ledger.mark_price * ledger.rate
        payments += 1
        last_paid = due
    return FundingLedger(paid, payments, next_funding_at, rate, position_base, mark_price, last_paid)


def hedge_pnl_quote(
    position_base: float, breakeven_price: float, mark_price: float, realised_quote: float, fees_quote: float
) -> float:
    """The perp's PnL: the open position marked to the mark price, plus what closing trades realised,
    less every fee paid; funding is reported apart (FundingLedger)."""
    return (mark_price - breakeven_price) * position_base + realised_quote - fees_quote
