"""Run the project's controllers through Hummingbot's backtesting engine, in parallel, offline.

Runs inside the Hummingbot runtime image. Used by tests/hummingbot/test_controllers.py (session
fixture: each (controller, market) backtest runs once and several tests assert on it) and by the
scripts in tests/bench/. A run returns a `RunResult` of plain frames, so it can cross process
boundaries; the engine and controller objects stay in the worker.

    from controller_runs import Case, run_cases
    results = run_cases([Case("inventory_mm", "/data/candles/ETH-BTC_5m.csv")], workers=2)
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import backtest_harness  # binds the project's `controllers` package before hummingbot is imported
import pandas as pd
from backtest_harness import load_candles, run_backtest

from controllers.shared_base.params import MarketMakingParams

CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))
REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PLUGIN_CONTROLLER = REPO_ROOT / "tests/example_plugin/hbot_example_strategy/wide_spread_mm.py"

# controller name -> module Hummingbot would import it from
CONTROLLER_MODULES = {
    "inventory_mm": "controllers.market_making.inventory_mm",
    "hedged_mm": "controllers.market_making.hedged_mm",  # live-path tests only (test_hedged_mm.py)
    "pmm_rsi_llm": "controllers.market_making.pmm_rsi_llm",
    "fixed_spread": "controllers.market_making.fixed_spread",
    "regime_trend": "controllers.directional_trading.regime_trend",
    "wide_spread_mm": "controllers.market_making.wide_spread_mm",
}


@dataclass(frozen=True)
class Market:
    """What a candles file name says: `<BASE>-<QUOTE>[-PERP]_<interval>.csv`."""

    path: Path
    connector: str
    trading_pair: str
    interval: str

    @property
    def name(self) -> str:
        return self.path.stem

    @classmethod
    def from_path(cls, path: str | Path) -> Market:
        path = Path(path)
        symbol, _, interval = path.stem.rpartition("_")
        perpetual = symbol.endswith("-PERP")
        pair = symbol.removesuffix("-PERP")
        return cls(path, "binance_perpetual" if perpetual else "binance", pair, interval)


def candle_files(directory: Path = CANDLES_DIR) -> list[Path]:
    return sorted(directory.glob("*.csv"))


@dataclass(frozen=True)
class Case:
    """One backtest: a controller with config overrides on (a window of) one candles file."""

    controller: str
    candles: str  # path
    overrides: tuple[tuple[str, Any], ...] = ()
    rows: int | None = None  # None: the whole file; else the most volatile `rows`-bar window
    fee: float = 0.001
    label: str = ""

    @property
    def market(self) -> Market:
        return Market.from_path(self.candles)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.controller, self.market.name, self.label)


@dataclass
class RunResult:
    case: Case
    rows: int
    wall_seconds: float
    summary: dict[str, Any]
    executors: pd.DataFrame  # one row per executor, see controllers.analysis.engine.executors_table()
    trace: pd.DataFrame  # the adapter's per-tick record (market makers), else empty
    features: pd.DataFrame  # timestamp, reference_price (and signal for directional)
    params: dict[str, Any] = field(default_factory=dict)  # resolved limits: floor, max inventory, ...
    candles: pd.DataFrame | None = None


def most_volatile_window(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The `rows`-bar stretch with the widest high/low range relative to its price: the window where
    inventory is most likely to run against a market maker. Whole frame if it is not longer."""
    if rows >= len(frame):
        return frame.reset_index(drop=True)
    log_high = frame["high"].apply(math.log)
    log_low = frame["low"].apply(math.log)
    span = log_high.rolling(rows).max() - log_low.rolling(rows).min()
    end = int(span.idxmax())
    return frame.iloc[end - rows + 1 : end + 1].reset_index(drop=True)


def load_example_plugin() -> None:
    """Import the example plugin's controller file as a bot would ship it: under
    controllers/market_making/, importing only controllers.shared_base."""
    name = CONTROLLER_MODULES["wide_spread_mm"]
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, EXAMPLE_PLUGIN_CONTROLLER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def config_class(controller: str) -> type:
    if controller == "wide_spread_mm":
        load_example_plugin()
    return backtest_harness.engine.config_class_in(importlib.import_module(CONTROLLER_MODULES[controller]))


def build_config(case: Case) -> Any:
    market = case.market
    values: dict[str, Any] = {
        "connector_name": market.connector,
        "trading_pair": market.trading_pair,
        "interval": market.interval,
        "total_amount_quote": 1000,
        "fee_maker": case.fee,
        "fee_taker": case.fee,
    }
    cls = config_class(case.controller)
    if "skip_rebalance" in cls.model_fields:
        # Hummingbot's spot position rebalance is a market OrderExecutor the backtester cannot simulate
        values["skip_rebalance"] = True
    values.update(dict(case.overrides))
    return cls(**values)


def run_case(case: Case) -> RunResult:
    frame = load_candles(case.candles)
    if case.rows is not None:
        frame = most_volatile_window(frame, case.rows)
    config = build_config(case)
    market = case.market
    result = run_backtest(config, frame, interval=market.interval, fee=case.fee)
    controller = result.engine.controller
    features = result.features
    keep = [c for c in ("timestamp", "reference_price", "signal", "ready", "close") if c in features.columns]
    trace = controller.trace_frame() if hasattr(controller, "trace_frame") else pd.DataFrame()
    params: dict[str, Any] = {"total_amount_quote": float(config.total_amount_quote)}
    strategy = getattr(controller, "strategy", None)
    if isinstance(getattr(strategy, "params", None), MarketMakingParams):  # market makers only
        params.update(
            spread_floor=strategy.params.spread_floor,
            max_inventory_quote=strategy.params.max_inventory_quote,
            level_weights_buy=strategy.params.level_weights("buy"),
            level_weights_sell=strategy.params.level_weights("sell"),
        )
    return RunResult(
        case=case,
        rows=len(frame),
        wall_seconds=result.wall_seconds,
        summary=result.summary,
        executors=backtest_harness.engine.executors_table(result.executors),
        trace=trace,
        features=features[keep].reset_index(drop=True),
        params=params,
        candles=frame,
    )


def _worker_init() -> None:
    import warnings

    warnings.filterwarnings("ignore")


def run_cases(cases: list[Case], workers: int | None = None) -> dict[tuple[str, str, str], RunResult]:
    """Run every case once, longest first, in up to `workers` processes (default: the CPU count)."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(cases) or 1))
    ordered = sorted(cases, key=lambda c: -(c.rows or 10**9))
    if workers == 1:
        return {case.key: run_case(case) for case in ordered}
    # fork: the workers inherit the imported runtime (hummingbot takes seconds to import)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
        results = list(pool.map(run_case, ordered))
    return {result.case.key: result for result in results}


__all__ = [
    "CONTROLLER_MODULES",
    "Case",
    "Market",
    "RunResult",
    "backtest_harness",
    "build_config",
    "candle_files",
    "config_class",
    "most_volatile_window",
    "run_case",
    "run_cases",
]
