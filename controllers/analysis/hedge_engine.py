"""The two-market backtest: a spot market maker's quotes on spot candles, its hedge on perp candles.

Hummingbot 2.12's BacktestingEngineBase steps one connector and one pair. `HedgedBacktestingEngine`
extends the project's RecordingBacktestingEngine (itself Hummingbot's engine) for `hedged_mm`:

* the spot side is untouched: the same bars, the same position simulator (conservative or Hummingbot's),
  the same records, so the quoting is simulated exactly as the unhedged flagship's;
* the perp candles are aligned to the spot bars (a perp file must have a bar at every spot bar) and, at
  each bar, give the controller the perp's price (the provider's prices, which read_perp asks for), its
  funding info (HedgedDataProvider.get_funding_info: the stated rate, the next funding timestamp and the
  perp close as the mark) and its position (Hummingbot's PositionSummary in `positions_held`, where the
  live executor orchestrator puts filled OrderExecutors);
* the controller's hedge orders (OrderExecutors on the hedge connector and pair) are filled on the perp
  bars by the project's OrderExecutorSimulator under the run's fill model (conservative: a market order
  at the next perp bar's open moved by the slippage; Hummingbot's: at the pricing bar's perp close), at
  the perp's own maker/taker rates (perp.PerpTerms);
* funding is charged at each funding timestamp a bar crosses, on the position held before it (perp.py);
* each bar's recorded PnL is the spot's plus the hedge's equity (PnL less funding). Spot fills stay in
  the fill ledger (the market-making metrics); the hedge's go to extras["hedge_fills"], and one row per
  tick of what the controller decided to extras["hedge"].

Imports Hummingbot: runtime image only. The charges themselves are pure (perp.py).
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from hummingbot.core.data_type.common import TradeType
from hummingbot.core.data_type.funding_info import FundingInfo
from hummingbot.strategy_v2.executors.data_types import PositionSummary
from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy, OrderExecutorConfig

from controllers.analysis.engine import (
    EngineRun,
    OfflineBacktestingDataProvider,
    OfflineDataError,
    OrderExecutorSimulation,
    OrderExecutorSimulator,
    RecordingBacktestingEngine,
    UnsupportedExecutorError,
    candles_frame,
    run_config,
)
from controllers.analysis.fill_model import BUY, SELL, FillTerms, price_increment
from controllers.analysis.perp import PerpAccount, PerpTerms, funding_times, next_funding

if TYPE_CHECKING:
    from controllers.analysis.candles import Candles

# One row per tick, what the controller saw and decided (its hedge_decision), after the tick's spot
# fills and before its hedge orders fill: `position_base` is the perp position it saw, `orders` how many
# hedge orders it sent. pnl/fees/funding are the hedge's so far, marked at the tick's perp close.
HEDGE_COLUMNS = (
    "timestamp",
    "perp_close",
    "spot_inventory_base",
    "position_base",
    "target_base",
    "net_delta_base",
    "orders",
    "reason",
    "hedge_pnl_quote",
    "hedge_fees_quote",
    "funding_quote",
)
HEDGE_FILL_COLUMNS = ("executor_id", "timestamp", "side", "amount", "price", "fee_quote", "perp_close")


class HedgedDataProvider(OfflineBacktestingDataProvider):
    """The offline provider, plus the perp's funding info as a connector reports it."""

    def __init__(self, hedge_connector: str, hedge_pair: str) -> None:
        super().__init__()
        self.hedge_market = (hedge_connector, hedge_pair)
        self.funding_info: FundingInfo | None = None  # set by the engine at every bar

    def get_funding_info(self, connector_name: str, trading_pair: str) -> FundingInfo:
        if (connector_name, trading_pair) != self.hedge_market or self.funding_info is None:
            raise OfflineDataError(f"no funding seeded for {connector_name} {trading_pair}")
        return self.funding_info


