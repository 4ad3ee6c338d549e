"""The `backtest` and `compare` subcommands of `hbot-strategies` (registered in plugin_system/cli.py).

Both check every input on the host first (pure: a bad input exits 1 naming the field, before any
container starts or any file is written), then run the engine: directly inside the runtime image,
or by re-running themselves there (runtime.py) with absolute paths.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from controllers.analysis import runtime
from controllers.analysis.fill_model import DEFAULT_FILL_MODEL, DEFAULT_SLIPPAGE, FILL_MODELS
from controllers.analysis.inputs import BACKTESTABLE_TYPES, InputError, prepare_backtest, read_config
from controllers.analysis.output import OutputError, check_output_dir
from controllers.plugin_system.registry import StrategyRegistry

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 4
DEFAULT_FEE = 0.001
BUILTIN_PLUGIN = "builtins"  # the plugin name the built-in strategies register under


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_INVALID


def add_fill_options(parser: argparse.ArgumentParser) -> None:
    """The fill model and its costs: backtest, compare and optimize take the same options."""
    parser.add_argument(
        "--fee",
        type=float,
        default=None,
        help=f"Hummingbot's model: flat fee per fill, in [0, 0.01) ({DEFAULT_FEE}); refused with the"
        " conservative model, which charges --maker-fee and --taker-fee",
    )
    parser.add_argument(
        "--fill-model",
        choices=FILL_MODELS,
        default=DEFAULT_FILL_MODEL,
        help="conservative: limit fills at their own price on a later bar that trades through them, maker"
        " and taker fees on both legs, market exits with slippage; hummingbot: its 2.12 simulator, which"
        f" flatters a market maker (default: {DEFAULT_FILL_MODEL})",
    )
    for flag, what in (
        ("--maker-fee", "maker rate (default: the config's fee_maker, else the exchange's public tier)"),
        ("--taker-fee", "taker rate (default: the config's fee_taker, else the exchange's public tier)"),
        ("--slippage", f"market orders' fill past their trigger price ({DEFAULT_SLIPPAGE})"),
    ):
        parser.add_argument(flag, type=float, default=None, help=f"conservative model: {what}")


def _common(parser: argparse.ArgumentParser) -> None:
    add_fill_options(parser)
    parser.add_argument(
        "--fill-gaps",
        action="store_true",
        help="insert flat zero-volume bars for missing candles instead of rejecting the file",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


# --- backtest ------------------------------------------------------------------------------------------
def add_backtest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="controller config YAML")
    parser.add_argument("--candles", type=Path, required=True, help="candles CSV (timestamp,open,...,volume)")
    parser.add_argument("--out", type=Path, help="report folder (default: ./backtest-<controller>-<candles>)")
    parser.add_argument("--risk-free-rate", type=float, default=0.0, help="annual, for Sharpe/Sortino (0)")
    _common(parser)


def models(args: argparse.Namespace) -> list[str]:
    """The fill models a command runs: --fill-model, then compare's --also-model."""
    also = getattr(args, "also_model", None)
    return [args.fill_model, *([also] if also else [])]


def flat_fee(args: argparse.Namespace) -> float:
    """--fee, or its default. It is Hummingbot's one flat rate: where only the conservative model runs,
    which charges a maker and a taker rate, it would be silently unused, so it is refused, naming it."""
    if args.fee is not None and "hummingbot" not in models(args):
        raise InputError(
            "fee: --fee is Hummingbot's one flat rate; the conservative model charges --maker-fee on"
            " limit fills and --taker-fee on market fills"
        )
    return DEFAULT_FEE if args.fee is None else args.fee


def fee_argv(args: argparse.Namespace, fee: float) -> list[str]:
    """--fee for a re-run or a regenerate line: only where a model that reads it runs."""
    return ["--fee", repr(fee)] if "hummingbot" in models(args) else []


