"""`hbot-strategies execution`: execution algorithms against a single market order of the same size, over
many windows of many markets. One execution backtest prices one window (backtest.execution_data); this
prices a window a day on every candle file given, on both sides, and sums them up.

How a window is run: the candles from the algorithm's warm-up before the window's first bar to the bar
after its window (room for a final sweep to fill) go through the engine like any backtest, and
execution_report.run_report prices the run. The benchmark is one market order of the whole size sent
when the algorithm's first child was, filled by the same fill model's market rule.

Two choices shape the figures; the document states both:

* **Size.** The engine has no market impact (a bar fills an order whole, at no cost to the next bar),
  so a cost in basis points does not depend on the order's size, except through vwap's participation
  cap. Each parent order is sized to `volume_share` of the volume its window traded, so the cap means
  the same on every market, and the `*_base` fields the template gives (iceberg's visible_base) keep
  their proportion to the target. Its capital (total_amount_quote, of which the kill switch's
  max_drawdown_pct is a share) is the order's value at the window's first close. Slicing's main
  benefit in a real market, a smaller footprint, is therefore not measured here: what is measured is
  timing (drift over the window), the spread and fees saved by resting, and the sweep's cost when
  resting did not fill.
* **Direction.** A buy in a rising window pays the rise, a sell earns it. Both sides run on every window,
  so the mean over both sides is the algorithm's cost with the market's direction taken out; the per-side
  rows keep it.

Inside the Hummingbot runtime only (the CLI re-runs itself there): run_window imports the engine.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controllers.analysis.candles import Candles, Market, describe_markets, load_candles
from controllers.analysis.compare import markdown_table, model_name, open_market, run_each
from controllers.analysis.fill_model import FillTerms, model_summary, order_assumptions
from controllers.analysis.inputs import (
    DEFAULT_CHOICE,
    FillChoice,
    InputError,
    check_config,
    check_fee,
    is_execution,
    once_a_bar,
)
from controllers.plugin_system.registry import CheckedConfig, StrategyRegistry, load_registry

DAY = 86_400
SIDES = ("buy", "sell")
SWEEP_BARS = 4
# (key in a summary row, Markdown header, format)
SUMMARY_COLUMNS = (
    ("market", "market", "{}"),
    ("label", "algorithm", "{}"),
    ("side", "side", "{}"),
    ("windows", "windows", "{}"),
    ("completion", "completion %", "pct"),
    ("cost_bps", "cost bps", "{:,.1f}"),
    ("benchmark_cost_bps", "market order bps", "{:,.1f}"),
    ("saving_bps", "saving bps", "{:,.1f}"),
    ("saving_se_bps", "± s.e.", "{:,.1f}"),
    ("cheaper", "cheaper in %", "pct"),
    ("vwap_slippage_bps", "vs VWAP bps", "{:,.1f}"),
)


@dataclass(frozen=True)
class StudyWindow:
    """One parent order on one market's window: the config checked, and which bars the engine runs."""

    label: str
    market: Market
    config: dict[str, Any]  # normalised
    warmup_bars: int
    first: int  # the engine's first bar (the warm-up's), an index into the file
    stop: int  # one past the engine's last bar
    fee: float
    fill: FillTerms | None
    fill_gaps: bool


def scaled(template: Mapping[str, Any], target_base: float, side: str) -> dict[str, Any]:
    """The template at `target_base` on `side`: every other `*_base` field keeps its share of the target
    (an iceberg's visible size stays a tenth of its order)."""
    ratio = target_base / float(template["target_base"])
    config = {**template, "target_base": target_base, "side": side}
    for name, value in template.items():
        if name.endswith("_base") and name != "target_base" and isinstance(value, int | float):
            config[name] = value * ratio
    return config


