"""`hbot-strategies compare`: controller configs (or every built-in) over candle files -> OUT.md + OUT.csv.

As backtest: every input is checked on the host first, then the runs go to controllers.analysis.compare,
directly inside the runtime image or by re-running this command there (runtime.py).
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from controllers.analysis import runtime
from controllers.analysis.errors import AnalysisError
from controllers.analysis.fill_model import FILL_MODELS
from controllers.analysis.inputs import InputError, backtest_refusal, is_execution, read_config
from controllers.cli import exit_codes, options
from controllers.plugin_system.registry import StrategyRegistry

HELP = "compare controller configs over candle files"
BUILTIN_PLUGIN = "builtins"  # the plugin name the built-in strategies register under


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
    options.add_run_options(parser)


def templates(
    args: argparse.Namespace, registry: StrategyRegistry, wanted: Callable[[Any], bool]
) -> list[tuple[str, dict]]:
    """--builtins (every built-in whose spec `wanted` accepts, at its registry defaults), then --configs
    (labelled by file name). compare wants the strategies it ranks, execution the execution algorithms."""
    found = []
    if args.builtins:
        for name in registry.names():
            # built-ins only: the runtime image has the checkout, not the host's installed plugins
            if registry.plugin_of(name) == BUILTIN_PLUGIN and wanted(registry.get(name)):
                found.append((name, {"controller_name": name}))
    for path in args.configs:
        found.append((path.stem, read_config(path)))
    if not found:
        raise InputError("configs", "give --configs FILE... or --builtins")
    return found


def ranked(spec: Any) -> bool:
    """A strategy compare ranks: one the engine backtests, not an execution algorithm."""
    return backtest_refusal(spec) is None and not is_execution(spec)


def command_parts(command: str, args: argparse.Namespace) -> list[str]:
    """The start of a regenerate line: the command and its strategies, as given."""
    parts = ["hbot-strategies", command]
    if args.builtins:
        parts.append("--builtins")
    if args.configs:
        parts += ["--configs", *map(str, args.configs)]
    return parts


def _command_line(args: argparse.Namespace) -> str:
    """How to regenerate the table (paths as given)."""
    parts = command_parts("compare", args)
    parts += ["--candles", *map(str, args.candles), *options.fee_argv(args, args.fee), "--out", str(args.out)]
    parts += options.fill_argv(args)  # always: a table says which model made it, whatever the default then is
    if args.fill_gaps:
        parts.append("--fill-gaps")
    if args.notes:
        parts += ["--notes", str(args.notes)]
    return shlex.join(parts)


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    from controllers.analysis import compare

    out = args.out.resolve()
    markdown, table = out.with_suffix(".md"), out.with_suffix(".csv")
    try:
        if args.also_model == args.fill_model:
            raise InputError("also_model", f"--also-model {args.also_model} is already --fill-model")
        args.fee = options.flat_fee(args)
        found = templates(args, registry, ranked)
        plans = [
            compare.plan_cases(
                found,
                args.candles,
                fee=args.fee,
                capital=args.capital,
                fill_gaps=args.fill_gaps,
                registry=registry,
                choice=options.fill_choice(args, model),
            )
            for model in options.models(args)
        ]
        notes = args.notes.read_text() if args.notes else ""
        if not out.parent.is_dir():
            raise InputError("out", f"the folder {out.parent} does not exist")
    except (AnalysisError, OSError) as error:
        return options.fail(error)
    if not runtime.in_runtime():
        argv = ["compare", "--candles", *(str(p.resolve()) for p in args.candles), "--out", str(out)]
        argv += [*options.fee_argv(args, args.fee), "--capital", repr(args.capital), "--title", args.title]
        argv += options.fill_argv(args)
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
    except AnalysisError as error:  # a controller the engine cannot simulate: nothing is written
        return options.fail(error)
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
    return exit_codes.OK