def fill_args(args: argparse.Namespace, model: str | None = None) -> dict[str, Any]:
    """The fill options one model's run takes (default: --fill-model's). The maker/taker rates and the
    slippage belong to the conservative run; where none runs they are passed on, to be refused by name."""
    model = model or args.fill_model
    mine = model == "conservative" or "conservative" not in models(args)
    return {
        "fill_model": model,
        "maker_fee": args.maker_fee if mine else None,
        "taker_fee": args.taker_fee if mine else None,
        "slippage": args.slippage if mine else None,
    }


def fill_argv(args: argparse.Namespace) -> list[str]:
    """The fill-model options as given, for the re-run in the runtime image."""
    argv = ["--fill-model", args.fill_model]
    if getattr(args, "also_model", None):
        argv += ["--also-model", args.also_model]
    for flag, value in (
        ("--maker-fee", args.maker_fee),
        ("--taker-fee", args.taker_fee),
        ("--slippage", args.slippage),
    ):
        if value is not None:
            argv += [flag, repr(value)]
    return argv


def _signal_sources(config: dict) -> list[Path]:
    source = config.get("sentiment_source")
    return [Path(source)] if source else []


def run_backtest(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    try:
        job = prepare_backtest(
            args.config,
            args.candles,
            flat_fee(args),
            fill_gaps=args.fill_gaps,
            registry=registry,
            **fill_args(args),
        )
    except InputError as error:
        return _fail(str(error))
    out = (args.out or Path(f"backtest-{job.controller}-{Path(job.candles.path).stem}")).resolve()
    try:
        check_output_dir(out)
    except OutputError as error:
        return _fail(str(error))
    if not runtime.in_runtime():
        argv = [
            "backtest",
            str(args.config.resolve()),
            "--candles",
            str(args.candles.resolve()),
            "--out",
            str(out),
            *fee_argv(args, job.fee),
            "--risk-free-rate",
            repr(args.risk_free_rate),
            *fill_argv(args),
            *(["--fill-gaps"] if args.fill_gaps else []),
            *(["--no-progress"] if args.no_progress else []),
        ]
        inputs = [args.config, args.candles, *_signal_sources(job.config)]
        return runtime.run_in_runtime(argv, inputs, [out.parent])

    from controllers.analysis.backtest import run_backtest_report

    try:
        run_backtest_report(job, out, risk_free_rate=args.risk_free_rate, progress=not args.no_progress)
    except InputError as error:
        return _fail(str(error))
    import json

    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    print(
        f"{job.controller} on {Path(job.candles.path).name}: PnL {metrics['net_pnl_quote']:.2f} quote,"
        f" Sharpe {metrics['sharpe'] if metrics['sharpe'] is None else round(metrics['sharpe'], 2)},"
        f" max drawdown {metrics['max_drawdown']:.2%}, {metrics['trades']} trades"
    )
    print(f"report: {out / 'index.html'}")
    return EXIT_OK


# --- compare -------------------------------------------------------------------------------------------
def add_compare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--configs", nargs="*", type=Path, default=[], help="controller config YAML files")
    parser.add_argument(
        "--builtins",
        action="store_true",
        help="every built-in market-making and directional strategy at its registry defaults",
    )
    parser.add_argument("--candles", nargs="+", type=Path, required=True, help="candles CSV files")
    parser.add_argument("--out", type=Path, required=True, help="output stem: writes OUT.md and OUT.csv")
    parser.add_argument("--capital", type=float, default=1000.0, help="total_amount_quote for every run")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--notes", type=Path, help="Markdown appended after the table")
    parser.add_argument("--title", default="Strategy comparison")
    parser.add_argument("--display-command", default=None, help=argparse.SUPPRESS)  # set on re-run
    parser.add_argument(
        "--also-model",
        choices=FILL_MODELS,
        help="run every case under this fill model too, and add the two side by side (--fee is its"
        " flat rate when it is hummingbot)",
    )
    _common(parser)


def _templates(args: argparse.Namespace, registry: StrategyRegistry) -> list[tuple[str, dict]]:
    templates = []
    if args.builtins:
        for name in registry.names():
            # built-ins only: the runtime image has the checkout, not the host's installed plugins
            builtin = registry.plugin_of(name) == BUILTIN_PLUGIN
            if builtin and registry.get(name).controller_type in BACKTESTABLE_TYPES:
                templates.append((name, {"controller_name": name}))
    for path in args.configs:
        templates.append((path.stem, read_config(path)))
    if not templates:
        raise InputError("configs: give --configs FILE... or --builtins")
    return templates


def _command_line(args: argparse.Namespace) -> str:
    """How to regenerate the table (paths as given)."""
    parts = ["hbot-strategies", "compare"]
    if args.builtins:
        parts.append("--builtins")
    if args.configs:
        parts += ["--configs", *map(str, args.configs)]
    parts += ["--candles", *map(str, args.candles), *fee_argv(args, args.fee), "--out", str(args.out)]
    parts += fill_argv(args)  # always: a table says which model made it, whatever the default then is
    if args.fill_gaps:
        parts.append("--fill-gaps")
    if args.notes:
        parts += ["--notes", str(args.notes)]
    return shlex.join(parts)


def run_compare(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    from controllers.analysis import compare

    out = args.out.resolve()
    markdown, table = out.with_suffix(".md"), out.with_suffix(".csv")
    try:
        if args.also_model == args.fill_model:
            raise InputError(f"also_model: --also-model {args.also_model} is already --fill-model")
        args.fee = flat_fee(args)
        templates = _templates(args, registry)
        plans = [
            compare.plan_cases(
                templates,
                args.candles,
                fee=args.fee,
                capital=args.capital,
                fill_gaps=args.fill_gaps,
                registry=registry,
                **fill_args(args, model),
            )
            for model in models(args)
        ]
        notes = args.notes.read_text() if args.notes else ""
    except (InputError, OSError) as error:
        return _fail(str(error))
    if not out.parent.is_dir():
        return _fail(f"out: the folder {out.parent} does not exist")
    if not runtime.in_runtime():
        argv = ["compare", "--candles", *(str(p.resolve()) for p in args.candles), "--out", str(out)]
        argv += [*fee_argv(args, args.fee), "--capital", repr(args.capital), "--title", args.title]
        argv += fill_argv(args)
        argv += ["--display-command", args.display_command or _command_line(args)]
        if args.builtins:
            argv.append("--builtins")
        if args.configs:
            argv += ["--configs", *(str(p.resolve()) for p in args.configs)]
        if args.notes:
            argv += ["--notes", str(args.notes.resolve())]
        if args.workers:
            argv += ["--workers", str(args.workers)]
        argv += [
            flag for flag, on in (("--fill-gaps", args.fill_gaps), ("--no-progress", args.no_progress)) if on
        ]
        inputs = [*args.candles, *args.configs, *([args.notes] if args.notes else [])]
        return runtime.run_in_runtime(argv, inputs, [out.parent])

    cases = plans[0]
    try:
        every, wall = compare.timed_run(sum(plans, []), args.workers, progress=not args.no_progress)
    except InputError as error:  # a controller the engine cannot simulate: nothing is written
        return _fail(str(error))
    rows, also_rows = every[: len(cases)], every[len(cases) :]
    document = compare.markdown_document(
        rows,
        also=also_rows,
        command=args.display_command or _command_line(args),
        fee=args.fee,
        capital=args.capital,
        notes=notes,
        title=args.title,
        wall_seconds=wall,
        fill=cases[0].fill if cases else None,
    )
    # Both files or neither: write beside, then rename.
    outputs = ((table, compare.csv_text(every)), (markdown, document))
    partials = [path.with_name(f".{path.name}.partial") for path, _ in outputs]
    try:
        for partial, (_, text) in zip(partials, outputs, strict=True):
            partial.write_text(text)
        for partial, (path, _) in zip(partials, outputs, strict=True):
            partial.replace(path)
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
    print(compare.markdown_table(rows))
    print(f"wrote {markdown} and {table} ({wall:.0f} s)")
    return EXIT_OK


BACKTEST = (add_backtest, run_backtest)
COMPARE = (add_compare, run_compare)
