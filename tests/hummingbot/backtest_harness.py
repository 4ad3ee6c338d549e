"""Run Hummingbot's own backtesting engine offline, on candles read from a CSV file.

This module runs inside the Hummingbot runtime image (tests/sandbox/images/hummingbot), where
`hummingbot` is importable; the operator side never imports it.

`BacktestingEngineBase.run_backtesting` normally downloads candles and trading rules from the
exchange. Here the engine's data provider is replaced by `OfflineBacktestingDataProvider`, which is
pre-seeded with the candles (`candles_feeds["<connector>_<pair>_<interval>"]`) and a `TradingRule`
(`trading_rules[connector][pair]`), and which raises instead of touching the network when the engine
asks for anything that was not seeded. Everything else - the controller, the executor simulators,
the summary - is Hummingbot's code, unchanged.

    from backtest_harness import run_backtest
    result = run_backtest(config, "/data/candles/ETH-BTC_5m.csv", interval="5m", fee=0.001)
    result.summary["total_executors"], len(result.executors)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

# Importing hummingbot puts /home/hummingbot (the bot tree, with its own, empty `controllers`
# package) first on sys.path. Bind `controllers` to the project's package before that happens, so
# `controllers.<type>.<name>` resolves to the repository's controllers, as it does in a bot where
# they are shipped into /home/hummingbot/controllers.
with contextlib.suppress(ImportError):  # the harness also runs the reference controllers alone
    import controllers  # noqa: F401
from hummingbot.connector.trading_rule import TradingRule
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.strategy_v2.backtesting.backtesting_data_provider import BacktestingDataProvider
from hummingbot.strategy_v2.backtesting.backtesting_engine_base import BacktestingEngineBase
from hummingbot.strategy_v2.controllers.controller_base import ControllerConfigBase

CANDLE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


class OfflineDataError(RuntimeError):
    """The engine asked for market data that was not seeded; it would have gone to the network."""


def feed_key(connector: str, trading_pair: str, interval: str) -> str:
    """The key under which Hummingbot's data provider stores a candle feed."""
    return f"{connector}_{trading_pair}_{interval}"


