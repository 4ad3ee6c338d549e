"""Run the pmm_dynamic-style yardstick through Hummingbot's backtesting engine, offline.

Runs inside the Hummingbot runtime image:

    tests/hummingbot/run_in_runtime.sh python tests/hummingbot/prove_backtest.py
    tests/hummingbot/run_in_runtime.sh python tests/hummingbot/prove_backtest.py \
        --candles /data/candles/LTC-BTC_5m.csv --trading-pair LTC-BTC

Prints one JSON object: rows, wall time, rows/s, executors and the engine's summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from backtest_harness import run_backtest
from reference_controllers.pmm_dynamic_like import yardstick_config

CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candles", type=Path, default=CANDLES_DIR / "ETH-BTC_5m.csv")
    parser.add_argument("--connector", default="binance")
    parser.add_argument("--trading-pair", default="ETH-BTC")
    parser.add_argument("--interval", default="5m")
    parser.add_argument("--fee", type=float, default=0.001, help="per fill, as a fraction")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    config = yardstick_config(args.connector, args.trading_pair, args.interval)
    result = run_backtest(config, args.candles, interval=args.interval, fee=args.fee)
    total = time.perf_counter() - started
    rows = len(result.candles)
    report = {
        "candles": str(args.candles),
        "rows": rows,
        "rows_stepped": len(result.features),
        "engine_seconds": round(result.wall_seconds, 2),
        "total_seconds": round(total, 2),
        "rows_per_second": round(rows / result.wall_seconds, 1),
        "executors": len(result.executors),
        "summary": result.summary,
    }
    json.dump(report, sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