class HedgedBacktestingEngine(RecordingBacktestingEngine):
    """RecordingBacktestingEngine with a perp market beside the spot one (see the module docstring)."""

    def __init__(
        self,
        progress: Any,
        fill: FillTerms | None,
        *,
        hedge_connector: str,
        hedge_pair: str,
        perp_candles: pd.DataFrame,
        terms: PerpTerms,
    ) -> None:
        super().__init__(progress, fill)
        if self.decisions != "close":
            raise UnsupportedExecutorError(
                f"decisions: {self.decisions!r} is not simulated for a hedged market maker (its perp's bars"
                " are stepped with the spot's, once a bar); run it with decisions 'close'"
            )
        self.hedge_market = (hedge_connector, hedge_pair)
        self.perp_candles = perp_candles
        self.terms = terms
        perp_fill = None
        if fill is not None:  # the same model and slippage; the perp's own rates and price increment
            prices = perp_candles[["open", "high", "low", "close"]].to_numpy().ravel().tolist()
            perp_fill = replace(
                fill, maker_fee=terms.maker_fee, taker_fee=terms.taker_fee, tick=price_increment(prices)
            )
        self.perp_fill = perp_fill
        self.perp_simulator = OrderExecutorSimulator(perp_fill)
        self.perp = PerpAccount()
        self.perp_frame: pd.DataFrame | None = None  # the perp bars at the spot bars' index
        self.hedge_records: list[tuple] = []
        self.hedge_fill_rows: list[dict[str, Any]] = []
        self.hedge_ids: set[str] = set()
        self._last: tuple[float, float] | None = None  # (timestamp, perp close) of the last bar stepped

    def is_hedge(self, config: Any) -> bool:
        return (
            isinstance(config, OrderExecutorConfig)
            and (config.connector_name, config.trading_pair) == self.hedge_market
        )

    def prepare_market_data(self) -> pd.DataFrame:
        features = super().prepare_market_data()
        perp = self.perp_candles.drop_duplicates("timestamp").set_index("timestamp")
        aligned = perp.reindex(features["timestamp"].to_numpy())
        missing = aligned["close"].isna().to_numpy()
        if missing.any():
            first = float(features["timestamp"].to_numpy()[missing][0])
            raise OfflineDataError(
                f"hedge_candles: no perp bar at {int(missing.sum())} of the {len(features)} spot bars (the"
                f" first at {first:.0f}); the perp file must have a bar at every spot bar"
            )
        aligned.index = features.index
        aligned["timestamp"] = features["timestamp"].to_numpy()
        self.perp_frame = aligned
        return features

    async def simulate_execution(self, trade_cost: float) -> list:
        executors = await super().simulate_execution(trade_cost)
        if self._last is not None:
            self._record_hedge()  # the last tick's decision
        return executors

    async def update_state(self, row) -> None:
        now = float(row["timestamp"])
        if self._last is not None:
            self._record_hedge()  # the tick before this bar: its decision, before its orders fill
            last_time, last_close = self._last
            # on the position held before the funding timestamp, marked at the last close before it
            for _ in funding_times(last_time, now, self.terms.funding_period):
                self.perp.charge_funding(last_close, self.terms.funding_rate)
        await super().update_state(row)  # books this bar's hedge fills (_hold) and records the spot
        perp_close = float(self.perp_frame.at[row.name, "close"])
        price = Decimal(repr(perp_close))
        provider = self.controller.market_data_provider
        # after Hummingbot's update_state, which replaces the prices with the spot close alone
        provider.prices[f"{self.hedge_market[0]}_{self.hedge_market[1]}"] = price
        provider.funding_info = FundingInfo(
            trading_pair=self.hedge_market[1],
            index_price=price,
            mark_price=price,
            next_funding_utc_timestamp=int(next_funding(now, self.terms.funding_period)),
            rate=Decimal(repr(self.terms.funding_rate)),
        )
        # the spot's held base (the engine's, when it holds any) and the perp position
        spot = self.held_positions(float(row["close_bt"])) if self.held_fills else []
        self.controller.positions_held = [*spot, *self._positions_held()]
        timestamp, close, pnl, inventory, buys, sells = self.records[-1]
        self.records[-1] = (timestamp, close, pnl + self.perp.equity(perp_close), inventory, buys, sells)
        self._last = (now, perp_close)

    def _positions_held(self) -> list[PositionSummary]:
        """The perp position as Hummingbot's executor orchestrator reports it to a controller."""
        account = self.perp
        if account.position_base == 0:
            return []
        return [
            PositionSummary(
                connector_name=self.hedge_market[0],
                trading_pair=self.hedge_market[1],
                volume_traded_quote=Decimal(repr(account.volume_quote)),
                side=TradeType.BUY if account.position_base > 0 else TradeType.SELL,
                amount=Decimal(repr(abs(account.position_base))),
                breakeven_price=Decimal(repr(account.entry_price)),
                unrealized_pnl_quote=Decimal(0),
                realized_pnl_quote=Decimal(repr(account.realised_quote)),
                cum_fees_quote=Decimal(repr(account.fees_quote)),
            )
        ]

    def _record_hedge(self) -> None:
        decision = getattr(self.controller, "hedge_decision", None)
        timestamp, perp_close = self._last
        figures = (
            (decision.spot_inventory_base, decision.position_base, decision.target_base)
            if decision
            else (math.nan, self.perp.position_base, math.nan)
        )
        self.hedge_records.append(
            (
                timestamp,
                perp_close,
                *figures,
                decision.net_delta_base if decision else math.nan,
                len(decision.orders) if decision else 0,
                decision.reason if decision else "no decision",
                self.perp.pnl(perp_close),
                self.perp.fees_quote,
                self.perp.funding_quote,
            )
        )

    def simulate_executor(self, config, df: pd.DataFrame, trade_cost: float):
        """Hedge orders on the perp bars, at the perp's rates (Hummingbot's model: its one flat rate is
        the perp's taker rate for a market order, its maker rate otherwise); everything else as before."""
        if not self.is_hedge(config):
            return super().simulate_executor(config, df, trade_cost)
        rate = self.terms.fee_rate(config.execution_strategy == ExecutionStrategy.MARKET)
        simulation = self.perp_simulator.simulate(self.perp_frame.loc[df.index[0] :], config, rate)
        self.simulations[config.id] = simulation
        self.hedge_ids.add(config.id)
        return simulation

    def _hold(self, simulation: OrderExecutorSimulation) -> None:
        if not self.is_hedge(simulation.config):
            super()._hold(simulation)
            return
        config = simulation.config
        side = BUY if config.side == TradeType.BUY else SELL
        amount = float(config.amount)
        self.perp.fill(side * amount, simulation.fill_price, simulation.fee_quote)
        self.hedge_fill_rows.append(
            {
                "executor_id": config.id,
                "timestamp": simulation.fill_timestamp,
                "side": side,
                "amount": amount,
                "price": simulation.fill_price,
                "fee_quote": simulation.fee_quote,
                "perp_close": float(simulation.executor_simulation["close"].iloc[-1]),
            }
        )

    def fill_ledger(self, executors: list[Any]) -> list[dict[str, Any]]:
        """The spot fills only: the market-making metrics read this ledger against spot closes."""
        return [row for row in super().fill_ledger(executors) if row["executor_id"] not in self.hedge_ids]

    def extras(self) -> dict[str, Any]:
        last_close = self._last[1] if self._last else math.nan
        return {
            "hedge": pd.DataFrame(self.hedge_records, columns=list(HEDGE_COLUMNS)),
            "hedge_fills": pd.DataFrame(self.hedge_fill_rows, columns=list(HEDGE_FILL_COLUMNS)),
            "hedge_summary": {
                "hedge_connector": self.hedge_market[0],
                "hedge_pair": self.hedge_market[1],
                "terms": self.terms.summary(),
                "fill": None if self.perp_fill is None else self.perp_fill.summary(),
                "fills": self.perp.fills,
                "volume_quote": self.perp.volume_quote,
                "fees_quote": self.perp.fees_quote,
                "funding_quote": self.perp.funding_quote,
                "funding_payments": self.perp.payments,
                "position_base": self.perp.position_base,
                "pnl_quote": self.perp.pnl(last_close),
                "equity_quote": self.perp.equity(last_close),
            },
        }


