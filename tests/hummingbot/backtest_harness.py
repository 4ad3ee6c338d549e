"""Run Hummingbot's own backtesting engine offline, on candles read from a CSV file (test helper).

The engine runner is product code now (`controllers.analysis.engine`); this module keeps the tests'
and benchmarks' original API on top of it: `run_backtest` also takes a CSV path, read leniently by
`load_candles` (sorted, de-duplicated, gaps left as they are), where the product's
`controllers.analysis.candles` rejects such files.

    from backtest_harness import run_backtest
    result = run_backtest(config, "/data/candles/ETH-BTC_5m.csv", interval="5m", fee=0.001)
    result.summary["total_executors"], len(result.executors)
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def _load_engine():
    """The product's engine module. Importing it binds the project's `controllers` package before
    hummingbot puts /home/hummingbot first on sys.path. In a bare bot tree (a test loads the shipped
    files with the repository off the path) `controllers` is the bot's, so load the file directly."""
    try:
        from controllers.analysis import engine
    except ImportError:
        # engine imports the pure fill model by its package name; register that file under it first.
        folder = Path(__file__).resolve().parents[2] / "controllers/analysis"
        for name in ("controllers.analysis.fill_model", "hbot_analysis_engine"):
            path = folder / ("fill_model.py" if name.endswith("fill_model") else "engine.py")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        engine = module
    return engine


engine = _load_engine()
BacktestResult = engine.BacktestResult
OfflineBacktestingDataProvider = engine.OfflineBacktestingDataProvider
OfflineDataError = engine.OfflineDataError
build_config = engine.build_config
default_trading_rule = engine.default_trading_rule
feed_key = engine.feed_key

CANDLE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


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


def _frame(candles: str | Path | pd.DataFrame) -> pd.DataFrame:
    return candles if isinstance(candles, pd.DataFrame) else load_candles(candles)


def run_backtest(
    config: Any,
    candles: str | Path | pd.DataFrame,
    *args: Any,
    extra_candles: Mapping[tuple[str, str, str], str | Path | pd.DataFrame] | None = None,
    **kwargs: Any,
) -> BacktestResult:
    """`controllers.analysis.engine.run_backtest`, accepting CSV paths as well as frames."""
    extra = {key: _frame(value) for key, value in (extra_candles or {}).items()}
    return engine.run_backtest(config, _frame(candles), *args, extra_candles=extra, **kwargs)


__all__ = [
    "CANDLE_COLUMNS",
    "BacktestResult",
    "OfflineBacktestingDataProvider",
    "OfflineDataError",
    "build_config",
    "default_trading_rule",
    "feed_key",
    "load_candles",
    "run_backtest",
]
