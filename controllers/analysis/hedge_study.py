"""`hbot-strategies hedge`: the hedged market maker (hedged_mm) against the unhedged flagship (inventory_mm),
the same quoting, on every spot candle file given, through the two-market engine (hedge_engine.py).

Per file, two backtests with one quoting config (the registry's defaults, the market, capital and fees
of the file, as compare sets them): inventory_mm alone, and hedged_mm, whose perp is priced by the
same file's candles at zero basis (a perp at the spot's price, bar for bar) and charged the perp's
fees and a stated funding rate. The shipped data has no spot and perp pair of one base and period, so
the study says so at its head; `backtest --hedge-candles` takes a real perp file where one exists.

Each pair runs twice: with the kill switch as shipped (max_drawdown_pct 5% of capital), which an
operator runs and which stops most runs on these files within days; and with it off (max_drawdown_pct
100%), so the hedge's effect on variance is measured over the whole file.

The hedge band scales with the market: delta_band_base = band_share of the largest inventory the
flagship may hold (max_inventory_pct of the capital), in base at the file's first close, and
min_hedge_base half of it. At the registry's 0.01 base the band means 0.3% of the inventory cap on one
market and 300% on another.

Pure but for run_case (runtime image only), as compare.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controllers.analysis.candles import Candles, Market, describe_markets
from controllers.analysis.compare import (
    Case,
    markdown_table,
    market_config,
    model_name,
    open_market,
    run_each,
)
from controllers.analysis.fill_model import FillTerms, assumptions, model_summary
from controllers.analysis.inputs import (
    DEFAULT_CHOICE,
    FillChoice,
    HedgeChoice,
    InputError,
    check_perp_terms,
    once_a_bar,
    prepare_backtest,
)
from controllers.analysis.perp import PerpTerms
from controllers.plugin_system.registry import CheckedConfig, StrategyRegistry, load_registry

UNHEDGED, HEDGED = "inventory_mm", "hedged_mm"
HEDGE_CONNECTOR = "binance_perpetual"  # the shipped files are Binance's; its USD-M perps' fee tier
DEFAULT_BAND_SHARE = 0.2
# (label, max_drawdown_pct: None keeps the registry's default)
KILL_SWITCHES = (("as shipped", None), ("off", 1.0))
# (key in a row, Markdown header, format)
TABLE_COLUMNS = (
    ("market", "market", "{}"),
    ("label", "controller", "{}"),
    ("net_pnl_quote", "net PnL", "{:,.2f}"),
    ("total_return", "return %", "pct"),
    ("pnl_change_std_quote", "stdev of bar PnL change", "{:,.4f}"),
    ("max_drawdown", "max DD %", "pct"),
    ("spot_fills", "spot fills", "{:d}"),
    ("hedge_fills", "hedge fills", "{:d}"),
    ("spot_fees_quote", "spot fees", "{:,.2f}"),
    ("hedge_fees_quote", "hedge fees", "{:,.2f}"),
    ("funding_quote", "funding paid", "{:,.4f}"),
    ("hedge_pnl_quote", "hedge PnL", "{:,.2f}"),
    ("mean_abs_delta_pct", "mean abs delta %", "pct"),
    ("quoting_share", "quoting %", "pct"),
    ("median_hold_bars", "median hold (bars)", "{:,.1f}"),
)
DIFFERENCE_COLUMNS = (
    ("market", "market", "{}"),
    ("kill_switch", "kill switch", "{}"),
    ("pnl_difference_quote", "net PnL, hedged - unhedged", "{:+,.2f}"),
    ("std_ratio", "stdev of bar PnL change, hedged / unhedged", "{:,.2f}"),
    ("drawdown_ratio", "max DD, hedged / unhedged", "{:,.2f}"),
    ("delta_ratio", "mean abs delta, hedged / unhedged", "{:,.2f}"),
)


@dataclass(frozen=True)
class HedgeCase(Case):
    """One backtest of the study: compare's case, plus the perp's terms (set for the hedged one) and
    which kill switch it runs with."""

    terms: PerpTerms | None = None
    kill_switch: str = KILL_SWITCHES[0][0]


def hedge_band(max_inventory_quote: float, first_close: float, band_share: float) -> float:
    """delta_band_base: `band_share` of the inventory cap, in base at `first_close`."""
    return band_share * max_inventory_quote / first_close


def plan_study(
    candle_files: Sequence[str | Path],
    *,
    fee: float,
    capital: float,
    band_share: float = DEFAULT_BAND_SHARE,
    fill_gaps: bool = False,
    registry: StrategyRegistry | None = None,
    choice: FillChoice = DEFAULT_CHOICE,
    hedge: HedgeChoice | None = None,
) -> tuple[list[HedgeCase], list[str]]:
    """Both cases of every spot file, each checked as its backtest would be (InputError names the field),
    and the files left out (perpetuals: hedged_mm quotes on spot)."""
    registry = registry or load_registry()
    hedge = hedge or HedgeChoice()
    if capital <= 0:
        raise InputError("capital", f"{capital} must be positive")
    if not 0 < band_share <= 1:
        raise InputError("band_share", f"{band_share} must be in (0, 1]: a share of the inventory cap")
    if hedge.candles is not None:
        raise InputError(
            "hedge_candles", "the study prices each file's perp at zero basis from its own candles"
        )
    terms = check_perp_terms(hedge, HEDGE_CONNECTOR)
    choice = once_a_bar(choice, "a hedge's perp and its unhedged twin (stepped with the spot's bars)")
    cases, skipped = [], []
    for path in candle_files:
        market, candles, fill = open_market(path, fill_gaps, choice)
        if market.connector != "binance":
            skipped.append(market.name)
            continue
        for kill_switch, drawdown in KILL_SWITCHES:
            template = {"controller_name": UNHEDGED}
            if drawdown is not None:
                template["max_drawdown_pct"] = drawdown
            base = market_config(template, market, candles.interval, fee, capital, fill)
            pair = _pair(base, market, candles, fee, fill, registry, hedge, band_share)
            cases += [
                HedgeCase(UNHEDGED, market, pair[0], fee, fill_gaps, fill, None, kill_switch),
                HedgeCase(HEDGED, market, pair[1], fee, fill_gaps, fill, terms, kill_switch),
            ]
    if not cases:
        raise InputError("candles", "no spot candle file given (hedged_mm quotes on spot)")
    return cases, skipped


def _pair(
    base: dict[str, Any],
    market: Market,
    candles: Candles,
    fee: float,
    fill: FillTerms | None,
    registry: StrategyRegistry,
    hedge: HedgeChoice,
    band_share: float,
) -> tuple[CheckedConfig, CheckedConfig]:
    """The unhedged config and its hedged twin on one file, each checked as its backtest would be; the
    twin's perp is the file itself (zero basis)."""
    model = FillChoice(model_name(fill))
    try:
        unhedged = prepare_backtest(base, candles, fee, registry=registry, choice=model)
        cap = float(unhedged.config["total_amount_quote"]) * float(unhedged.config["max_inventory_pct"])
        band = hedge_band(cap, candles.close[0], band_share)
        hedged_config = {
            **base,
            "controller_name": HEDGED,
            "hedge_connector_name": HEDGE_CONNECTOR,
            "hedge_trading_pair": market.trading_pair,
            "delta_band_base": band,
            "min_hedge_base": band / 2,
        }
        zero_basis = HedgeChoice(candles, hedge.funding_rate, hedge.maker_fee, hedge.taker_fee)
        hedged = prepare_backtest(
            hedged_config, candles, fee, registry=registry, choice=model, hedge=zero_basis
        )
    except InputError as error:
        raise InputError(market.name, str(error)) from None
    return unhedged.checked, hedged.checked


