"""Flagship (inventory_mm) against the plain fixed_spread baseline, in Hummingbot's own backtesting
engine, on every shared candle set, at 0.1% fee. Writes docs/strategy-results.{md,json}.

    python3 tests/bench/flagship_vs_baseline.py            # on the host: runs in the runtime image
    HBOT_RUNTIME_RW=docs tests/hummingbot/run_in_runtime.sh python tests/bench/flagship_vs_baseline.py

Options: --controllers a,b  --rows N (most volatile N-bar window instead of whole files)
         --set key=value (config override for every controller, repeatable)  --workers N  --no-write

Both controllers run with their registry defaults (only connector, pair, interval, capital and fee
are set), so the comparison is of the strategies as an operator gets them, not of tuned variants.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hbot_runtime import fmt, reexec_in_runtime, write_outputs  # noqa: E402

reexec_in_runtime(__file__)

from controller_runs import Case, RunResult, candle_files, run_cases  # noqa: E402

from controllers.shared_base.indicators import interval_seconds  # noqa: E402

FEE = 0.001
CAPITAL = 1000.0
COMMAND = "python3 tests/bench/flagship_vs_baseline.py"


def metrics(run: RunResult) -> dict:
    """Equity is the engine's PnL of all executors (closed + open, marked to the bar close) at each tick."""
    trace = run.trace
    capital = run.params["total_amount_quote"]
    equity = trace["pnl_quote"].to_numpy()
    returns = [(b - a) / capital for a, b in zip(equity[:-1], equity[1:], strict=True)]
    bars_per_year = 365 * 86400 / interval_seconds(run.case.market.interval)
    mean = sum(returns) / len(returns) if returns else 0.0
    var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1) if len(returns) > 1 else 0.0
    sharpe = mean / math.sqrt(var) * math.sqrt(bars_per_year) if var > 0 else 0.0
    peak, max_dd = 0.0, 0.0
    for value in equity:
        peak = max(peak, value)
        max_dd = max(max_dd, peak - value)
    executors = run.executors
    filled = executors[executors["filled_amount_quote"] > 0]
    killed = trace[trace["killed"]]
    return {
        "market": run.case.market.name,
        "controller": run.case.controller,
        "rows": run.rows,
        "pnl_quote": float(run.summary["net_pnl_quote"]),
        "pnl_pct": float(run.summary["net_pnl_quote"]) / capital * 100,
        "sharpe": sharpe,
        "max_drawdown_pct": max_dd / capital * 100,
        "fills": int(len(filled)),
        "volume_quote": float(filled["filled_amount_quote"].sum()),
        "fees_quote": float(filled["cum_fees_quote"].sum()),
        "executors": int(len(executors)),
        "killed_at_bar": int(killed.index[0]) if len(killed) else None,
        "engine_sharpe": float(run.summary.get("sharpe_ratio", 0.0)),
        "wall_seconds": round(run.wall_seconds, 1),
    }


READING = """## Reading the table

* **What the engine measures.** In Hummingbot's backtester every fill is its own position, closed by
  the triple barrier (TP/SL 0.5%, time limit 900 s counted from the quote's creation); a quote fills
  when a candle closes through it, at that close. Netting a buy against a later sell (spread
  capture) is not modelled, so PnL here is about which fills a quoting rule accepts: fills that
  revert pay, fills that keep running (adverse selection) cost.
* **Flagship vs baseline.** `inventory_mm` quotes wider when measured volatility is higher and on
  the side a clean trend would run over, and leans against inventory. It therefore trades less than
  `fixed_spread`: it gives up PnL where a tight fixed spread harvests many small reversals, and
  avoids part of the losses where price runs. Both carry the same shared risk layer (fee floor,
  inventory limit with flatten, latching kill switch).
* **Not fitted.** The flagship's defaults are in units of measured volatility and of the fee floor,
  with the horizon set by the position time limit; they were chosen before these runs, are the same
  on every market and were not tuned to these five files (a wider quote-refresh band that was tried
  made four of five markets worse and was dropped). Whole files, no in-sample/out-of-sample split:
  issue #6's walk-forward search is where parameters get fitted, on held-out tails.
* **Caveat.** Five markets, three of them the same violent January 2018 fortnight: a ranking of two
  controllers here is weak evidence. Sharpe figures are high in absolute terms because the engine
  fills at the candle close beyond the quote; compare them across rows, not with live results."""


