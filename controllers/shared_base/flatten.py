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
  that side (positions_held, less the neutral stock) makes up the rest: after a restart in the middle of
  an unwind, the base the dead run kept is unwound again, instead of being held for ever.

An unwind has its own PnL, which the kill switch counts: a kept position's executor reports 0 once it
is held (Hummingbot's POSITION_HOLD), so without it the PnL would jump by the position's mark at the
stop and miss what the children realise. `Unwind.pnl` is the unwound base's PnL against what it cost:
side * ((base - sold) * mid + received - cost) - fees, where a long's cost is the quote it paid with
its entry fees, and a short's is the quote it got, less them.

Why it might help, and what it costs: one market order per position pays the taker fee and the
slippage on the whole amount at the worst moment (the kill switch latches after a run against the
book); a TWAP spreads that over a window and may catch a reversion, but holds the risk longer. Which
wins is a backtest question (docs/strategy-results.md, "Flatten: market or TWAP"); the default stays
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
class Kept:
    """One position the flatten keeps instead of closing: its base and its entry's notional and fee."""

    base: float
    entry_quote: float
    entry_fee_quote: float = 0.0


@dataclass
class Unwind:
    """One flatten worked by a TWAP: the base the kept positions (and held inventory) add up to."""

    side: int  # the side held: +1 long (the unwind sells), -1 short (it buys back)
    base: float
    cost_quote: float  # long: the quote paid, entry fees included; short: the quote received, less them
    strategy: TwapStrategy
    started: float
    children: set[str] = field(default_factory=set)  # executor ids of its child orders
    finished: bool = False

    def pnl(self, fills: Sequence[Fill], mid: float) -> float:
        """The unwound base's PnL at `mid`: what the children realised plus the rest marked."""
        traded = sum(f.amount_base for f in fills)
        received = sum(f.quote for f in fills)
        fees = sum(f.fee_quote for f in fills)
        return self.side * ((self.base - traded) * mid + received - self.cost_quote) - fees


def start_unwind(
    kept: Sequence[Kept],
    held_base: float,
    held_price: float,
    side: int,
    *,
    now: float,
    connector: str,
    trading_pair: str,
    duration: int,
    slices: int,
    order_type: Literal["maker", "taker"],
) -> Unwind | None:
    """The unwind of the kept positions plus `held_base` (>= 0) of held inventory valued at
    `held_price`; None when there is nothing to unwind."""
    base = sum(k.base for k in kept) + held_base
    if base <= 0:
        return None
    cost = sum(k.entry_quote + side * k.entry_fee_quote for k in kept) + held_base * held_price
    params = TwapParams(
        connector_name=connector,
        trading_pair=trading_pair,
        side="sell" if side > 0 else "buy",
        target_base=base,
        duration=duration,
        slices=slices,
        order_type=order_type,
        finish_with_taker=True,
    )
    return Unwind(side=side, base=base, cost_quote=cost, strategy=TwapStrategy(params), started=now)


def finished(phase: str, working: int) -> bool:
    """An unwind is over once nothing of it works and its algorithm will send nothing more."""
    return working == 0 and phase.startswith(FINISHED_PHASES)


def child_level(level_id: str) -> str:
    return f"{FLATTEN_LEVEL}_{level_id}"
