"""`hbot-strategies compare`: several controller configs over several candle files, one table.

Each config is a template: the market fields come from the candle file's name
(`<BASE>-<QUOTE>[-PERP]_<interval>.csv` -> binance or binance_perpetual, the pair, the interval),
capital and fees from the command line, everything else from the config. A plain fixed-spread
baseline (registry defaults) is always in the table, so every figure has a reference.

    cases = plan_cases(configs, candle_files, fee=0.001, capital=1000)   # pure, AnalysisError on bad input
    rows = run_cases(cases, workers=2)                                  # runtime image only
    markdown_table(rows), csv_text(rows)
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controllers.analysis.bootstrap import LEVEL, RESAMPLES, sharpe_difference
from controllers.analysis.candles import CandleError, Candles, Market, load_candles
from controllers.analysis.fill_model import FillTerms, assumptions
from controllers.analysis.inputs import (
    DEFAULT_CHOICE,
    FillChoice,
    InputError,
    check_fee,
    check_fill,
    is_execution,
    prepare_backtest,
)
from controllers.analysis.maker import HORIZONS
from controllers.plugin_system.registry import CheckedConfig, StrategyRegistry, load_registry

MAKER_NOTE = (
    "Net PnL = spread capture (each fill's edge against the backtest's mid when it filled: its bar's"
    " close, or with decisions path the price of the point it filled at, which has just traded through"
    " it, so path fills capture less) + inventory PnL (holding from close to close) - fees, over the"
    " whole file (controllers/analysis/maker.py). Hummingbot's model fills at closes, so it books no"
    " spread capture."
)
BASELINE = "fixed_spread"
BASELINE_LABEL = "fixed_spread (baseline)"
# (key in a row, Markdown header, format); every table starts with the row's market and controller
ROW_KEYS = (("market", "market", "{}"), ("label", "controller", "{}"))
TABLE_COLUMNS = (
    *ROW_KEYS,
    ("net_pnl_quote", "PnL (quote)", "{:,.2f}"),
    ("total_return", "return %", "pct"),
    ("sharpe", "Sharpe", "{:,.2f}"),
    ("sortino", "Sortino", "{:,.2f}"),
    ("max_drawdown", "max DD %", "pct"),
    ("calmar", "Calmar", "{:,.2f}"),
    ("trades", "trades", "{:d}"),
    ("win_rate", "win %", "pct"),
    ("profit_factor", "profit factor", "{:,.2f}"),
    ("turnover", "turnover", "{:,.1f}"),
    ("fees_quote", "fees", "{:,.2f}"),
    ("inventory_mean_abs_pct", "mean abs inv %", "pct"),
    ("var_95", "VaR95 %", "pct3"),
    ("engine_sharpe", "HB Sharpe", "{:,.2f}"),
)

# The market-making analytics (maker.py), a second table: where the PnL came from and how fills fared.
MAKER_COLUMNS = (
    *ROW_KEYS,
    ("pnl_spread_quote", "spread capture", "{:,.2f}"),
    ("pnl_inventory_quote", "inventory PnL", "{:,.2f}"),
    ("pnl_fees_quote", "fees", "{:,.2f}"),
    ("pnl_net_quote", "net", "{:,.2f}"),
    ("fill_ratio", "fill ratio %", "pct"),
    ("quote_uptime", "two-sided uptime %", "pct"),
    *((f"markout_{side}_{k}_bps", f"{side} +{k}", "{:,.1f}") for side in ("buy", "sell") for k in HORIZONS),
)


# How sure a ranking is: each controller's Sharpe minus the baseline's, with its bootstrap interval.
CONFIDENCE_COLUMNS = (
    *ROW_KEYS,
    ("sharpe", "Sharpe", "{:,.2f}"),
    ("sharpe_diff", "minus the baseline's", "{:+,.2f}"),
    ("sharpe_diff_low", f"{LEVEL:.0%} CI low", "{:+,.2f}"),
    ("sharpe_diff_high", f"{LEVEL:.0%} CI high", "{:+,.2f}"),
)


@dataclass(frozen=True)
class Case:
    """One backtest of the comparison: a fully specified config on one candle file."""

    label: str
    market: Market
    checked: CheckedConfig
    fee: float
    fill_gaps: bool
    fill: FillTerms | None = None  # the conservative model's terms; None: Hummingbot's own model


def market_config(
    template: Mapping[str, Any],
    market: Market,
    interval: str,
    fee: float,
    capital: float,
    fill: FillTerms | None = None,
) -> dict:
    """The template with the market, interval, capital and fees of this comparison (under the
    conservative model, the rates it charges: the controllers then know what fills cost)."""
    config = {
        **template,
        "connector_name": market.connector,
        "trading_pair": market.trading_pair,
        "interval": interval,
        "total_amount_quote": capital,
    }
    config["fee_maker"] = fee if fill is None else fill.maker_fee
    config["fee_taker"] = fee if fill is None else fill.taker_fee
    return config


def _is_baseline(config: Mapping[str, Any]) -> bool:
    """fixed_spread with nothing but its defaults (the market fields are set per file anyway)."""
    return config.get("controller_name") == BASELINE and set(config) <= {"controller_name", "controller_type"}


def with_baseline(templates: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, dict]]:
    """The fixed-spread baseline at its defaults first (given or added), then the other templates."""
    others = [(label, dict(config)) for label, config in templates if not _is_baseline(config)]
    return [(BASELINE_LABEL, {"controller_name": BASELINE}), *others]


def open_market(
    path: str | Path, fill_gaps: bool, choice: FillChoice
) -> tuple[Market, Candles, FillTerms | None]:
    """A candle file's market (from its name), its candles, and the fill terms its connector gets."""
    market = Market.from_path(path)
    try:
        candles = load_candles(path, fill_gaps=fill_gaps)
    except CandleError as error:
        raise InputError("candles", str(error)) from None
    try:
        return market, candles, check_fill(choice, market.connector, {})
    except InputError as error:
        raise InputError(market.name, str(error)) from None