def markdown(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Strategy results: flagship vs fixed-spread baseline",
        "",
        f"Regenerate: `{COMMAND}"
        + (f" --rows {args.rows}" if args.rows else "")
        + "".join(f" --set {item}" for item in args.set)
        + "` (runs in the Hummingbot runtime image, 10-20 min on 2 cores).",
        "",
        "Hummingbot's own `BacktestingEngineBase` (v2.12.0), offline, on every file in"
        " `../shared/data/candles/`"
        + (" (whole files)." if args.rows is None else f" (most volatile {args.rows}-bar window each)."),
        f"Fee {FEE:.1%} per fill (engine `trade_cost`; the controllers' maker/taker fees too),"
        f" capital {CAPITAL:,.0f} quote, every other parameter at its registry default"
        + (f", plus overrides {args.set}" if args.set else "")
        + ". Kill switch on (5% drawdown of capital, latching), as an operator would run it.",
        "",
        "Conventions: equity = the engine's PnL of all executors (closed and open, marked to the bar"
        " close) at each bar; Sharpe = mean / std of per-bar equity changes over capital, annualised"
        " with sqrt(bars per year), risk-free 0. PnL is the engine's `net_pnl_quote`. `engine Sharpe` is"
        " Hummingbot's own summary figure (mean / std of cumulative PnL over cumulative volume per"
        " executor), shown for reference only.",
        "",
        "| market | controller | PnL (quote) | PnL % | Sharpe | max DD % | fills | volume | fees |"
        " killed at bar | engine Sharpe |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['market']} | {row['controller']} | {fmt(row['pnl_quote'])} | {fmt(row['pnl_pct'])}"
            f" | {fmt(row['sharpe'])} | {fmt(row['max_drawdown_pct'])} | {row['fills']}"
            f" | {fmt(row['volume_quote'], 0)} | {fmt(row['fees_quote'])}"
            f" | {row['killed_at_bar'] if row['killed_at_bar'] is not None else '-'}"
            f" | {fmt(row['engine_sharpe'])} |"
        )
    by = {(r["market"], r["controller"]): r for r in rows}
    controllers = list(dict.fromkeys(r["controller"] for r in rows))
    if len(controllers) >= 2:
        a, b = controllers[0], controllers[1]
        markets = sorted({r["market"] for r in rows})
        better_pnl = sum(by[(m, a)]["pnl_quote"] > by[(m, b)]["pnl_quote"] for m in markets)
        better_sharpe = sum(by[(m, a)]["sharpe"] > by[(m, b)]["sharpe"] for m in markets)
        lower_dd = sum(by[(m, a)]["max_drawdown_pct"] < by[(m, b)]["max_drawdown_pct"] for m in markets)
        killed = [sum(by[(m, c)]["killed_at_bar"] is not None for m in markets) for c in (a, b)]
        lines += [
            "",
            f"{a} beats {b} on PnL in {better_pnl}/{len(markets)} markets, on Sharpe in"
            f" {better_sharpe}/{len(markets)}, has the lower max drawdown in {lower_dd}/{len(markets)};"
            f" the kill switch tripped for {a} in {killed[0]} and for {b} in {killed[1]} markets.",
        ]
    lines += ["", READING, ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--controllers", default="inventory_mm,fixed_spread")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--set", action="append", default=[], help="key=value config override")
    parser.add_argument("--files", default=None, help="comma-separated candle file stems")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--render", type=Path, help="only re-render the Markdown from this JSON file")
    args = parser.parse_args()
    if args.render:
        data = json.loads(args.render.read_text())
        args.rows, args.set = data["rows"], data["overrides"]
        write_outputs("strategy-results", data, markdown(data["results"], args))
        return 0

    overrides = []
    for item in args.set:
        key, _, value = item.partition("=")
        overrides.append((key, value))
    files = candle_files()
    if args.files:
        files = [f for f in files if f.stem in args.files.split(",")]
    controllers = args.controllers.split(",")
    cases = [
        Case(c, str(path), overrides=tuple(overrides), rows=args.rows, fee=FEE)
        for path in files
        for c in controllers
    ]
    started = time.perf_counter()
    results = run_cases(cases, workers=args.workers)
    rows = [metrics(results[case.key]) for case in cases]
    for row in rows:
        print(
            f"{row['market']:>18} {row['controller']:>14} pnl {row['pnl_quote']:>9.2f}"
            f" sharpe {row['sharpe']:>6.2f} dd {row['max_drawdown_pct']:>5.2f}% fills {row['fills']:>5}"
            f" killed {row['killed_at_bar']} ({row['wall_seconds']} s)",
            flush=True,
        )
    print(f"total {time.perf_counter() - started:.0f} s")
    if not args.no_write:
        data = {"fee": FEE, "capital": CAPITAL, "rows": args.rows, "overrides": args.set, "results": rows}
        for path in write_outputs("strategy-results", data, markdown(rows, args)):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
