"""The strategy skeletons, one per controller kind; a strategy is a pure class over its params model.

Every kind has the same shape: `params_model` (the pure pydantic model), `__init__(params)`, a
`warmup_bars` property, and the decisions of its kind. The Hummingbot glue for each kind (candles,
executors, the kill switch, the closed-executor ledger) lives once in `adapter.py`; a controller
module only names its strategy class.

* `MarketMakingStrategy`: candles to per-bar feature columns (`features`) and, each tick, one feature
  row plus account, book and risk state to a QuotePlan (`plan`). Subclasses only decide how spreads
  are widened and how hard inventory is skewed; the limits, floor, clamp and kill switch are not
  optional.
* `DirectionalStrategy`: candles to one signal per bar (`signals`: +1 long, -1 short, 0 flat);
  Hummingbot's triple barrier manages the positions, the adapter's kill switch stops new ones.
* `GenericStrategy`: balances and prices across the pairs of one connector to market orders
  (`plan`), sent one batch at a time (`next_batch`) while no earlier batch is still working and the
  kill switch is off.

The execution algorithms (twap, vwap, iceberg) are generic controllers of their own kind,
`ExecutionStrategy` in `execution_algos.py`: one parent order worked in child orders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from controllers.shared_base import core
from controllers.shared_base.indicators import Bars
from controllers.shared_base.params import DirectionalParams, GenericParams, MarketMakingParams

Spreads = tuple[tuple[float, ...], tuple[float, ...], tuple[str, ...]]


class Strategy:
    """What every kind of strategy shares: its params, and the bars of history it needs."""

    params_model: ClassVar[type[BaseModel]]
    # The module's warmup_bars(params), the function the strategy also registers (StrategySpec.warmup);
    # None: one bar.
    warmup: ClassVar[Callable[[Any], int] | None] = None

    def __init__(self, params: BaseModel):
        self.params = params

    @property
    def warmup_bars(self) -> int:
        """Bars of history needed before it trades; also sizes the live candle window."""
        warmup = type(self).warmup
        return 1 if warmup is None else warmup(self.params)


class MarketMakingStrategy(Strategy):
    params_model: ClassVar[type[MarketMakingParams]] = MarketMakingParams
    params: MarketMakingParams

    def features(self, bars: Bars) -> dict[str, list[float]]:
        """Per-bar columns, causal. Must include `reference_price`; `ready` is 1.0 once warmed up."""
        count = len(bars)
        return {
            "reference_price": list(bars.closes),
            "ready": [1.0 if i + 1 >= self.warmup_bars else 0.0 for i in range(count)],
        }

    def widened_spreads(self, row: Mapping[str, float], timestamp: float) -> Spreads:
        """Base spreads after every widening this strategy applies, plus why."""
        return tuple(self.params.buy_spreads), tuple(self.params.sell_spreads), ()

    def skew_at_limit(self, buy_spreads: tuple[float, ...], sell_spreads: tuple[float, ...]) -> float:
        """Spread shift at full inventory; 0 means no skew."""
        return 0.0

    def plan(
        self,
        row: Mapping[str, float],
        account: core.AccountState,
        risk: core.RiskState,
        book: core.BookTop | None = None,
        timestamp: float = 0.0,
    ) -> core.QuotePlan:
        reference = core.reference_price(float(row["reference_price"]), book)
        if row.get("ready", 1.0) < 1.0 and not risk.killed:
            return core.QuotePlan(
                reference_price=reference,
                quote_buy=False,
                quote_sell=False,
                spread_floor=self.params.spread_floor,
                reasons=("warming up",),
            )
        buy, sell, reasons = self.widened_spreads(row, timestamp)
        return core.build_quote_plan(
            reference=reference,
            buy_spreads=buy,
            sell_spreads=sell,
            floor=self.params.spread_floor,
            account=account,
            max_inventory_quote=self.params.max_inventory_quote,
            skew_at_limit=self.skew_at_limit(buy, sell),
            risk=risk,
            book=book,
            reasons=reasons,
        )


def adverse_side_factors(direction: float, strength: float) -> tuple[float, float]:
    """(buy, sell) widening factors against a directional view in [-1, 1].

    A bullish view (> 0) means our asks get lifted before a rise, so asks widen; bearish widens bids.
    Factors are >= 1: a view can only make the controller more careful, never more aggressive.
    """
    direction = max(-1.0, min(1.0, direction))
    widening = 1.0 + max(strength, 0.0) * abs(direction)
    return (widening, 1.0) if direction < 0 else (1.0, widening)


class DirectionalStrategy(Strategy):
    params_model: ClassVar[type[DirectionalParams]] = DirectionalParams
    params: DirectionalParams

    def signals(self, bars: Bars) -> list[int]:
        """One signal per bar, causal: +1 long, -1 short, 0 flat."""
        raise NotImplementedError


@dataclass(frozen=True)
class MarketOrder:
    """One market order a generic strategy wants sent (as a Hummingbot market OrderExecutor)."""

    trading_pair: str
    side: Literal["buy", "sell"]
    amount_base: float
    notional_quote: float
    level_id: str = "order"


class GenericStrategy(Strategy):
    """Market orders across the pairs of one connector. The strategy may keep state between ticks (when
    it last traded, a batch under way); a hot reload replaces its params, not the object."""

    params_model: ClassVar[type[GenericParams]] = GenericParams
    params: GenericParams

    @property
    def trading_pairs(self) -> list[str]:
        """Pairs whose mid prices `plan` needs (also the controller's markets and rate sources)."""
        return self.params.trading_pairs

    @property
    def assets(self) -> list[str]:
        """Assets whose balances `plan` needs."""
        return sorted({asset for pair in self.trading_pairs for asset in pair.split("-")})

    def plan(self, balances: Mapping[str, float], prices: Mapping[str, float], now: float) -> Any:
        """A plan with an `orders` tuple of MarketOrders, from balances by asset and mid prices by pair.
        Called every tick; must not change the strategy's state (see `next_batch`)."""
        raise NotImplementedError

    def next_batch(self, plan: Any, now: float) -> tuple[MarketOrder, ...]:
        """The orders to send now. Called only when no earlier order is still working and the kill
        switch is off; the place to record that a batch went out."""
        return tuple(plan.orders)

    def summary(self, plan: Any) -> dict[str, Any]:
        """The plan's figures for Hummingbot's processed_data."""
        return {}

    def status(self, plan: Any) -> dict[str, Any]:
        """The plan's figures for get_custom_info() (monitoring)."""
        return {}
