"""What each fill model's position simulator costs per executor, in a real backtest (issue #15, item 7).
Not a test: it prints figures and writes docs/bench-fill-models.{md,json}.

    python3 tests/bench/bench_fill_models.py          # on the host: runs in the runtime image

Each controller runs over the same candles in Hummingbot's BacktestingEngineBase under Hummingbot's
own PositionExecutorSimulator and under the project's ConservativePositionSimulator, in rounds whose
order alternates. Every `simulate()` call is timed where the engine makes it (the classes' method is
wrapped in this process only), so the figure is the simulator's own cost per executor, apart from the
controller's tick and the engine's bookkeeping, which both models share. Goal: <= 1 ms per executor
for the project's simulator, and the whole backtest no slower than under Hummingbot's model.

Options: --candles PATH (default ETH-BTC_5m.csv)  --rows N (default: whole file)  --rounds N (3)
         --no-write
"""

from __future__ import annotations

import argparse
import functools
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hbot_runtime import fmt, reexec_in_runtime, write_outputs  # noqa: E402

reexec_in_runtime(__file__)

from hummingbot.strategy_v2.backtesting.executors_simulator.position_executor_simulator import (  # noqa: E402
    PositionExecutorSimulator,
)

from controllers.analysis.candles import load_candles  # noqa: E402
from controllers.analysis.engine import ConservativePositionSimulator, run_config  # noqa: E402
from controllers.analysis.fill_model import fill_terms  # noqa: E402
from controllers.plugin_system.registry import load_registry  # noqa: E402

CONTROLLERS = ["inventory_mm", "pmm_rsi_llm", "fixed_spread"]
MODELS = ("hummingbot", "conservative", "conservative-path")  # the last: --decisions path, the default
GOAL_MS = 1.0
COMMAND = "python3 tests/bench/bench_fill_models.py"
SPENT: dict[str, list[float]] = {"seconds": [0.0], "calls": [0]}


def timed(simulate):
    """The simulator's method, adding its own time to SPENT (one process, one backtest at a time)."""

    @functools.wraps(simulate)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return simulate(*args, **kwargs)
        finally:
            SPENT["seconds"][0] += time.perf_counter() - started
            SPENT["calls"][0] += 1

    return wrapper


# Hummingbot's class first: the project's subclass's method is its own and is wrapped separately.
PositionExecutorSimulator.simulate = timed(PositionExecutorSimulator.simulate)
ConservativePositionSimulator.simulate = timed(ConservativePositionSimulator.simulate)


def one_run(controller: str, model: str, candles, market: dict) -> dict:
    SPENT["seconds"][0], SPENT["calls"][0] = 0.0, 0
    decisions = "path" if model == "conservative-path" else "close"
    fill = None if model == "hummingbot" else fill_terms(market["connector_name"], decisions=decisions)
    checked = load_registry().check({**market, "controller_name": controller})
    run = run_config(checked.config, candles, fee=0.001, warmup_bars=checked.warmup_bars, fill=fill)
    return {"wall": run.wall_seconds, "simulator": SPENT["seconds"][0], "executors": SPENT["calls"][0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=Path, default=Path("/data/candles/ETH-BTC_5m.csv"))
    parser.add_argument("--rows", type=int)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    candles = load_candles(args.candles)
    if args.rows:
        candles = candles.take(0, min(args.rows, candles.rows))
    symbol = args.candles.stem.rpartition("_")[0]
    market = {
        "connector_name": "binance_perpetual" if symbol.endswith("-PERP") else "binance",
        "trading_pair": symbol.removesuffix("-PERP"),
        "interval": candles.interval,
    }
    runs: dict[tuple[str, str], list[dict]] = {}
    for round_ in range(args.rounds):
        for controller in CONTROLLERS:
            order = MODELS if round_ % 2 == 0 else MODELS[::-1]
            for model in order:
                runs.setdefault((controller, model), []).append(one_run(controller, model, candles, market))
                print(controller, model, runs[(controller, model)][-1], file=sys.stderr)
    rows = []
    for (controller, model), results in runs.items():
        per_executor = [1000 * r["simulator"] / r["executors"] for r in results if r["executors"]]
        rows.append(
            {
                "controller": controller,
                "model": model,
                "executors": results[0]["executors"],
                "simulator_ms_per_executor": statistics.median(per_executor) if per_executor else None,
                "backtest_seconds": statistics.median(r["wall"] for r in results),
                "simulator_share": statistics.median(r["simulator"] / r["wall"] for r in results),
            }
        )
    for row in rows:
        other = next(r for r in rows if r["controller"] == row["controller"] and r["model"] == "hummingbot")
        row["backtest_vs_hummingbot"] = row["backtest_seconds"] / other["backtest_seconds"]
        row["goal_met"] = (
            "-"
            if row["model"] == "hummingbot"
            else "yes"
            if (row["simulator_ms_per_executor"] or 0) <= GOAL_MS and row["backtest_vs_hummingbot"] <= 1.0
            else "no"
        )
    lines = [
        "# Fill models: simulator cost per executor",
        "",
        f"Regenerate: `{COMMAND}` (in the Hummingbot runtime image, Python {platform.python_version()})."
        f" {candles.rows} rows of {args.candles.name}, {args.rounds} rounds, the model order alternating;"
        " medians. Figures from a shared 2-core machine: the ratios are the stable part.",
        "",
        "`simulate()` is timed where Hummingbot's engine calls it, so the figure is the simulator's own"
        " cost; the controller's tick and the engine's bookkeeping are the rest of the backtest. Goal:"
        f" <= {GOAL_MS:g} ms per executor for the conservative simulator, and its backtest no slower.",
        "",
        "| controller | model | executors | simulator ms / executor | backtest s | simulator share"
        " | × Hummingbot's backtest | goal met |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['controller']} | {row['model']} | {row['executors']:,} |"
            f" {fmt(row['simulator_ms_per_executor'], 3)} | {fmt(row['backtest_seconds'], 1)} |"
            f" {row['simulator_share']:.0%} | {fmt(row['backtest_vs_hummingbot'])} | {row['goal_met']} |"
        )
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    if not args.no_write:
        data = {"command": COMMAND, "candles": args.candles.name, "rows": candles.rows, "results": rows}
        for path in write_outputs("bench-fill-models", data, markdown):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
