"""`hbot-strategies hedge`: the hedged market maker against the unhedged flagship, the same quoting, on every
spot candle file (controllers/analysis/hedge_study.py). Every input is checked on the host first; the
backtests run in the runtime image.
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from controllers.analysis import runtime
from controllers.analysis.errors import AnalysisError
from controllers.analysis.hedge_study import DEFAULT_BAND_SHARE
from controllers.analysis.inputs import InputError
from controllers.cli import exit_codes, options
from controllers.plugin_system.registry import StrategyRegistry

HELP = "set hedged_mm against the unhedged flagship (inventory_mm) on spot candle files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--candles", nargs="+", type=Path, required=True, help="spot candles CSV files")
    parser.add_argument("--out", type=Path, required=True, help="output stem: writes OUT.md and OUT.csv")
    parser.add_argument("--capital", type=float, default=1000.0, help="total_amount_quote for every run")
    parser.add_argument(
        "--band-share",
        type=float,
        default=DEFAULT_BAND_SHARE,
        help="the hedge's band (delta_band_base) as a share of the inventory cap, in base at the file's"
        f" first close ({DEFAULT_BAND_SHARE})",
    )
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    parser.add_argument("--title", default="Hedged market maker against the unhedged flagship")
    parser.add_argument("--display-command", default=None, help=argparse.SUPPRESS)  # set on re-run
    options.add_run_options(parser)
    options.add_hedge_options(parser, candles=False)


def _options(args: argparse.Namespace) -> list[str]:
    """The options as given, for the regenerate line and the re-run (candles and out apart)."""
    parts = ["--capital", repr(args.capital), "--band-share", repr(args.band_share)]
    parts += [*options.fee_argv(args, args.fee), *options.fill_argv(args), *options.hedge_argv(args)]
    return parts + (["--fill-gaps"] if args.fill_gaps else [])


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    from controllers.analysis import hedge_study

    out = args.out.resolve()
    markdown, table = out.with_suffix(".md"), out.with_suffix(".csv")
    try:
        args.fee = options.flat_fee(args)
        cases, skipped = hedge_study.plan_study(
            args.candles,
            fee=args.fee,
            capital=args.capital,
            band_share=args.band_share,
            fill_gaps=args.fill_gaps,
            registry=registry,
            choice=options.fill_choice(args),
            hedge=options.hedge_choice(args),
        )
        if not out.parent.is_dir():
            raise InputError("out", f"the folder {out.parent} does not exist")
    except (AnalysisError, OSError) as error:
        return options.fail(error)
    command = args.display_command or shlex.join(
        [
            "hbot-strategies",
            "hedge",
            "--candles",
            *map(str, args.candles),
            "--out",
            str(args.out),
            *_options(args),
        ]
    )
    if not runtime.in_runtime():
        argv = ["hedge", "--candles", *(str(p.resolve()) for p in args.candles), "--out", str(out)]
        argv += [*_options(args), "--title", args.title, "--display-command", command]
        argv += ["--workers", str(args.workers)] if args.workers else []
        argv += ["--no-progress"] if args.no_progress else []
        return runtime.run_in_runtime(argv, list(args.candles), [out.parent])

    import os

    from controllers.analysis.candles import load_candles
    from controllers.analysis.compare import csv_text, markdown_table

    started = time.perf_counter()
    workers = max(1, min(args.workers or os.cpu_count() or 1, len(cases)))
    rows = hedge_study.run_study(cases, workers, progress=not args.no_progress)
    wall = time.perf_counter() - started
    hedged = next(case for case in cases if case.terms is not None)
    paths = dict.fromkeys(case.market.path for case in cases)
    document = hedge_study.markdown_document(
        rows,
        command=command,
        title=args.title,
        capital=args.capital,
        band_share=args.band_share,
        terms=hedged.terms,
        fill=hedged.fill,
        fee=args.fee,
        markets=[load_candles(path, fill_gaps=args.fill_gaps).summary() for path in paths],
        skipped=skipped,
        wall_seconds=wall,
    )
    markdown.write_text(document)
    table.write_text(csv_text(rows))
    print(markdown_table(rows, hedge_study.TABLE_COLUMNS))
    print(f"wrote {markdown} and {table} ({wall:.0f} s, {len(rows)} backtests)")
    return exit_codes.OK