def plan_cases(
    templates: Sequence[tuple[str, Mapping[str, Any]]],
    candle_files: Sequence[str | Path],
    *,
    fee: float,
    capital: float,
    fill_gaps: bool = False,
    registry: StrategyRegistry | None = None,
    choice: FillChoice = DEFAULT_CHOICE,
) -> list[Case]:
    """Every (config, market) case, each fully checked as a backtest would be; AnalysisError otherwise.

    Under the conservative model each market pays the rates given, else its connector's public tier."""
    registry = registry or load_registry()
    fee = check_fee(fee)
    if capital <= 0:
        raise InputError("capital", f"{capital} must be positive")
    if not candle_files:
        raise InputError("candles", "no candle files given")
    for label, template in templates:
        name = template.get("controller_name")
        if name in registry.names() and is_execution(registry.get(name)):
            raise InputError(
                label,
                f"{name} is an execution algorithm; compare ranks trading strategies by PnL. Backtest it"
                " on its own: its report prices it against a single market order",
            )
    cases = []
    for path in candle_files:
        market, candles, fill = open_market(path, fill_gaps, choice)
        for label, template in with_baseline(templates):
            config = market_config(template, market, candles.interval, fee, capital, fill)
            try:
                job = prepare_backtest(
                    config, candles, fee, registry=registry, choice=FillChoice(model_name(fill))
                )
            except InputError as error:
                raise InputError(f"{label} on {market.name}", str(error)) from None
            cases.append(Case(label, market, job.checked, fee, fill_gaps, fill))
    return cases


def model_name(fill: FillTerms | None) -> str:
    return "hummingbot" if fill is None else "conservative"


def run_case(case: Case) -> dict[str, Any]:
    """Backtest one case (runtime image only) and return its table row."""
    import warnings

    from controllers.analysis.engine import UnsupportedExecutorError, run_config
    from controllers.analysis.metrics import run_metrics

    warnings.filterwarnings("ignore")
    candles = load_candles(case.market.path, fill_gaps=case.fill_gaps)
    try:
        run = run_config(
            case.checked.config, candles, fee=case.fee, warmup_bars=case.checked.warmup_bars, fill=case.fill
        )
    except UnsupportedExecutorError as error:  # the whole comparison stops: a row of zeros would lie
        raise InputError(f"{case.label} on {case.market.name}", str(error)) from None
    return {
        "market": case.market.name,
        "label": case.label,
        "controller": case.checked.name,
        "fill_model": model_name(case.fill),
        "rows": candles.rows,
        "filled_bars": candles.filled_bars,
        **run_metrics(run),
        "engine_net_pnl_quote": run.summary.get("net_pnl_quote"),
        "engine_sharpe": run.summary.get("sharpe_ratio"),
        "engine_max_drawdown_pct": run.summary.get("max_drawdown_pct"),
        "engine_profit_factor": run.summary.get("profit_factor"),
        "engine_accuracy": run.summary.get("accuracy"),
        "executors": len(run.executors),  # what the engine's cost follows (one simulation each)
        "wall_seconds": round(run.wall_seconds, 1),
        **_scored_returns(run),  # for the bootstrap against the baseline; dropped before any output
    }


def _scored_returns(run: Any) -> dict[str, Any]:
    from controllers.analysis.metrics import bars_per_year, first_scored_bar
    from controllers.shared_base.indicators import interval_seconds

    timestamps = run.bars["timestamp"].tolist()
    start = first_scored_bar(timestamps, run.warmup_bars, None)
    return {
        "_pnl": dict(zip(timestamps, run.bars["pnl_quote"].tolist(), strict=True)),
        "_capital": run.capital,
        "_start": timestamps[start] if timestamps else 0.0,
        "_periods": bars_per_year(interval_seconds(run.interval)),
    }


