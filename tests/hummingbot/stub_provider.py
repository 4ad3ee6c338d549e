"""A minimal live-style market data provider for driving controllers tick by tick, offline.

It serves what a bot's MarketDataProvider serves a controller (a candles frame of `max_records`
rows, prices by type, balances, the clock) from in-memory data, so the live code path of a
controller (not the backtester's) runs inside the Hummingbot runtime without a connector.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
from hummingbot.core.data_type.common import PriceType


class StubMarketDataProvider:
    def __init__(
        self,
        candles: pd.DataFrame | None = None,
        *,
        spread: float = 0.0002,
        balances: dict[str, float] | None = None,
        prices: dict[str, float] | None = None,
    ):
        self.candles = candles
        self.end = len(candles) if candles is not None else 0  # candles[:end] have closed
        self.spread = spread  # book: mid = last close, best bid/ask = mid * (1 -+ spread / 2)
        self.balances = dict(balances or {})
        self.prices = dict(prices or {})
        self.rate_sources: list[Any] = []
        self.funding: dict[str, Any] = {}  # trading pair -> Hummingbot FundingInfo (perpetuals)
        self.ready = True
        self._time = float(candles["timestamp"].iloc[-1]) if candles is not None and len(candles) else 0.0

    # --- what controllers call -----------------------------------------------------------------------
    def time(self) -> float:
        return self._time

    def initialize_rate_sources(self, connector_pairs) -> None:
        self.rate_sources.extend(connector_pairs)

    def initialize_candles_feed(self, config) -> None:
        pass

    def get_candles_df(self, connector_name, trading_pair, interval, max_records=500) -> pd.DataFrame:
        start = max(0, self.end - int(max_records))
        return self.candles.iloc[start : self.end]

    def mid(self, trading_pair: str) -> float:
        if trading_pair in self.prices:
            return self.prices[trading_pair]
        return float(self.candles["close"].iloc[self.end - 1])

    def get_price_by_type(self, connector_name, trading_pair, price_type=PriceType.MidPrice) -> Decimal:
        mid = self.mid(trading_pair)
        if price_type == PriceType.BestBid:
            return Decimal(str(mid * (1 - self.spread / 2)))
        if price_type == PriceType.BestAsk:
            return Decimal(str(mid * (1 + self.spread / 2)))
        return Decimal(str(mid))

    def get_balance(self, connector_name, asset) -> Decimal:
        return Decimal(str(self.balances.get(asset, 0.0)))

    def get_available_balance(self, connector_name, asset) -> Decimal:
        return self.get_balance(connector_name, asset)  # no open orders here

    def get_funding_info(self, connector_name, trading_pair):
        """A perpetual's funding info (rate, next_funding_utc_timestamp, mark_price) from `funding`."""
        if trading_pair not in self.funding:
            raise KeyError(trading_pair)  # as a perpetual whose funding info has not loaded yet
        return self.funding[trading_pair]

    def get_trading_rules(self, connector_name, trading_pair):
        raise KeyError(trading_pair)  # as a connector whose trading rules have not loaded yet

    # --- driving it ----------------------------------------------------------------------------------
    def step_to(self, end: int) -> None:
        """Make candles[:end] the closed candles, and the clock the last one's timestamp."""
        self.end = end
        self._time = float(self.candles["timestamp"].iloc[end - 1])


def tick(controller: Any) -> list:
    """One live tick of a controller: its processed data updated, then the actions it decides."""
    import asyncio

    async def run() -> list:
        await controller.update_processed_data()
        return controller.determine_executor_actions()

    return asyncio.run(run())
