"""`hbot-strategies optimize`: walk-forward parameter search with Optuna, locally or on a shared database.

    hbot-strategies optimize inventory_mm --candles ETH-BTC_5m.csv LTC-BTC_5m.csv --out reports/opt \\
        [--space space.yml] [--config base.yml] [--trials 50] [--workers N] [--train-fraction 0.7] \\
        [--fill-model conservative] [--maker-fee R] [--taker-fee R] [--slippage R] [--decisions path] \\
        [--storage postgresql://optuna@db-host/optuna] [--seed 1]

Every input is checked on the host before anything runs or is written (analysis.optimize.request).
From the host venv the search then runs inside the Hummingbot analysis runtime image
(analysis/runtime.py); inside that image it runs directly (analysis.optimize.search), and writes
optimize.json and optimize.md into --out, each atomically. Without --storage the study lives in
--out/optimize.db (SQLite) and runs one worker process per core; with --storage every machine
running the same command against the same database and study adds its workers to the one search.

The fill model and its options are backtest's (options.add_fill_options). The default, conservative,
charges each market --maker-fee/--taker-fee (else the --config's fee_maker/fee_taker, else its
connector's public tier) and --slippage, deciding once a bar or (--decisions path) at four points of
each, as a bot re-pricing on the book does; `--fill-model hummingbot [--fee 0.001]` runs Hummingbot's
own, flattering one at one flat rate. Either way every trial's config states the fees it pays.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from controllers.analysis import runtime
from controllers.analysis.errors import AnalysisError
from controllers.analysis.optimize import (
    MIN_SCORED_BARS,
    OptimizeRequest,
    build_request,
    finish_report,
    redact,
    sqlite_path,
    write_reports,
)
from controllers.cli import exit_codes, options
from controllers.plugin_system.registry import StrategyRegistry

HELP = "walk-forward parameter search with Optuna"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("controller", help="strategy to optimise (controller_name)")
    parser.add_argument(
        "--candles", nargs="+", type=Path, required=True, help="candles CSV file(s), one per market"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for optimize.json/.md (and optimize.db)"
    )
    parser.add_argument("--space", type=Path, help="YAML/JSON: field -> {low, high, log} or a fixed value")
    parser.add_argument("--config", type=Path, help="base controller config YAML (default: the strategy's)")
    parser.add_argument("--trials", type=int, default=50, help="trials to add to the study (default 50)")
    parser.add_argument("--workers", type=int, help="worker processes on this machine (default: CPU count)")
    parser.add_argument(
        "--train-fraction",
        type=float,
        default=0.7,
        help=f"searched head of each market, in (0, 1); the rest is held out (>= {MIN_SCORED_BARS} bars)",
    )
    options.add_fill_options(parser)  # the same model, costs and defaults as backtest and compare
    parser.add_argument(
        "--storage",
        help="Optuna RDB URL shared by every machine, e.g. postgresql://user@host/db "
        "(default: sqlite in --out)",
    )
    parser.add_argument("--study", help="study name (default: derived from the search's inputs)")
    parser.add_argument("--last-rows", type=int, help="use only the last N candles of each file")
    parser.add_argument(
        "--fill-gaps", action="store_true", help="fill missing bars flat at the previous close"
    )
    parser.add_argument("--seed", type=int, help="sampler seed (worker i uses seed + i)")


def request_from_args(args: argparse.Namespace, registry: StrategyRegistry) -> OptimizeRequest:
    """The checked request; an AnalysisError (InputError for --fee, else RequestError) names the field."""
    return build_request(
        registry,
        controller=args.controller,
        candles=[path.resolve() for path in args.candles],
        output=args.out.resolve(),
        trials=args.trials,
        workers=args.workers,
        train_fraction=args.train_fraction,
        fee=options.flat_fee(args),
        storage=args.storage,
        study=args.study,
        space_file=args.space,
        config_file=args.config,
        last_rows=args.last_rows,
        fill_gaps=args.fill_gaps,
        seed=args.seed,
        choice=options.fill_choice(args),
    )


def runtime_argv(args: argparse.Namespace, request: OptimizeRequest) -> list[str]:
    """The same command for the runtime, with resolved paths and the validated defaults made explicit.

    Resolved, not just absolute: the runtime mounts each input at its real path only, so a path
    through `..` (the docs' `../shared/...`) would not exist inside the container."""
    argv = ["optimize", request.controller, "--candles", *(str(m.market.path) for m in request.markets)]
    argv += ["--out", str(request.output), "--trials", str(request.trials), "--workers", str(request.workers)]
    argv += ["--train-fraction", repr(request.train_fraction), *options.fee_argv(args, request.fee)]
    argv += options.fill_argv(args)  # the runtime resolves the same terms (refuses --fee with conservative)
    argv += ["--storage", request.storage, "--study", request.study_name]
    for option, value in (("--space", args.space), ("--config", args.config)):
        if value is not None:
            argv += [option, str(value.resolve())]
    for option, value in (("--last-rows", args.last_rows), ("--seed", args.seed)):
        if value is not None:
            argv += [option, str(value)]
    if args.fill_gaps:
        argv.append("--fill-gaps")
    return argv


def runtime_mounts(args: argparse.Namespace, request: OptimizeRequest) -> tuple[list[Path], list[Path]]:
    read_only = [Path(m.market.path) for m in request.markets]
    read_only += [p.resolve() for p in (args.space, args.config) if p is not None]
    writable = [request.output]
    database = sqlite_path(request.storage)
    if database is not None:
        writable.append(database.resolve().parent)
    return read_only, writable


def delegate_to_runtime(args: argparse.Namespace, request: OptimizeRequest) -> int:
    """Run the same search inside the analysis image (runtime.py): inputs read-only, --out and a
    SQLite database's folder writable, no network unless the storage is a database server."""
    read_only, writable = runtime_mounts(args, request)
    for folder in writable:
        folder.mkdir(parents=True, exist_ok=True)  # docker would create a missing one as root
    network = "none" if sqlite_path(request.storage) else "host"
    return runtime.run_in_runtime(runtime_argv(args, request), read_only, writable, network)


def search_and_report(request: OptimizeRequest, evaluate: Any = None) -> int:
    """Search, score the held-out tails, write the reports; FAILED when no trial completed."""
    from controllers.analysis.optimize.search import check_storage_driver, run_search

    try:
        check_storage_driver(request.storage)
    except AnalysisError as error:
        return options.fail(error)
    request.output.mkdir(parents=True, exist_ok=True)
    database = sqlite_path(request.storage)
    if database is not None:
        database.absolute().parent.mkdir(parents=True, exist_ok=True)
    print(
        f"optimize {request.controller}: {request.trials} trials, {request.workers} worker(s), "
        f"study {request.study_name} in {redact(request.storage)}",
        file=sys.stderr,
    )
    report = finish_report(run_search(request, evaluate))
    json_path, markdown_path = request.report_paths
    write_reports(report, json_path, markdown_path)
    print(f"wrote {json_path} and {markdown_path}")
    counts = report["trial_counts"]
    print(", ".join(f"{n} {state.lower()}" for state, n in sorted(counts.items())) + " trial(s)")
    return exit_codes.OK if report["best"] is not None else exit_codes.FAILED


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    try:
        request = request_from_args(args, registry)
    except AnalysisError as error:
        return options.fail(error)
    if not runtime.in_runtime():
        return delegate_to_runtime(args, request)
    return search_and_report(request)