def load_candles(path: str | Path) -> pd.DataFrame:
    """Read a candles CSV (timestamp in epoch seconds, open, high, low, close, volume).

    Returns the frame Hummingbot's candle feeds produce: float columns, timestamps in seconds,
    sorted, without duplicates. Only the six columns the file has; none are invented.
    """
    frame = pd.read_csv(path)
    missing = [c for c in CANDLE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing candle columns {missing}")
    frame = frame[list(CANDLE_COLUMNS)].astype("float64")
    if frame["timestamp"].max() > 1e11:  # milliseconds, not seconds
        raise ValueError(f"{path}: timestamps look like milliseconds; expected epoch seconds")
    frame = frame.drop_duplicates("timestamp").sort_values("timestamp").reset_index(drop=True)
    if frame[list(CANDLE_COLUMNS)].isna().any().any():
        raise ValueError(f"{path}: candles contain empty values")
    return frame


def default_trading_rule(trading_pair: str) -> TradingRule:
    """A permissive rule: no minimum size or notional, increments far below any real tick."""
    tiny = Decimal("1e-12")
    return TradingRule(
        trading_pair=trading_pair,
        min_order_size=Decimal(0),
        min_price_increment=tiny,
        min_base_amount_increment=tiny,
        min_quote_amount_increment=tiny,
        min_notional_size=Decimal(0),
        min_order_value=Decimal(0),
    )


class OfflineBacktestingDataProvider(BacktestingDataProvider):
    """Hummingbot's backtesting data provider that only ever serves what was seeded into it."""

    def __init__(self) -> None:
        super().__init__(connectors={})
        self.rate_sources: list[Any] = []

    def initialize_rate_sources(self, connector_pairs) -> None:
        # The live provider starts a task polling the rate oracle over the network; a backtest
        # prices everything from the candles, so only remember what was asked for.
        self.rate_sources.extend(connector_pairs)

    async def initialize_trading_rules(self, connector_name: str) -> None:
        if not self.trading_rules.get(connector_name):
            raise OfflineDataError(f"no trading rules seeded for connector {connector_name!r}")

    async def get_candles_feed(self, config: CandlesConfig) -> pd.DataFrame:
        key = self._generate_candle_feed_key(config)
        feed = self.candles_feeds.get(key)
        if feed is None or feed.empty:
            raise OfflineDataError(f"no candles seeded for {key!r} (seeded: {sorted(self.candles_feeds)})")
        if feed["timestamp"].min() > self.start_time or feed["timestamp"].max() < self.end_time:
            raise OfflineDataError(f"candles for {key!r} do not cover {self.start_time}..{self.end_time}")
        return feed

    def seed(
        self,
        connector: str,
        trading_pair: str,
        interval: str,
        candles: pd.DataFrame,
        trading_rule: TradingRule | None = None,
    ) -> None:
        self.candles_feeds[feed_key(connector, trading_pair, interval)] = candles
        rules = self.trading_rules.setdefault(connector, {})
        rules[trading_pair] = trading_rule or rules.get(trading_pair) or default_trading_rule(trading_pair)


@dataclass
class BacktestResult:
    """What `BacktestingEngineBase.run_backtesting` returned, plus how the run went."""

    executors: list[Any]  # hummingbot ExecutorInfo objects
    summary: dict[str, Any]  # the engine's summarize_results()
    processed_data: dict[str, Any]  # the controller's processed_data; "features" is the frame it ran over
    candles: pd.DataFrame  # the backtest candles as seeded
    start: int
    end: int
    wall_seconds: float
    engine: BacktestingEngineBase = field(repr=False)

    @property
    def features(self) -> pd.DataFrame:
        return self.processed_data["features"]

    def executors_frame(self) -> pd.DataFrame:
        return pd.DataFrame([info.to_dict() for info in self.executors])


def build_config(
    config: ControllerConfigBase | Mapping[str, Any],
    config_class: type[ControllerConfigBase] | None = None,
    connector: str | None = None,
    trading_pair: str | None = None,
) -> ControllerConfigBase:
    """A controller config object from an object or from a dict plus its config class."""
    if isinstance(config, ControllerConfigBase):
        for name, wanted in (("connector_name", connector), ("trading_pair", trading_pair)):
            if wanted is not None and getattr(config, name, wanted) != wanted:
                raise ValueError(f"config.{name} is {getattr(config, name)!r}, but {wanted!r} was asked for")
        return config
    if config_class is None:
        raise TypeError("a config dict needs its config_class")
    data = dict(config)
    if connector is not None:
        data["connector_name"] = connector
    if trading_pair is not None:
        data["trading_pair"] = trading_pair
    return config_class(**data)


def _candle_configs(config: ControllerConfigBase) -> list[CandlesConfig]:
    return list(getattr(config, "candles_config", None) or [])


async def run_backtest_async(
    config: ControllerConfigBase | Mapping[str, Any],
    candles: str | Path | pd.DataFrame,
    *,
    config_class: type[ControllerConfigBase] | None = None,
    connector: str | None = None,
    trading_pair: str | None = None,
    interval: str = "1m",
    fee: float = 0.0006,
    trading_rule: TradingRule | None = None,
    extra_candles: Mapping[tuple[str, str, str], str | Path | pd.DataFrame] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> BacktestResult:
    """Run `BacktestingEngineBase.run_backtesting` offline and return its results.

    config        a controller config object, or a dict with `config_class`
    candles       CSV path or frame for (connector, trading_pair, interval); the engine steps over it
    connector,    default to the config's connector_name / trading_pair (a dict config gets them set)
    trading_pair
    interval      the candles' interval; also the engine's backtesting resolution
    fee           the engine's trade_cost, a fraction per fill (0.001 = 10 bps)
    trading_rule  the connector's rule for the pair; a permissive one by default
    extra_candles more feeds the controller's candles_config needs, keyed (connector, pair, interval);
                  a candles_config entry equal to the main feed is served from it
    start, end    epoch seconds; the whole file by default
    """
    controller_config = build_config(config, config_class, connector, trading_pair)
    connector = controller_config.connector_name
    trading_pair = controller_config.trading_pair
    frame = candles if isinstance(candles, pd.DataFrame) else load_candles(candles)
    start = int(frame["timestamp"].iloc[0]) if start is None else int(start)
    end = int(frame["timestamp"].iloc[-1]) if end is None else int(end)

    engine = BacktestingEngineBase()
    provider = OfflineBacktestingDataProvider()
    engine.backtesting_data_provider = provider
    provider.seed(connector, trading_pair, interval, frame, trading_rule)
    for (feed_connector, feed_pair, feed_interval), feed in (extra_candles or {}).items():
        feed_frame = feed if isinstance(feed, pd.DataFrame) else load_candles(feed)
        provider.seed(feed_connector, feed_pair, feed_interval, feed_frame)
    for candles_config in _candle_configs(controller_config):
        key = feed_key(candles_config.connector, candles_config.trading_pair, candles_config.interval)
        if key not in provider.candles_feeds:
            raise OfflineDataError(f"the controller's candles_config needs {key!r}; pass it in extra_candles")

    # The engine caches controller classes by controller_name for the whole process; run this
    # config's own class even when another one with the same name ran before.
    class_cache = getattr(BacktestingEngineBase, "_BacktestingEngineBase__controller_class_cache", None)
    if class_cache is not None:
        class_cache[controller_config.controller_name] = controller_config.get_controller_class()

    started = time.perf_counter()
    raw = await engine.run_backtesting(
        controller_config, start, end, backtesting_resolution=interval, trade_cost=fee
    )
    wall = time.perf_counter() - started
    return BacktestResult(
        executors=list(raw["executors"]),
        summary=raw["results"],
        processed_data=raw["processed_data"],
        candles=frame,
        start=start,
        end=end,
        wall_seconds=wall,
        engine=engine,
    )


def run_backtest(*args: Any, **kwargs: Any) -> BacktestResult:
    """Synchronous `run_backtest_async`, in a fresh event loop."""
    return asyncio.run(run_backtest_async(*args, **kwargs))
