"""`hbot-strategies backtest`: one controller config over one candle file -> metrics.json + HTML report.

Every input is checked on the host first (pure: a bad input exits INVALID naming the field, before any
container starts or any file is written); then the engine runs (controllers.analysis.backtest),
directly inside the runtime image, or by re-running this command there (runtime.py) with absolute paths.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from controllers.analysis import runtime
from controllers.analysis.errors import AnalysisError
from controllers.analysis.inputs import prepare_backtest
from controllers.analysis.output import check_output_dir
from controllers.cli import exit_codes, options
from controllers.plugin_system.registry import StrategyRegistry

HELP = "backtest a controller config in Hummingbot's engine"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="controller config YAML")
    parser.add_argument("--candles", type=Path, required=True, help="candles CSV (timestamp,open,...,volume)")
    parser.add_argument("--out", type=Path, help="report folder (default: ./backtest-<controller>-<candles>)")
    parser.add_argument("--risk-free-rate", type=float, default=0.0, help="annual, for Sharpe/Sortino (0)")
    options.add_run_options(parser)
    options.add_hedge_options(parser)


def _signal_sources(config: dict) -> list[Path]:
    source = config.get("sentiment_source")
    return [Path(source)] if source else []


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    try:
        job = prepare_backtest(
            args.config,
            args.candles,
            options.flat_fee(args),
            fill_gaps=args.fill_gaps,
            registry=registry,
            choice=options.fill_choice(args),
            hedge=options.hedge_choice(args),
        )
    except AnalysisError as error:
        return options.fail(error)
    out = (args.out or Path(f"backtest-{job.controller}-{Path(job.candles.path).stem}")).resolve()
    try:
        check_output_dir(out)
    except AnalysisError as error:
        return options.fail(error)
    if not runtime.in_runtime():
        argv = [
            "backtest",
            str(args.config.resolve()),
            "--candles",
            str(args.candles.resolve()),
            "--out",
            str(out),
            *options.fee_argv(args, job.fee),
            "--risk-free-rate",
            repr(args.risk_free_rate),
            *options.fill_argv(args),
            *(["--fill-gaps"] if args.fill_gaps else []),
            *(["--no-progress"] if args.no_progress else []),
            *options.hedge_argv(args),
        ]
        hedge_candles = [args.hedge_candles] if args.hedge_candles is not None else []
        inputs = [args.config, args.candles, *hedge_candles, *_signal_sources(job.config)]
        return runtime.run_in_runtime(argv, inputs, [out.parent])

    from controllers.analysis.backtest import run_backtest_report

    try:
        run_backtest_report(job, out, risk_free_rate=args.risk_free_rate, progress=not args.no_progress)
    except AnalysisError as error:
        return options.fail(error)
    document = json.loads((out / "metrics.json").read_text())
    if "execution" in document:
        print(execution_line(document))
        print(f"report: {out / 'index.html'}")
        return exit_codes.OK
    metrics = document["metrics"]
    print(
        f"{job.controller} on {Path(job.candles.path).name}: PnL {metrics['net_pnl_quote']:.2f} quote,"
        f" Sharpe {metrics['sharpe'] if metrics['sharpe'] is None else round(metrics['sharpe'], 2)},"
        f" max drawdown {metrics['max_drawdown']:.2%}, {metrics['trades']} trades"
    )
    hedge = document.get("hedge")
    if hedge:
        print(
            f"hedge on {hedge['hedge_connector']} {hedge['hedge_pair']}: {hedge['fills']} fills, fees"
            f" {hedge['fees_quote']:.4f}, funding paid {hedge['funding_quote']:+.4f}, PnL"
            f" {hedge['pnl_quote']:+.4f} quote; net delta outside the band on"
            f" {hedge['tracking']['outside_band']:.1%} of bars"
        )
    print(f"report: {out / 'index.html'}")
    return exit_codes.OK


def execution_line(document: dict) -> str:
    """One line: how much was executed, at what cost, next to a single market order of the same size."""
    head = f"{document['controller']} on {document['candles']['file']}"
    execution = document["execution"]
    if execution is None:
        return f"{head}: no child order was sent"

    def cost(quality: dict | None) -> str:
        if not quality or quality.get("total_cost_bps") is None:
            return "n/a"
        return (
            f"{quality['total_cost_bps']:.1f} bps (shortfall {quality['shortfall_bps']:.1f}"
            f" + fees {quality['fees_bps']:.1f})"
        )

    run = execution["run"]
    return (
        f"{head}: {run['completion']:.0%} of {run['target_base']:g} executed in"
        f" {document['child_orders']} child orders, cost {cost(run)};"
        f" one market order: {cost(execution.get('benchmark'))}"
    )