def pnl_change_std(pnl: Sequence[float]) -> float | None:
    """Sample standard deviation of the bar-to-bar changes of the cumulative PnL (quote): the equity's
    variance per bar, in the unit it is paid in."""
    changes = [b - a for a, b in zip(pnl, pnl[1:], strict=False)]
    return statistics.stdev(changes) if len(changes) > 1 else None


def median_hold_bars(fills: Sequence[Mapping[str, Any]], interval_seconds: float) -> float | None:
    """Median bars from a spot position's entry fill to its exit (engine.FILL_COLUMNS rows; a position
    still open at the end, a mark, is left out): how long the inventory a hedge answers lasts."""
    entries = {row["executor_id"]: row["timestamp"] for row in fills if row["leg"] == "entry"}
    holds = [
        (row["timestamp"] - entries[row["executor_id"]]) / interval_seconds
        for row in fills
        if row["leg"] == "exit" and row["executor_id"] in entries
    ]
    return statistics.median(holds) if holds else None


def run_case(case: HedgeCase) -> dict[str, Any]:
    """Backtest one case (runtime image only) and return its row."""
    import warnings

    from controllers.analysis.candles import load_candles
    from controllers.analysis.engine import run_config
    from controllers.analysis.hedge_engine import run_hedged_config
    from controllers.analysis.metrics import first_scored_bar, run_metrics

    warnings.filterwarnings("ignore")
    candles = load_candles(case.market.path, fill_gaps=case.fill_gaps)
    config, warmup = case.checked.config, case.checked.warmup_bars
    if case.terms is None:
        run = run_config(config, candles, fee=case.fee, warmup_bars=warmup, fill=case.fill)
    else:
        run = run_hedged_config(
            config, candles, candles, terms=case.terms, fee=case.fee, warmup_bars=warmup, fill=case.fill
        )
    metrics = run_metrics(run)
    timestamps = run.bars["timestamp"].tolist()
    start = first_scored_bar(timestamps, run.warmup_bars, None)
    pnl = run.bars["pnl_quote"].tolist()[start:]
    spot_fills = run.fills[run.fills["leg"] != "mark"]
    spot_fees = float(spot_fills["fee_quote"].sum())
    resting = (run.bars["resting_buys"] + run.bars["resting_sells"]).tolist()[start:]
    quoting = [i for i, count in enumerate(resting) if count]
    row = {
        "market": case.market.name,
        "label": case.label,
        "kill_switch": case.kill_switch,
        "fill_model": model_name(case.fill),
        "rows": candles.rows,
        "net_pnl_quote": metrics["net_pnl_quote"],
        "total_return": metrics["total_return"],
        "pnl_change_std_quote": pnl_change_std(pnl),
        "max_drawdown": metrics["max_drawdown"],
        "sharpe": metrics["sharpe"],
        "spot_fills": len(spot_fills),
        "spot_fees_quote": spot_fees,
        "hedge_fills": 0,
        "hedge_fees_quote": 0.0,
        "funding_quote": 0.0,
        "hedge_pnl_quote": 0.0,
        "mean_abs_delta_pct": metrics["inventory_mean_abs_pct"],
        # the scored bars up to the last one with a quote resting: where a kill switch stopped the run
        "quoting_share": (quoting[-1] + 1) / len(resting) if quoting else 0.0,
        "median_hold_bars": median_hold_bars(run.fills.to_dict("records"), candles.interval_seconds),
        "wall_seconds": round(run.wall_seconds, 1),
    }
    if case.terms is None:
        return row
    summary = run.extras["hedge_summary"]
    hedge = run.extras["hedge"]
    scored = hedge[hedge["timestamp"] >= timestamps[start]].dropna(subset=["net_delta_base"])
    delta_quote = (scored["net_delta_base"].abs() * scored["perp_close"]).tolist()
    return {
        **row,
        "hedge_fills": summary["fills"],
        "hedge_fees_quote": summary["fees_quote"],
        "funding_quote": summary["funding_quote"],
        "hedge_pnl_quote": summary["pnl_quote"],
        # net delta as the controller saw it each tick, after the spot's fills and before its hedge's
        "mean_abs_delta_pct": statistics.fmean(delta_quote) / run.capital if delta_quote else None,
    }


