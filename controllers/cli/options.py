"""Options shared by backtest, compare, optimize and hedge, and what they make of them.

The fill model and its costs (add_fill_options), read back as the keyword arguments of one model's run
(fill_choice) and as the command line of the re-run in the runtime image (fill_argv, fee_argv); a
hedged market maker's perp likewise (add_hedge_options, hedge_choice, hedge_argv).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from controllers.analysis.errors import AnalysisError
from controllers.analysis.fill_model import (
    DECISIONS,
    DEFAULT_FILL_MODEL,
    DEFAULT_SLIPPAGE,
    FILL_MODELS,
)
from controllers.analysis.inputs import FillChoice, HedgeChoice, InputError
from controllers.analysis.perp import DEFAULT_FUNDING_RATE
from controllers.cli import exit_codes

DEFAULT_FEE = 0.001


def fail(error: AnalysisError | OSError) -> int:
    """Refuse bad input: `error: <field>: ...` (the AnalysisError's own format) on stderr, exit INVALID."""
    print(f"error: {error}", file=sys.stderr)
    return exit_codes.INVALID


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
    parser.add_argument(
        "--decisions",
        choices=DECISIONS,
        default=None,
        help="conservative model: when the controller decides; close: once a bar, at its close; path: at"
        " each of four points of a bar (open, one extreme, the other, close), as a bot re-pricing on the"
        " book does (docs/backtest-vs-paper.md) (default: path; close for execution algorithms and hedged"
        " market makers)",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """backtest's and compare's: the fill options, --fill-gaps and --no-progress."""
    add_fill_options(parser)
    parser.add_argument(
        "--fill-gaps",
        action="store_true",
        help="insert flat zero-volume bars for missing candles instead of rejecting the file",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def models(args: argparse.Namespace) -> list[str]:
    """The fill models a command runs: --fill-model, then compare's --also-model."""
    also = getattr(args, "also_model", None)
    return [args.fill_model, *([also] if also else [])]


def flat_fee(args: argparse.Namespace) -> float:
    """--fee, or its default. It is Hummingbot's one flat rate: where only the conservative model runs,
    which charges a maker and a taker rate, it would be silently unused, so it is refused, naming it."""
    if args.fee is not None and "hummingbot" not in models(args):
        raise InputError(
            "fee",
            "--fee is Hummingbot's one flat rate; the conservative model charges --maker-fee on"
            " limit fills and --taker-fee on market fills",
        )
    return DEFAULT_FEE if args.fee is None else args.fee


def fee_argv(args: argparse.Namespace, fee: float) -> list[str]:
    """--fee for a re-run or a regenerate line: only where a model that reads it runs."""
    return ["--fee", repr(fee)] if "hummingbot" in models(args) else []


def fill_choice(args: argparse.Namespace, model: str | None = None) -> FillChoice:
    """The fill options one model's run takes (default: --fill-model's). The maker/taker rates and the
    slippage belong to the conservative run; where none runs they are passed on, to be refused by name."""
    model = model or args.fill_model
    if model == "conservative" or "conservative" not in models(args):
        return FillChoice(model, args.maker_fee, args.taker_fee, args.slippage, args.decisions)
    return FillChoice(model)


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
    if args.decisions is not None:
        argv += ["--decisions", args.decisions]
    return argv


def add_hedge_options(parser: argparse.ArgumentParser, candles: bool = True) -> None:
    """A hedged market maker's perp (hedged_mm): its candles (backtest), its fees and its funding rate."""
    if candles:
        parser.add_argument(
            "--hedge-candles",
            type=Path,
            help="hedged_mm (required for it): the perp's candles, same interval, a bar at every spot bar",
        )
    parser.add_argument(
        "--funding-rate",
        type=float,
        default=None,
        help=f"hedged_mm: the perp's funding rate per 8 h, charged on its position ({DEFAULT_FUNDING_RATE})",
    )
    for flag, what in (("--hedge-maker-fee", "maker"), ("--hedge-taker-fee", "taker")):
        parser.add_argument(
            flag,
            type=float,
            default=None,
            help=f"hedged_mm: the perp's {what} rate (default: the hedge connector's public tier)",
        )


def hedge_choice(args: argparse.Namespace) -> HedgeChoice:
    return HedgeChoice(
        getattr(args, "hedge_candles", None), args.funding_rate, args.hedge_maker_fee, args.hedge_taker_fee
    )


def hedge_argv(args: argparse.Namespace) -> list[str]:
    """The perp's options as given, for the re-run in the runtime image (paths absolute)."""
    argv = []
    for flag, value in (
        ("--funding-rate", args.funding_rate),
        ("--hedge-maker-fee", args.hedge_maker_fee),
        ("--hedge-taker-fee", args.hedge_taker_fee),
    ):
        if value is not None:
            argv += [flag, repr(value)]
    if getattr(args, "hedge_candles", None) is not None:
        argv += ["--hedge-candles", str(args.hedge_candles.resolve())]
    return argv