def plan_study(
    templates: Sequence[tuple[str, Mapping[str, Any]]],
    candle_files: Sequence[str | Path],
    *,
    volume_share: float,
    every_seconds: int = DAY,
    fee: float,
    fill_gaps: bool = False,
    registry: StrategyRegistry | None = None,
    choice: FillChoice = DEFAULT_CHOICE,
) -> list[StudyWindow]:
    """Every (template, market, window, side), each checked as its backtest would be; InputError names
    the field otherwise (nothing has run yet)."""
    registry = registry or load_registry()
    fee = check_fee(fee)
    if not 0 < volume_share <= 1:
        raise InputError("volume_share", f"{volume_share} must be in (0, 1]: a share of the window's volume")
    if every_seconds <= 0:
        raise InputError("every", f"{every_seconds} must be a positive number of seconds")
    if not templates:
        raise InputError("configs", "no execution algorithm given")
    if not candle_files:
        raise InputError("candles", "no candle files given")
    choice = once_a_bar(choice, "execution algorithms (each judged against a market order on a bar)")
    windows: list[StudyWindow] = []
    for path in candle_files:
        market, candles, fill = open_market(path, fill_gaps, choice)
        for label, template in templates:
            where = f"{label} on {market.name}"
            base = {
                **template,
                "connector_name": market.connector,
                "trading_pair": market.trading_pair,
                "interval": candles.interval,
            }
            checked = check_config(base, registry, where)
            if not is_execution(checked.spec):
                raise InputError(where, f"{checked.name} is not an execution algorithm (twap, vwap, iceberg)")
            terms = (fee, fill, fill_gaps, every_seconds, volume_share)
            windows += _windows(label, market, candles, checked, registry, *terms)
    return windows