def run_study(cases: Sequence[HedgeCase], workers: int, progress: bool) -> list[dict[str, Any]]:
    return run_each(run_case, cases, workers, progress, "hedge")


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def differences(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per market and kill switch: hedged minus unhedged PnL, and the hedged run's risk figures over the
    unhedged's."""
    by_market: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        by_market.setdefault((row["market"], row["kill_switch"]), {})[row["label"]] = row
    out = []
    for (market, kill_switch), pair in by_market.items():
        if set(pair) != {UNHEDGED, HEDGED}:
            continue
        hedged, unhedged = pair[HEDGED], pair[UNHEDGED]
        out.append(
            {
                "market": market,
                "kill_switch": kill_switch,
                "pnl_difference_quote": hedged["net_pnl_quote"] - unhedged["net_pnl_quote"],
                "std_ratio": _ratio(hedged["pnl_change_std_quote"], unhedged["pnl_change_std_quote"]),
                "drawdown_ratio": _ratio(hedged["max_drawdown"], unhedged["max_drawdown"]),
                "delta_ratio": _ratio(hedged["mean_abs_delta_pct"], unhedged["mean_abs_delta_pct"]),
            }
        )
    return out


def markdown_document(
    rows: Sequence[Mapping[str, Any]],
    *,
    command: str,
    title: str,
    capital: float,
    band_share: float,
    terms: PerpTerms,
    fill: FillTerms | None,
    fee: float,
    markets: Sequence[Mapping[str, Any]],
    skipped: Sequence[str],
    wall_seconds: float,
) -> str:
    """The study as Markdown: what the perp is (zero basis, stated funding), then the figures."""
    model = model_summary(fill, fee)
    data = describe_markets(markets)
    lines = [
        f"# {title}",
        "",
        f"Regenerate: `{command}` ({wall_seconds:.0f} s on this machine).",
        "",
        "**The perp is the spot at zero basis.** The shared candles hold no spot and perpetual pair of one"
        " base and period, so each hedged run prices its perp with the spot file's own candles, bar for"
        " bar, plus a stated funding rate: the hedge's figures are its fees, its slippage, its lag and"
        " its funding, never a basis. `hbot-strategies backtest CONFIG --candles SPOT.csv --hedge-candles"
        " PERP.csv` runs the same engine on a real perp file.",
        "",
        f"Perp ({HEDGE_CONNECTOR}, public tier): maker {terms.maker_fee:.3%}, taker {terms.taker_fee:.3%};"
        f" funding {terms.funding_rate:.4%} per {terms.funding_period / 3600:g} h, charged at every"
        " funding timestamp (00:00, 08:00, 16:00 UTC) on the position held before it, at the last perp"
        " close; a short hedge of a long inventory receives a positive rate (controllers/analysis/perp.py)."
        " Not modelled: margin, leverage and liquidation, the perp's minimum order size, a funding rate"
        " that moves with the basis.",
        "",
        f"Both controllers quote alike: the registry's defaults, capital {capital:,.0f} quote, the"
        " market and fees of the file. hedged_mm adds a perp position at -(spot inventory) x hedge_ratio"
        f" (1.0), rebalanced by market orders when it strays past delta_band_base = {band_share:.0%} of"
        " the inventory cap (max_inventory_pct of capital) in base at the file's first close, by at least"
        " half of that. Its kill switch counts the hedge's PnL net of funding; the flagship's counts its"
        " own. Hedge orders are decided at a bar's close and filled on the next perp bar: the net delta"
        " leaves the band between a spot fill and the hedge that answers it.",
        "",
        f"Fill model: {model_name(fill)}. " + " ".join(assumptions(model)) + " Hedge orders are market"
        " orders: the next bar's open moved by the slippage, at the perp's taker rate.",
        "",
        "Columns: net PnL and its return on capital (spot and hedge, less funding); the standard"
        " deviation of the bar-to-bar change of that PnL (quote), the equity's variance; max drawdown of"
        " the equity; spot fills (entries and exits; a position still open at the end is a mark, not a"
        " fill); hedge fills; fees on each side; funding paid (< 0: received); the hedge's PnL before"
        " funding; the mean |net delta| as a share of capital (unhedged: its inventory; hedged: spot"
        " inventory plus the perp position, as the controller saw it each bar); quoting %: the scored"
        " bars up to the last with a quote resting (below 100: the kill switch stopped it there). Scored"
        " from the end of the warm-up, as every backtest.",
        "",
        f"Data: {data}."
        + (f" Left out (perpetuals; hedged_mm quotes on spot): {', '.join(skipped)}." if skipped else ""),
        "",
    ]
    for kill_switch, drawdown in KILL_SWITCHES:
        setting = (
            "the registry's max_drawdown_pct" if drawdown is None else f"max_drawdown_pct {drawdown:.0%}"
        )
        lines += [
            f"## Kill switch {kill_switch} ({setting})",
            "",
            markdown_table([row for row in rows if row["kill_switch"] == kill_switch], TABLE_COLUMNS),
            "",
        ]
    lines += [
        "## Hedged against unhedged",
        "",
        markdown_table(differences(rows), DIFFERENCE_COLUMNS),
        "",
        *reading(differences(rows)),
    ]
    return "\n".join(lines)


def reading(pairs: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the pairs say, counted (nothing here is written before the figures are)."""
    if not pairs:
        return []

    def count(key: str, better) -> int:
        return sum(1 for pair in pairs if pair[key] is not None and better(pair[key]))

    lower = {key: count(key, lambda r: r < 1) for key in ("std_ratio", "drawdown_ratio", "delta_ratio")}
    gained = count("pnl_difference_quote", lambda d: d > 0)
    return [
        f"Over the {len(pairs)} (market, kill switch) pairs the hedge lowered the bar-to-bar PnL variance"
        f" in {lower['std_ratio']}, the max drawdown in {lower['drawdown_ratio']}, the mean |net delta| in"
        f" {lower['delta_ratio']}, and raised the net PnL in {gained}."
        " Read it with `median hold`: a hedge order is decided at a bar's close and fills on the next bar,"
        " so where the flagship's positions live a bar or two (its take-profit, stop and time limit), the"
        " hedge opens about when the inventory it answers closes, and holds a delta of its own until the"
        " next bar unwinds it. A live bot answers within its tick and `hedge_cooldown` (seconds), so this"
        " lag is the backtest's bar, not the strategy's.",
        "",
    ]


__all__ = [
    "DEFAULT_BAND_SHARE",
    "HedgeCase",
    "differences",
    "hedge_band",
    "markdown_document",
    "median_hold_bars",
    "plan_study",
    "pnl_change_std",
    "reading",
    "run_case",
    "run_study",
]
