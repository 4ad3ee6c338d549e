"""Hedged market maker: the flagship's quoting on a spot pair, its inventory hedged on a perpetual.

The quoting is `inventory_mm`'s, unchanged. A perpetual position on the same base is held at
-(spot inventory) * hedge ratio; it is rebalanced when it strays from that target by more than
`delta_band_base`, by at least `min_hedge_base`, at most once per `hedge_cooldown`, and its ratio drops
to `funding_hedge_ratio` while the funding makes holding it cost more than `max_funding_rate` a period.
The rules are in `shared_base/hedge.py`; the Hummingbot side (perp position, funding info, orders) in
`adapter.SharedHedgedMarketMakingController`.

Hummingbot's backtester simulates one connector and one pair; the project's two-market engine
(analysis/hedge_engine.py) steps the perp's candles beside the spot's, so `hbot-strategies backtest
--hedge-candles PERP.csv` runs it (`hedge_backtest`). compare and optimize take one candle file per
market and refuse it (`backtest_refusal`); `hbot-strategies hedge` sets it against the unhedged flagship.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationInfo, field_validator

from controllers.shared_base import hedge
from controllers.shared_base.params import at_most, fixed_field, updatable_field
from controllers.shared_base.strategies.inventory_mm import (
    InventoryMMParams,
    InventoryMMStrategy,
    warmup_bars,
)

# A paper bot hedges on the role's paper perpetual, which keeps the exchange's name plus _paper_trade.
PERPETUAL_SUFFIXES = ("_perpetual", "_perpetual_testnet", "_perpetual_paper_trade")
# Hard ceiling on any cap an operator declares: at 10x a short is liquidated by a ~10% rise (less the
# maintenance margin), a move a volatile pair makes in a day, while the spot gain that offsets it sits
# in another account and cannot top the margin up.
HEDGE_LEVERAGE_CEILING = 10


def is_perpetual(connector: str) -> bool:
    return connector.endswith(PERPETUAL_SUFFIXES)


class HedgedMMParams(InventoryMMParams):
    controller_name: str = "hedged_mm"
    hedge_connector_name: str = fixed_field(
        "binance_perpetual", "Hedge connector (perpetual): ", min_length=1
    )
    hedge_trading_pair: str = fixed_field(
        "ETH-USDT", "Hedge pair (same base): ", pattern=r"^[A-Z0-9]+-[A-Z0-9]+$"
    )
    hedge_ratio: float = updatable_field(1.0, "Hedge ratio (1 = fully hedged): ", gt=0, le=1)
    max_hedge_leverage: int = fixed_field(
        5, "Highest leverage the hedge may use: ", ge=1, le=HEDGE_LEVERAGE_CEILING
    )
    hedge_leverage: int = fixed_field(2, "Hedge leverage: ", ge=1)
    delta_band_base: float = updatable_field(0.01, "Rebalance when the hedge strays this far (base): ", ge=0)
    min_hedge_base: float = updatable_field(0.005, "Smallest hedge order (base): ", ge=0)
    hedge_cooldown: float = updatable_field(30, "Seconds between hedge orders: ", ge=0)
    max_funding_rate: float = updatable_field(
        0.0005, "Funding the hedge may pay per period before it is reduced: ", ge=0, lt=0.05
    )
    funding_hedge_ratio: float = updatable_field(0.5, "Hedge ratio while funding is costly: ", ge=0, le=1)

    # Read by the analysis (inputs.backtest_refusal): `backtest` runs it on the two-market engine when
    # given the perp's candles; `compare` and `optimize`, which take one candle file per market, refuse it.
    hedge_backtest: ClassVar[bool] = True
    backtest_refusal: ClassVar[str] = (
        "it trades two markets (quotes on the spot pair, hedges on the perpetual) and compare and optimize"
        " take one candle file per market; backtest it with `hbot-strategies backtest --hedge-candles"
        " PERP.csv`, or set it against the unhedged flagship with `hbot-strategies hedge`"
    )

    @field_validator("connector_name")
    @classmethod
    def _quotes_on_spot(cls, connector: str) -> str:
        if is_perpetual(connector):
            raise ValueError(f"'{connector}' is a perpetual; hedged_mm quotes on a spot connector")
        return connector

    @field_validator("hedge_connector_name")
    @classmethod
    def _hedges_on_a_perpetual(cls, connector: str, info: ValidationInfo) -> str:
        if not is_perpetual(connector):
            raise ValueError(
                f"'{connector}' is not a perpetual connector (name ending in _perpetual or "
                f"_perpetual_testnet, e.g. binance_perpetual); a spot connector cannot hold a short hedge"
            )
        return connector

    @field_validator("hedge_trading_pair")
    @classmethod
    def _same_base(cls, pair: str, info: ValidationInfo) -> str:
        spot = info.data.get("trading_pair")
        if spot is not None and pair.split("-")[0] != spot.split("-")[0]:
            raise ValueError(
                f"base {pair.split('-')[0]} differs from trading_pair {spot}'s base {spot.split('-')[0]}; "
                "the hedge must be on the asset the market maker holds"
            )
        return pair

    _leverage_within_cap = field_validator("hedge_leverage")(at_most("max_hedge_leverage"))
    _funding_only_reduces = field_validator("funding_hedge_ratio")(
        at_most("hedge_ratio", "; costly funding may only reduce the hedge")
    )

    @property
    def hedge_rules(self) -> hedge.HedgeRules:
        """The pure rule's inputs: the params of the same names."""
        names = hedge.HedgeRules.__dataclass_fields__
        return hedge.HedgeRules(**{name: getattr(self, name) for name in names})

    @property
    def hedge_margin_quote(self) -> float:
        """Margin the perp needs to hedge a full inventory at hedge_leverage (before funding and fees)."""
        return self.max_inventory_quote * self.hedge_ratio / self.hedge_leverage


class HedgedMMStrategy(InventoryMMStrategy):
    """The flagship's quoting; the hedge is decided per tick by `hedge(...)`."""

    params_model = HedgedMMParams
    params: HedgedMMParams
    warmup = staticmethod(warmup_bars)

    def hedge(
        self,
        spot_inventory_base: float,
        perp: hedge.PerpState,
        now: float,
        last_hedge_at: float | None,
        working: bool = False,
    ) -> hedge.HedgeDecision:
        return hedge.decide_hedge(
            spot_inventory_base, perp, self.params.hedge_rules, now, last_hedge_at, working
        )