def _windows(
    label: str,
    market: Market,
    candles: Candles,
    checked: CheckedConfig,
    registry: StrategyRegistry,
    fee: float,
    fill: FillTerms | None,
    fill_gaps: bool,
    every_seconds: int,
    volume_share: float,
) -> list[StudyWindow]:
    template, warmup = checked.config, checked.warmup_bars
    step = candles.interval_seconds
    # room after the window: the cancel of a working child, the sweep, and the sweep's fill take a bar each
    window_bars = math.ceil(float(template["duration"]) / step) + SWEEP_BARS
    every = max(1, every_seconds // step)
    found = []
    for start in range(warmup, candles.rows - window_bars + 1, every):
        traded = sum(candles.volume[start : start + window_bars])
        if traded <= 0:
            continue  # a window with no trades (filled gaps): nothing to size the order by
        target = volume_share * traded
        # The kill switch's capital is the order's own value at the window's start: max_drawdown_pct then
        # stops an order whose marked shortfall passes that share of it, on every market alike.
        capital = round(target * candles.close[start], 8)
        for side in SIDES:
            checked = registry.check({**scaled(template, target, side), "total_amount_quote": capital})
            found.append(
                StudyWindow(
                    label, market, checked.config, warmup, start - warmup, start + window_bars,
                    fee, fill, fill_gaps,
                )
            )  # fmt: skip
    return found


@functools.lru_cache(maxsize=8)
def _candles(path: str, fill_gaps: bool) -> Candles:
    return load_candles(path, fill_gaps=fill_gaps)


def run_window(window: StudyWindow) -> dict[str, Any]:
    """Backtest one window (runtime image only) and return its row."""
    import warnings

    from controllers.analysis.engine import run_config
    from controllers.analysis.execution_report import run_report

    warnings.filterwarnings("ignore")
    candles = _candles(window.market.path, window.fill_gaps).take(window.first, window.stop)
    run = run_config(window.config, candles, fee=window.fee, warmup_bars=window.warmup_bars, fill=window.fill)
    report = run_report(run, candles.as_columns(), window.config)
    row = {
        "market": window.market.name,
        "label": window.label,
        "controller": window.config["controller_name"],
        "side": window.config["side"],
        "fill_model": model_name(window.fill),
        "window_start": candles.timestamps[window.warmup_bars],
        "target_base": window.config["target_base"],
        "child_orders": len(run.executors),
        "fills": len(run.fills),
    }
    if report is None:
        return {**row, "completion": 0.0}
    run_quality, benchmark = report.run, report.benchmark
    return {
        **row,
        "completion": run_quality.completion,
        "cost_bps": run_quality.total_cost_bps,
        "shortfall_bps": run_quality.shortfall_bps,
        "fees_bps": run_quality.fees_bps,
        "vwap_slippage_bps": run_quality.vwap_slippage_bps,
        "benchmark_cost_bps": None if benchmark is None else benchmark.total_cost_bps,
    }


def run_study(windows: Sequence[StudyWindow], workers: int, progress: bool) -> list[dict[str, Any]]:
    return run_each(run_window, windows, workers, progress, "execution", chunksize=8)


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _standard_error(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else None


def summarise(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per (market, algorithm, side), then per (market, algorithm) over both sides, then per
    algorithm over every market. saving = market order's cost - the algorithm's (> 0: the algorithm was
    cheaper), over the windows where both were priced; its standard error says how sure the mean is."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        for key in (
            (row["market"], row["label"], row["side"]),
            (row["market"], row["label"], "both"),
            ("all", row["label"], "both"),
        ):
            groups.setdefault(key, []).append(row)
    summary = []
    for (market, label, side), members in groups.items():
        priced = [
            r for r in members if r.get("cost_bps") is not None and r.get("benchmark_cost_bps") is not None
        ]
        savings = [r["benchmark_cost_bps"] - r["cost_bps"] for r in priced]
        vwap = [r["vwap_slippage_bps"] for r in priced if r.get("vwap_slippage_bps") is not None]
        summary.append(
            {
                "market": market,
                "label": label,
                "side": side,
                "windows": len(members),
                "completion": _mean([r["completion"] for r in members]),
                "cost_bps": _mean([r["cost_bps"] for r in priced]),
                "benchmark_cost_bps": _mean([r["benchmark_cost_bps"] for r in priced]),
                "saving_bps": _mean(savings),
                "saving_se_bps": _standard_error(savings),
                "cheaper": _mean([1.0 if s > 0 else 0.0 for s in savings]),
                "vwap_slippage_bps": _mean(vwap),
            }
        )  # fmt: skip
    order = {"buy": 0, "sell": 1, "both": 2}
    summary.sort(key=lambda r: (r["market"] == "all", r["market"], r["label"], order[r["side"]]))
    return summary


def markdown_document(
    summary: Sequence[Mapping[str, Any]],
    *,
    command: str,
    title: str,
    volume_share: float,
    every_seconds: int,
    fill: FillTerms | None,
    fee: float,
    markets: Sequence[Mapping[str, Any]],
    wall_seconds: float,
) -> str:
    """The study as Markdown: how it was made, then the overall table, then market by market."""
    model = model_summary(fill, fee)
    overall = [row for row in summary if row["market"] == "all"]
    by_market = [row for row in summary if row["market"] != "all"]
    data = describe_markets(markets)
    lines = [
        f"# {title}",
        "",
        f"Regenerate: `{command}` ({wall_seconds:.0f} s on this machine).",
        "",
        "Each algorithm works one parent order per window, a window starting every"
        f" {every_seconds / 3600:g} h on every file, on both sides, sized to {volume_share:.0%} of the volume"
        " its window traded. The benchmark is one market order of the whole size, sent when the algorithm's"
        " first child was. Costs are implementation shortfall against the arrival price (the close of the"
        " bar that priced the first child) plus fees, in basis points of the executed notional; saving ="
        " the market order's cost minus the algorithm's (> 0: the algorithm was cheaper). Unexecuted parts"
        " are not priced: see completion.",
        "",
        "The engine has no market impact and fills an order whole or not at all, so slicing's main benefit,"
        " a smaller footprint, is not measured here: what is measured is the drift over the window, the"
        " spread and fees saved by resting, and the sweep's cost when resting did not fill. On both sides"
        " together the market's direction cancels; the per-side rows keep it.",
        "",
        f"Fill model: {model_name(fill)}. " + " ".join(order_assumptions(model)),
        "",
        f"Data: {data}.",
        "",
        "## Every market",
        "",
        markdown_table(overall, SUMMARY_COLUMNS),
        "",
        "## By market and side",
        "",
        markdown_table(by_market, SUMMARY_COLUMNS),
        "",
    ]
    return "\n".join(lines)


__all__ = [
    "StudyWindow",
    "markdown_document",
    "plan_study",
    "run_study",
    "run_window",
    "scaled",
    "summarise",
]