def run_hedged_config(
    config: dict[str, Any],
    candles: Candles | pd.DataFrame,
    perp_candles: Candles | pd.DataFrame,
    *,
    terms: PerpTerms,
    **options: Any,
) -> EngineRun:
    """engine.run_config (`options`: fee, warmup_bars, interval, progress, registry, fill) for a hedged
    config (hedge_connector_name, hedge_trading_pair): the spot candles as ever, the perp candles seeded
    under the hedge market and stepped beside them. EngineRun.extras holds "hedge" (HEDGE_COLUMNS),
    "hedge_fills" (HEDGE_FILL_COLUMNS) and "hedge_summary"."""
    connector, pair = str(config["hedge_connector_name"]), str(config["hedge_trading_pair"])
    perp = candles_frame(perp_candles)
    interval = options.pop("interval", None) or getattr(candles, "interval", None) or str(config["interval"])
    engine_factory = partial(
        HedgedBacktestingEngine, hedge_connector=connector, hedge_pair=pair, perp_candles=perp, terms=terms
    )
    return run_config(
        config,
        candles,
        interval=interval,
        engine_factory=engine_factory,
        provider=HedgedDataProvider(connector, pair),
        extra_candles={(connector, pair, interval): perp},
        **options,
    )


__all__ = [
    "HEDGE_COLUMNS",
    "HEDGE_FILL_COLUMNS",
    "HedgedBacktestingEngine",
    "HedgedDataProvider",
    "run_hedged_config",
]
