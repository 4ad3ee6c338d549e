"""`hbot-strategies execution`: execution algorithms against a single market order, a window a day on every
candle file, both sides (controllers/analysis/execution_study.py). Every input is checked on the host
first; the windows run in the runtime image.
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from controllers.analysis import runtime
from controllers.analysis.errors import AnalysisError
from controllers.analysis.inputs import InputError, is_execution
from controllers.cli import exit_codes, options
from controllers.cli.compare import command_parts, templates
from controllers.plugin_system.registry import StrategyRegistry

HELP = "price execution algorithms against a single market order over many windows"
DEFAULT_VOLUME_SHARE = 0.05
DEFAULT_EVERY_HOURS = 24.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--configs", nargs="*", type=Path, default=[], help="execution algorithm config YAML files"
    )
    parser.add_argument(
        "--builtins", action="store_true", help="every built-in execution algorithm at its registry defaults"
    )
    parser.add_argument("--candles", nargs="+", type=Path, required=True, help="candles CSV files")
    parser.add_argument("--out", type=Path, required=True, help="output stem: writes OUT.md and OUT.csv")
    parser.add_argument(
        "--volume-share",
        type=float,
        default=DEFAULT_VOLUME_SHARE,
        help=f"each parent order's size as a share of the volume its window traded ({DEFAULT_VOLUME_SHARE})",
    )
    parser.add_argument(
        "--every-hours", type=float, default=DEFAULT_EVERY_HOURS, help="hours between windows (24)"
    )
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--title", default="Execution algorithms against a single market order")
    parser.add_argument("--display-command", default=None, help=argparse.SUPPRESS)  # set on re-run
    options.add_run_options(parser)


def _command_line(args: argparse.Namespace) -> str:
    parts = command_parts("execution", args)
    parts += ["--candles", *map(str, args.candles), "--out", str(args.out)]
    parts += ["--volume-share", repr(args.volume_share), "--every-hours", repr(args.every_hours)]
    parts += [*options.fee_argv(args, args.fee), *options.fill_argv(args)]
    if args.fill_gaps:
        parts.append("--fill-gaps")
    return shlex.join(parts)


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    from controllers.analysis import execution_study

    out = args.out.resolve()
    markdown, table = out.with_suffix(".md"), out.with_suffix(".csv")
    try:
        args.fee = options.flat_fee(args)
        every_seconds = int(args.every_hours * 3600)
        windows = execution_study.plan_study(
            templates(args, registry, is_execution),
            args.candles,
            volume_share=args.volume_share,
            every_seconds=every_seconds,
            fee=args.fee,
            fill_gaps=args.fill_gaps,
            registry=registry,
            choice=options.fill_choice(args),
        )
        if not out.parent.is_dir():
            raise InputError("out", f"the folder {out.parent} does not exist")
    except (AnalysisError, OSError) as error:
        return options.fail(error)
    if not runtime.in_runtime():
        argv = ["execution", "--candles", *(str(p.resolve()) for p in args.candles), "--out", str(out)]
        argv += ["--volume-share", repr(args.volume_share), "--every-hours", repr(args.every_hours)]
        argv += [*options.fee_argv(args, args.fee), *options.fill_argv(args), "--title", args.title]
        argv += ["--display-command", args.display_command or _command_line(args)]
        if args.builtins:
            argv.append("--builtins")
        if args.configs:
            argv += ["--configs", *(str(p.resolve()) for p in args.configs)]
        if args.workers:
            argv += ["--workers", str(args.workers)]
        argv += [
            flag for flag, on in (("--fill-gaps", args.fill_gaps), ("--no-progress", args.no_progress)) if on
        ]
        return runtime.run_in_runtime(argv, [*args.candles, *args.configs], [out.parent])

    import os

    from controllers.analysis.candles import load_candles
    from controllers.analysis.compare import csv_text, markdown_table

    started = time.perf_counter()
    workers = max(1, min(args.workers or os.cpu_count() or 1, len(windows) or 1))
    rows = execution_study.run_study(windows, workers, progress=not args.no_progress)
    wall = time.perf_counter() - started
    summary = execution_study.summarise(rows)
    document = execution_study.markdown_document(
        summary,
        command=args.display_command or _command_line(args),
        title=args.title,
        volume_share=args.volume_share,
        every_seconds=every_seconds,
        fill=windows[0].fill if windows else None,
        fee=args.fee,
        markets=[load_candles(p, fill_gaps=args.fill_gaps).summary() for p in args.candles],
        wall_seconds=wall,
    )
    markdown.write_text(document)
    table.write_text(csv_text(rows))
    overall = [row for row in summary if row["market"] == "all"]
    print(markdown_table(overall, execution_study.SUMMARY_COLUMNS))
    print(f"wrote {markdown} and {table} ({wall:.0f} s, {len(rows)} windows)")
    return exit_codes.OK
