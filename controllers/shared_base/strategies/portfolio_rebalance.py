"""Portfolio rebalancing toward target weights across several pairs of one connector.

Threshold mode trades only when some asset drifts more than `threshold_pct` (absolute weight) from
its target; periodic mode checks every `rebalance_interval` seconds. Either way a single asset is only
traded when its drift beats the round-trip taker fee and its trade is at least `min_trade_quote`,
so fees cannot eat the rebalance. Sells come first so they fund the buys: the strategy sends the sells
as one batch and the buys once they are done, and a started rebalance goes on until it is done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationInfo, field_validator

from controllers.shared_base.params import GenericParams, fixed_field, updatable_field
from controllers.shared_base.strategies.base import GenericStrategy, MarketOrder

WEIGHT_SUM_TOLERANCE = 1e-6


class PortfolioRebalanceParams(GenericParams):
    controller_name: str = "portfolio_rebalance"
    fee_taker: float = updatable_field(0.001, "Taker fee: ", ge=0, lt=0.05)
    quote_asset: str = fixed_field("USDT", "Quote asset: ", pattern=r"^[A-Z0-9]+$")
    target_weights: dict[str, float] = updatable_field(
        {"BTC": 0.4, "ETH": 0.3, "USDT": 0.3}, "Target weights by asset: "
    )
    mode: Literal["threshold", "periodic"] = updatable_field("threshold", "Mode: ")
    threshold_pct: float = updatable_field(0.05, "Drift that triggers: ", gt=0, lt=1)
    rebalance_interval: int = updatable_field(86400, "Periodic interval (s): ", gt=0)
    min_trade_quote: float = updatable_field(10.0, "Smallest trade (quote): ", ge=0)

    @field_validator("target_weights")
    @classmethod
    def _weights_add_up(cls, weights: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        if any(w < 0 for w in weights.values()):
            raise ValueError("weights must be >= 0")
        total = sum(weights.values())
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"weights sum to {total:.6f}, not 1")
        quote = info.data.get("quote_asset")
        if quote is not None and quote not in weights:
            raise ValueError(f"quote asset {quote} needs a weight (0 is allowed)")
        return weights

    @field_validator("threshold_pct")
    @classmethod
    def _threshold_beats_fees(cls, threshold: float, info: ValidationInfo) -> float:
        fee = info.data.get("fee_taker")
        if fee is not None and threshold <= 2 * fee:
            raise ValueError(f"threshold_pct {threshold} must exceed the round-trip taker fee {2 * fee}")
        return threshold

    @property
    def trading_pairs(self) -> list[str]:
        return [
            f"{asset}-{self.quote_asset}"
            for asset in sorted(self.target_weights)
            if asset != self.quote_asset
        ]


RebalanceOrder = MarketOrder
REBALANCE_LEVEL_ID = "rebalance"


@dataclass(frozen=True)
class RebalancePlan:
    weights: dict[str, float]
    drift: dict[str, float]
    triggered: bool
    orders: tuple[RebalanceOrder, ...] = ()


def current_weights(
    holdings: dict[str, float], prices: dict[str, float], quote: str
) -> tuple[dict[str, float], float]:
    """Weights by value and total value in quote. `prices` are in quote per asset unit."""
    values = {
        asset: amount * (1.0 if asset == quote else prices[asset]) for asset, amount in holdings.items()
    }
    total = sum(values.values())
    if total <= 0:
        return {asset: 0.0 for asset in holdings}, 0.0
    return {asset: value / total for asset, value in values.items()}, total


def plan_rebalance(
    holdings: dict[str, float],
    prices: dict[str, float],
    params: PortfolioRebalanceParams,
    now: float,
    last_rebalance: float | None,
    continuing: bool = False,
) -> RebalancePlan:
    """Orders that bring holdings back to target. `continuing` keeps a started rebalance going (e.g.
    the buys after the sells filled) even if the remaining drift alone would not trigger one."""
    assets = set(params.target_weights) | set(holdings)
    full_holdings = {asset: holdings.get(asset, 0.0) for asset in assets}
    weights, total = current_weights(full_holdings, prices, params.quote_asset)
    drift = {asset: weights[asset] - params.target_weights.get(asset, 0.0) for asset in assets}
    if params.mode == "threshold":
        triggered = any(abs(d) > params.threshold_pct for d in drift.values())
    else:
        triggered = last_rebalance is None or now - last_rebalance >= params.rebalance_interval
    triggered = triggered or continuing
    # Once triggered, every asset goes back to target unless its drift cannot pay a round trip.
    fee_band = 2 * params.fee_taker
    orders = []
    if triggered and total > 0:
        for asset in sorted(assets - {params.quote_asset}):
            notional = abs(drift[asset]) * total
            if abs(drift[asset]) <= fee_band or notional < params.min_trade_quote:
                continue
            side: Literal["buy", "sell"] = "sell" if drift[asset] > 0 else "buy"
            orders.append(
                RebalanceOrder(
                    f"{asset}-{params.quote_asset}",
                    side,
                    notional / prices[asset],
                    notional,
                    level_id=REBALANCE_LEVEL_ID,
                )
            )
    orders.sort(key=lambda order: order.side != "sell")
    return RebalancePlan(weights=weights, drift=drift, triggered=triggered, orders=tuple(orders))


class PortfolioRebalanceStrategy(GenericStrategy):
    """plan_rebalance() plus the two facts it carries between ticks: when the last rebalance was
    triggered (periodic mode) and whether one is under way (its buys still to come)."""

    params_model = PortfolioRebalanceParams
    params: PortfolioRebalanceParams

    def __init__(self, params: PortfolioRebalanceParams):
        super().__init__(params)
        self.last_rebalance: float | None = None
        self.rebalancing = False

    @property
    def assets(self) -> list[str]:
        return list(self.params.target_weights)

    def plan(self, balances: Mapping[str, float], prices: Mapping[str, float], now: float) -> RebalancePlan:
        """`prices` by trading pair (BASE-QUOTE), as the adapter reads them."""
        by_asset = {pair.split("-")[0]: price for pair, price in prices.items()}
        return plan_rebalance(
            dict(balances), by_asset, self.params, now, self.last_rebalance, continuing=self.rebalancing
        )

    def next_batch(self, plan: RebalancePlan, now: float) -> tuple[MarketOrder, ...]:
        """The sells first, then (once they are done) the buys."""
        if plan.triggered:
            self.last_rebalance = now
        self.rebalancing = bool(plan.orders)
        sells = tuple(order for order in plan.orders if order.side == "sell")
        return sells or tuple(plan.orders)

    def summary(self, plan: RebalancePlan) -> dict[str, Any]:
        return {"weights": plan.weights, "drift": plan.drift, "triggered": plan.triggered}

    def status(self, plan: RebalancePlan) -> dict[str, Any]:
        return {"drift": {k: round(v, 4) for k, v in plan.drift.items()}, "rebalancing": self.rebalancing}