def _paired_returns(row: Mapping[str, Any], base: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    """Both runs' per-bar returns over the bars both score: the bars both stepped, from the later of
    their warm-ups (each controller's features may start the engine on a different bar)."""
    from controllers.analysis.metrics import bar_returns, scored_equity

    start = max(row["_start"], base["_start"])
    common = sorted(t for t in row["_pnl"].keys() & base["_pnl"].keys() if t >= start)
    return tuple(
        bar_returns(scored_equity([r["_pnl"][t] for t in common], r["_capital"])) for r in (row, base)
    )


def with_confidence(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each controller's Sharpe difference against the baseline on the same market and fill model, over
    the bars both score, with its bootstrap interval (bootstrap.py); the per-bar PnL it needed is dropped."""
    baselines = {(r["fill_model"], r["market"]): r for r in rows if r["label"] == BASELINE_LABEL}
    keys = ("sharpe_diff", "sharpe_diff_low", "sharpe_diff_high")
    out = []
    for row in rows:
        base = baselines.get((row["fill_model"], row["market"]))
        result = None
        if base is not None and row is not base:
            result = sharpe_difference(*_paired_returns(row, base), row["_periods"])
        out.append({**row, **{key: (result or {}).get(key) for key in keys}})
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in out]


def run_cases(cases: Sequence[Case], workers: int | None = None, progress: bool = False) -> list[dict]:
    """Every case once, in up to `workers` processes (default: one per core); rows in case order.

    The longest files start first, so no worker is left alone with a long run at the end.
    """
    workers = max(1, min(workers or os.cpu_count() or 1, len(cases) or 1))
    order = sorted(range(len(cases)), key=lambda i: -Path(cases[i].market.path).stat().st_size)
    rows_by_case = dict(
        zip(order, run_each(run_case, [cases[i] for i in order], workers, progress, "compare"), strict=True)
    )
    return with_confidence([rows_by_case[i] for i in range(len(cases))])


def run_each(
    function: Callable[[Any], dict],
    items: Sequence[Any],
    workers: int,
    progress: bool,
    desc: str,
    chunksize: int = 1,
) -> list[dict]:
    """function(item) for every item, in order, in up to `workers` forked processes; a progress bar on
    stderr when asked. compare's cases and the execution study's windows run through it."""
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=len(items), desc=desc, unit="run", file=sys.stderr)
    rows: list[dict] = []
    try:
        if workers == 1:
            for item in items:
                rows.append(function(item))
                if bar is not None:
                    bar.update(1)
            return rows
        # fork: workers inherit the imported runtime (Hummingbot takes seconds to import)
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for row in pool.map(function, items, chunksize=chunksize):
                rows.append(row)
                if bar is not None:
                    bar.update(1)
        return rows
    finally:
        if bar is not None:
            bar.close()


def _cell(value: Any, style: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if style == "pct":
        return f"{value * 100:,.2f}"
    if style == "pct3":
        return f"{value * 100:,.3f}"
    return style.format(value)


def markdown_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str, str]] = TABLE_COLUMNS
) -> str:
    header = "| " + " | ".join(title for _, title, _ in columns) + " |"
    rule = "|" + "|".join("---" if style == "{}" else "---:" for _, _, style in columns) + "|"
    body = ["| " + " | ".join(_cell(row.get(key), style) for key, _, style in columns) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def against_baseline(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """One sentence per controller: in how many markets it beats the baseline."""
    baseline = {row["market"]: row for row in rows if row["label"] == BASELINE_LABEL}
    lines = []
    for label in dict.fromkeys(row["label"] for row in rows if row["label"] != BASELINE_LABEL):
        mine = [row for row in rows if row["label"] == label and row["market"] in baseline]
        if not mine:
            continue

        def better(key: str, lower: bool = False, rows_: list = mine) -> int:
            count = 0
            for row in rows_:
                ours, theirs = row.get(key), baseline[row["market"]].get(key)
                if (
                    ours is not None
                    and theirs is not None
                    and ((ours < theirs) if lower else (ours > theirs))
                ):
                    count += 1
            return count

        n = len(mine)
        lines.append(
            f"* `{label}` beats the baseline on PnL in {better('net_pnl_quote')}/{n} markets, on Sharpe in"
            f" {better('sharpe')}/{n}, and has the lower max drawdown in {better('max_drawdown', True)}/{n}."
        )
    return lines


# (key in a row, Markdown header, format): the figures set side by side when two fill models ran
SIDE_BY_SIDE = (
    ("net_pnl_quote", "PnL", "{:,.2f}"),
    ("sharpe", "Sharpe", "{:,.2f}"),
    ("trades", "trades", "{:d}"),
    ("fees_quote", "fees", "{:,.2f}"),
)


def side_by_side(rows: Sequence[Mapping[str, Any]], also: Sequence[Mapping[str, Any]]) -> str:
    """The same cases under two fill models, each figure's two values next to each other."""
    first, second = rows[0]["fill_model"], also[0]["fill_model"]
    header = ["market", "controller"]
    for _, title, _ in SIDE_BY_SIDE:
        header += [f"{title} ({first})", f"{title} ({second})"]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (2 * len(SIDE_BY_SIDE))]
    for mine, theirs in zip(rows, also, strict=True):
        if (mine["market"], mine["label"]) != (theirs["market"], theirs["label"]):
            raise ValueError(f"side_by_side: {theirs['label']} on {theirs['market']} is out of step")
        cells = [mine["market"], mine["label"]]
        for key, _, style in SIDE_BY_SIDE:
            cells += [_cell(mine.get(key), style), _cell(theirs.get(key), style)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    keys = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def markdown_document(
    rows: Sequence[Mapping[str, Any]],
    *,
    command: str,
    fee: float,
    capital: float,
    notes: str = "",
    title: str = "Strategy comparison",
    wall_seconds: float | None = None,
    fill: FillTerms | None = None,
    also: Sequence[Mapping[str, Any]] = (),
) -> str:
    from controllers.analysis.metrics import CONVENTIONS

    if fill is None:
        costs = (
            f"Hummingbot's own fill model; fee {fee:.2%} per fill (the engine's `trade_cost`, and the"
            " controllers' maker/taker fees)"
        )
    else:
        model = {"name": "conservative", **fill.summary()}
        costs = " ".join(assumptions(model)).rstrip(".") + " (the controllers' maker/taker fees too)"

    filled = {row["market"]: row["filled_bars"] for row in rows if row.get("filled_bars")}
    lines = [
        f"# {title}",
        "",
        f"Regenerate: `{command}`"
        + (f" ({wall_seconds / 60:.0f} min on {os.cpu_count()} cores)." if wall_seconds else "."),
        "",
        f"Hummingbot's own `BacktestingEngineBase`, offline, in the analysis runtime image. {costs}. Capital"
        f" {capital:,.0f} quote, every other parameter as in the config (registry defaults for"
        " built-ins); the market comes from the file name. Kill switch on, as an operator runs it.",
        "",
        f"Conventions: {CONVENTIONS}. `HB Sharpe` is Hummingbot's own summary figure (not annualised,"
        " per executor), for reference.",
    ]
    if filled:
        lines += [
            "",
            "Gaps filled with flat zero-volume bars (`--fill-gaps`): "
            + ", ".join(f"{market} {count} bars" for market, count in sorted(filled.items()))
            + ".",
        ]
    lines += ["", markdown_table(rows), "", *against_baseline(rows)]
    lines += [
        "",
        "## Market making: where the PnL came from",
        "",
        f"{MAKER_NOTE} Markouts: the entry fills' mean move the fill's way, in bps, k bars later"
        " (negative from +1 on: adverse selection).",
        "",
        markdown_table(rows, MAKER_COLUMNS),
        "",
        "## How sure: each Sharpe against the baseline's",
        "",
        f"A paired moving-block bootstrap of the per-bar returns over the bars both runs score (from the"
        " later warm-up; so the difference can differ from the main table's Sharpes)"
        f" (controllers/analysis/bootstrap.py):"
        f" {RESAMPLES} resamples drawing the same blocks of about n^(1/3) consecutive bars from both runs,"
        f" seeded, so the interval repeats to the last digit. An interval that straddles 0 means this"
        " file cannot tell the two apart; n/a means one of the two is flat over those bars (a baseline"
        " whose kill switch tripped before the other's warm-up ended), so no Sharpe can be compared.",
        "",
        markdown_table([row for row in rows if row["label"] != BASELINE_LABEL], CONFIDENCE_COLUMNS),
    ]
    if also:
        other = also[0]["fill_model"]
        lines += [
            "",
            f"## The same runs under the {other} fill model",
            "",
            f"Every case again, under the {other} model at its own defaults"
            + (f" (fee {fee:.2%} per fill, the exit leg free)" if other == "hummingbot" else "")
            + ". Same data, configs and capital: the difference is the fill model alone.",
            "",
            side_by_side(rows, also),
            "",
            *against_baseline(also),
        ]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def timed_run(cases: Sequence[Case], workers: int | None, progress: bool) -> tuple[list[dict], float]:
    started = time.perf_counter()
    rows = run_cases(cases, workers, progress)
    return rows, time.perf_counter() - started
