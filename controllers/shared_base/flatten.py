"""The market maker's flatten worked by an execution algorithm (#16). Pure: no Hummingbot.

A market maker flattens when its inventory reaches the limit, and everything when its kill switch
latches (core.build_quote_plan's `flatten_quote`); core.select_positions_to_close picks the positions,
oldest first. How they are closed is the config's `flatten_algorithm`:

* `market` (the default): Hummingbot stops each one at market, one taker order per position, at once.
* `twap`: the same positions are stopped with keep_position, so their base stays held and no order
  goes out for them; one `Unwind` then sells (a long) or buys back (a short) that base with a
  TwapStrategy: `flatten_slices` children over `flatten_duration` seconds, taker or maker
  (`flatten_order_type`), and what is left at market when the window ends. While it works no other
  flatten starts. When the picked positions cover less than the flatten amount, the held inventory on
  that side (positions_held, less the neutral stock) makes up the rest. The unwind lives in the
  controller's memory: after a restart in the middle of one, the base the dead run kept is held
  inventory (the V2 script stores positions held, hbot_v2_controllers.store_net_positions); it skews the
  quotes like any inventory, and a flatten unwinds it again once the inventory passes the limit.

**What is kept is what Hummingbot says is held, not what was planned.** A position stopped with
keep_position may already be closing on its own (its take profit or time limit fired in the same tick),
and then part or all of its base is gone by the time it ends. So an unwind starts `pending`: it sends
nothing until every position it kept has ended, then `settle`s on their held orders (Hummingbot's
`held_position_orders`: the open fill, less any close fill) and works exactly that net base. A
paper run showed why: planned from the positions' open fills, two of eight unwinds bought back a base
that had already closed, and the account ended short 0.07 ETH it never meant to hold.

An unwind has its own PnL, which the kill switch counts: a kept position's executor reports 0 once it
is held (Hummingbot's POSITION_HOLD), so without it the PnL would jump by the position's mark at the
stop and miss what the children realise. `Unwind.pnl` is the unwound base's PnL against what it cost:
side * ((base - traded) * mid + received - cost) - fees, where a long's cost is the quote it paid with
its fees, and a short's the quote it got, less them. While pending it is the plan's estimate (the
positions' open notional, the maker fee on it).

Why it might help, and what it costs: one market order per position pays the taker fee and the
slippage on the whole amount at the worst moment (the kill switch latches after a run against the
book); a TWAP spreads that over a window and may catch a reversion, but holds the risk longer. Which
wins is a backtest question (docs/flatten-results.md, `make results`); the default stays
market until it shows the TWAP helps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from controllers.shared_base.execution import Fill
from controllers.shared_base.strategies.execution_algos import TwapParams, TwapStrategy

FLATTEN_LEVEL = "flatten"  # level id prefix of an unwind's children: flatten_slice_0, flatten_final
# Phases of ExecutionStrategy.decide after which an unwind sends nothing more.
FINISHED_PHASES = ("done", "window over", "halted")


@dataclass(frozen=True)
class HeldOrder:
    """One order of a kept position as Hummingbot holds it (InFlightOrder.to_json()'s executed amounts)."""

    buy: bool
    base: float
    quote: float
    fee_quote: float = 0.0


@dataclass(frozen=True)
class Kept:
    """Base on the unwound side (> 0 held, <= 0 nothing) and its cost (see `Unwind.pnl`)."""

    base: float
    cost_quote: float

    @classmethod
    def from_orders(cls, orders: Sequence[HeldOrder], side: int) -> Kept:
        """What a kept position's orders hold on `side`: the buys less the sells (a long), or the
        reverse (a short), and what that cost, fees included."""
        net_base = sum(o.base if o.buy else -o.base for o in orders)
        net_quote = sum(o.quote if o.buy else -o.quote for o in orders)
        fees = sum(o.fee_quote for o in orders)
        return cls(side * net_base, side * (net_quote + fees))


@dataclass(frozen=True)
class TwapSettings:
    connector: str
    trading_pair: str
    duration: int
    slices: int
    order_type: Literal["maker", "taker"]


@dataclass
class Unwind:
    """One flatten worked by a TWAP: the positions it kept, and held inventory it adds."""

    side: int  # the side held: +1 long (the unwind sells), -1 short (it buys back)
    kept_ids: tuple[str, ...]
    extra: Kept  # held inventory beyond what the kept positions cover (priced at the start's mid)
    estimate: Kept  # the plan: the kept positions' open fills, until they have ended
    settings: TwapSettings
    base: float = 0.0
    cost_quote: float = 0.0
    pending: bool = True  # until every kept position has ended
    strategy: TwapStrategy | None = None  # once settled, with base to trade
    children: set[str] = field(default_factory=set)  # executor ids of its child orders

    def settle(self, kept: Sequence[Kept], dust: float = 0.0) -> None:
        """The kept positions have ended: work what they hold. A position that closed itself first holds
        its own exit's net (base 0, its realised PnL in the cost); with no more than `dust` (the
        exchange's lot or minimum order) held in all, there is no TWAP and the unwind is over."""
        self.base = self.extra.base + sum(k.base for k in kept)
        self.cost_quote = self.extra.cost_quote + sum(k.cost_quote for k in kept)
        self.pending = False
        if self.base <= dust:
            return
        settings = self.settings
        params = TwapParams(
            connector_name=settings.connector,
            trading_pair=settings.trading_pair,
            side="sell" if self.side > 0 else "buy",
            target_base=self.base,
            duration=settings.duration,
            slices=settings.slices,
            order_type=settings.order_type,
            finish_with_taker=True,
        )
        self.strategy = TwapStrategy(params)

    def pnl(self, fills: Sequence[Fill], mid: float) -> float:
        """The unwound base's PnL at `mid`: what the children realised plus the rest marked."""
        if self.pending:
            base = self.estimate.base + self.extra.base
            cost = self.estimate.cost_quote + self.extra.cost_quote
        else:
            base, cost = self.base, self.cost_quote
        traded = sum(f.amount_base for f in fills)
        received = sum(f.quote for f in fills)
        fees = sum(f.fee_quote for f in fills)
        return self.side * ((base - traded) * mid + received - cost) - fees


def start_unwind(
    kept_ids: Sequence[str],
    estimate: Kept,
    extra: Kept,
    side: int,
    settings: TwapSettings,
) -> Unwind | None:
    """A pending unwind of the kept positions plus `extra` held inventory; None when it has nothing."""
    if not kept_ids and extra.base <= 0:
        return None
    return Unwind(side, tuple(kept_ids), extra, estimate, settings)


def finished(phase: str, working: int) -> bool:
    """An unwind is over once nothing of it works and its algorithm will send nothing more."""
    return working == 0 and phase.startswith(FINISHED_PHASES)


def child_level(level_id: str) -> str:
    return f"{FLATTEN_LEVEL}_{level_id}"
