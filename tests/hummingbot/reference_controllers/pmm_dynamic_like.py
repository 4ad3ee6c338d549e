"""A yardstick market maker in the style of Hummingbot's pmm_dynamic (written for this project).

Every call to `update_processed_data` recomputes pandas-ta NATR and MACD over the controller's
whole candle frame, as pmm_dynamic-style controllers do on every tick. It is the reference the
project's own controllers are timed against (issue #3: tick cost, backtest rows/s), not a strategy
meant to trade.

Quotes: spreads are measured in units of NATR; the reference price leans with MACD momentum by at
most `max_shift_natr` x NATR.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pandas_ta as ta
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.strategy_v2.controllers.market_making_controller_base import (
    MarketMakingControllerBase,
    MarketMakingControllerConfigBase,
)
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig
from pydantic import Field, ValidationInfo, field_validator


class PMMDynamicLikeConfig(MarketMakingControllerConfigBase):
    controller_name: str = "pmm_dynamic_like"
    candles_config: list[CandlesConfig] = []
    buy_spreads: list[float] = Field(default=[1.0, 2.0, 4.0], json_schema_extra={"is_updatable": True})
    sell_spreads: list[float] = Field(default=[1.0, 2.0, 4.0], json_schema_extra={"is_updatable": True})
    # None: equal amounts per level (the base class fills them in, so validate the default too)
    buy_amounts_pct: list[Decimal] | None = Field(
        default=None, validate_default=True, json_schema_extra={"is_updatable": True}
    )
    sell_amounts_pct: list[Decimal] | None = Field(
        default=None, validate_default=True, json_schema_extra={"is_updatable": True}
    )
    candles_connector: str | None = Field(default=None, validate_default=True)  # None: the trading connector
    candles_trading_pair: str | None = Field(default=None, validate_default=True)  # None: the trading pair
    interval: str = "5m"
    natr_length: int = Field(default=14, gt=1)
    macd_fast: int = Field(default=12, gt=1)
    macd_slow: int = Field(default=26, gt=2)
    macd_signal: int = Field(default=9, gt=1)
    momentum_window: int = Field(default=100, gt=2)
    max_shift_natr: float = Field(default=0.5, ge=0)

    @field_validator("candles_connector", "candles_trading_pair", mode="before")
    @classmethod
    def _default_to_trading_market(cls, value, info: ValidationInfo):
        if value:
            return value
        source = "connector_name" if info.field_name == "candles_connector" else "trading_pair"
        return info.data.get(source)

    @field_validator("macd_slow")
    @classmethod
    def _slow_after_fast(cls, value, info: ValidationInfo):
        if value <= info.data.get("macd_fast", 0):
            raise ValueError("macd_slow must be longer than macd_fast")
        return value

    @property
    def max_records(self) -> int:
        return max(self.natr_length, self.macd_slow + self.macd_signal, self.momentum_window) + 100


class PMMDynamicLikeController(MarketMakingControllerBase):
    def __init__(self, config: PMMDynamicLikeConfig, *args, **kwargs):
        if not config.candles_config:
            config.candles_config = [
                CandlesConfig(
                    connector=config.candles_connector,
                    trading_pair=config.candles_trading_pair,
                    interval=config.interval,
                    max_records=config.max_records,
                )
            ]
        super().__init__(config, *args, **kwargs)
        self.config = config

    def compute_features(self, candles: pd.DataFrame) -> pd.DataFrame:
        """NATR-scaled spreads and a MACD-leaning reference price for every candle of the frame."""
        cfg = self.config
        frame = candles.copy()
        natr = ta.natr(frame["high"], frame["low"], frame["close"], length=cfg.natr_length) / 100
        macd = ta.macd(frame["close"], fast=cfg.macd_fast, slow=cfg.macd_slow, signal=cfg.macd_signal)
        line = macd.filter(regex=r"^MACD_").iloc[:, 0]
        histogram = macd.filter(regex=r"^MACDh_").iloc[:, 0]
        rolling = line.rolling(cfg.momentum_window, min_periods=cfg.macd_slow)
        zscore = (line - rolling.mean()) / rolling.std().replace(0, np.nan)
        momentum = (0.5 * np.tanh(zscore) + 0.5 * np.sign(histogram)).clip(-1, 1)
        frame["spread_multiplier"] = natr
        frame["reference_price"] = frame["close"] * (1 + momentum * natr * cfg.max_shift_natr)
        return frame

    async def update_processed_data(self):
        candles = self.market_data_provider.get_candles_df(
            connector_name=self.config.candles_connector,
            trading_pair=self.config.candles_trading_pair,
            interval=self.config.interval,
            max_records=self.config.max_records,
        )
        features = self.compute_features(candles)
        last = features.dropna(subset=["reference_price", "spread_multiplier"]).tail(1)
        if last.empty:  # not enough candles yet: quote nothing rather than guess
            self.processed_data = {"features": features}
            return
        self.processed_data = {
            "reference_price": Decimal(str(last["reference_price"].iloc[0])),
            "spread_multiplier": Decimal(str(last["spread_multiplier"].iloc[0])),
            "features": features,
        }

    def get_executor_config(self, level_id: str, price: Decimal, amount: Decimal):
        return PositionExecutorConfig(
            timestamp=self.market_data_provider.time(),
            level_id=level_id,
            connector_name=self.config.connector_name,
            trading_pair=self.config.trading_pair,
            entry_price=price,
            amount=amount,
            triple_barrier_config=self.config.triple_barrier_config,
            leverage=self.config.leverage,
            side=self.get_trade_type_from_level_id(level_id),
        )


def yardstick_config(
    connector: str = "binance", trading_pair: str = "ETH-BTC", interval: str = "5m", **overrides
) -> PMMDynamicLikeConfig:
    """The configuration the tests and benchmarks time: spot, one unit of quote, Hummingbot's
    market-making defaults otherwise. Position rebalancing is off because the backtester cannot
    simulate the order executor it would create."""
    values = {
        "connector_name": connector,
        "trading_pair": trading_pair,
        "interval": interval,
        "total_amount_quote": Decimal("1"),
        "leverage": 1,
        "skip_rebalance": True,
    }
    values.update(overrides)
    return PMMDynamicLikeConfig(**values)
