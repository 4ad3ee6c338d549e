"""Backtest against paper (issue #15, item 5): the same controller config on the same candles through
a Hummingbot paper-trading run on the role's replay market and through the conservative backtest.
Writes docs/backtest-vs-paper.{md,csv}; `make results` runs it.

    python3 tests/bench/backtest_vs_paper.py      # on the host: runs in the runtime image

Why a script under tests/bench and not an `hbot-strategies` subcommand: the paper side runs the role's
paper connector (roles/hummingbot/files/hbot_paper.py, mounted into bots, not part of the installed
package) inside the Hummingbot runtime image, as the other benches here do. The two runs themselves
live in tests/hummingbot/paper_runs.py, which the agreement test (test_backtest_vs_paper.py) shares.

Windows: the last day (288 five-minute bars) of ETH-BTC_5m.csv and LTC-BTC_5m.csv, fixed by that rule
before any run; nothing was tried on another window. Options: --bars N (288)  --no-write
         --render (rewrite the .md from the .csv, e.g. after the notes changed)
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hbot_runtime import DOCS, reexec_in_runtime  # noqa: E402

reexec_in_runtime(__file__)

import logging  # noqa: E402

import pandas as pd  # noqa: E402
from paper_runs import (  # noqa: E402
    ACCOUNT_MULTIPLE,
    CANDLES_DIR,
    ENGINES,
    FEE,
    METRICS,
    TICK_SECONDS,
    Window,
    compare_window,
)

MARKETS = ("ETH-BTC_5m.csv", "LTC-BTC_5m.csv")
CONTROLLERS = ("inventory_mm", "fixed_spread")
COMMAND = "python3 tests/bench/backtest_vs_paper.py"
NOTES = DOCS / "backtest-vs-paper.notes.md"
COLUMNS = (
    "market",
    "rows",
    "controller",
    "engine",
    *METRICS,
    "executors",
    "close_types",
    "limit_fills_quoted_within_bar",
)
TARGET_RATIO = 0.20  # fill counts within 20% of each other
SETUP = """# Backtest against paper

Regenerate: `{command}` (`make results` runs it; in the Hummingbot runtime image, about
a minute and a half a paper run).

The same controller config (the registry's defaults, `total_amount_quote` 0.05 BTC, 5m candles) on the
same candles: the last {bars} bars (one day) of each shared file, after the controller's warm-up bars.

- **paper**: Hummingbot's own V2 machinery (StrategyV2Base, the controller, its ExecutorOrchestrator and
  PositionExecutors) on the role's paper connector (Hummingbot's compiled PaperTradeExchange on the
  replay market, `roles/hummingbot/files/hbot_paper.py`); fills as the engine reported them, counted
  again in the MarketsRecorder's TradeFill rows. Fill model: a resting limit order fills, whole and at
  its own price, when a replayed print (each bar's open, nearer extreme, farther extreme, close) trades
  through it or the replayed book (2 bps half-spread) crosses it; a market order fills a second later
  against the replayed book. Hummingbot's Clock runs in backtest mode, {tick:g} replayed seconds a tick,
  and the replay, the MarketDataProvider and the executors' pauses all read that clock, so every time in
  the config (refresh 30 s, time limit 900 s, cooldown) lasts as long as on an exchange.
- **paper_candle_priced**: a diagnosis, not a bot: the same paper run, but the controller ignores the
  book and prices its quotes on bar closes, as it does in a backtest. Only the fill side then differs
  from the backtest.
- **backtest**: the project's conservative model with `--decisions close`: the controller decides once
  a bar, at its close; a limit entry fills at its own price once a later bar trades through it by one
  tick; take-profit and stop-loss on each bar's high/low, the stop first (on the net return, the entry
  fee included, as Hummingbot's executor stops), the take-profit never on the entry's own bar; market
  exits at the barrier moved by 5 bps of slippage.
- **backtest_path**: the same model with `--decisions path`, the default of `hbot-strategies backtest`,
  `compare` and `optimize` for these controllers: the controller decides at each of the four points a
  bar is walked through (open, nearer extreme, farther extreme, close: the replay's order), on the
  bars closed before it and the point's price, as the paper bot reads the book; every fill rule above
  holds between points instead of bars.
- **fees**: {fee:.1%} maker and taker on both (Binance's public tier, which is also the fee schema
  Hummingbot's paper engine charges for Binance), on every fill.
- **capital**: the controller's 0.05 BTC on both. The backtest simulates no balances; the paper account
  holds {multiple}x that in each asset, so it funds every quote as the backtest assumes, and the
  controller's own inventory limit bounds positions on both.
- **net PnL**: one formula for both: the cash of every fill, less fees, plus what the fills left held,
  valued at the window's last close (BTC). A position still open at the end is held, not closed.
"""


def windows(bars: int) -> list[Window]:
    chosen = []
    for name in MARKETS:
        path = CANDLES_DIR / name
        rows = len(pd.read_csv(path, usecols=["timestamp"]))
        chosen.append(Window(str(path), first=rows - bars, bars=bars))
    return chosen


# (paper run, backtest) pairs the verdict judges: the bot against each backtest, and the diagnosis run
# (the bot priced on closes) against the backtest that decides on closes.
PAIRS = (("paper", "backtest"), ("paper", "backtest_path"), ("paper_candle_priced", "backtest"))


def verdicts(rows: list[dict]) -> list[tuple[dict, dict, float, bool, bool]]:
    """Each pair of PAIRS per market and controller: (paper row, backtest row, paper fills / backtest
    fills, within the target, same PnL sign)."""
    by_engine = {(r["market"], r["controller"], r["engine"]): r for r in rows}
    out = []
    for market, controller in dict.fromkeys((r["market"], r["controller"]) for r in rows):
        for paper_engine, backtest_engine in PAIRS:
            paper = by_engine.get((market, controller, paper_engine))
            backtest = by_engine.get((market, controller, backtest_engine))
            if paper is None or backtest is None:
                continue
            fills = int(backtest["fills"])
            ratio = int(paper["fills"]) / fills if fills else float("inf")
            same_sign = (float(paper["net_pnl_quote"]) > 0) == (float(backtest["net_pnl_quote"]) > 0)
            out.append((paper, backtest, ratio, abs(ratio - 1) <= TARGET_RATIO, same_sign))
    return out


def table_rows(results: list[dict]) -> list[dict]:
    rows = []
    for row in results:
        window = row["window"]
        for engine in ENGINES:
            figures, notes = row[engine], row["notes"][engine]
            rows.append(
                {
                    "market": window.trading_pair,
                    "rows": f"{window.first}-{window.first + window.bars - 1}",
                    "controller": row["controller"],
                    "engine": engine,
                    **{key: figures[key] for key in METRICS},
                    "executors": notes["executors"],
                    "close_types": " ".join(f"{k}:{v}" for k, v in sorted(notes["close_types"].items())),
                    "limit_fills_quoted_within_bar": notes.get("limit_fills_quoted_within_bar", ""),
                }
            )
    return rows


def markdown(rows: list[dict], bars: int) -> str:
    """The report, from the table's rows alone (so --render can redo it from the csv)."""
    out = [
        SETUP.format(command=COMMAND, bars=bars, tick=TICK_SECONDS, fee=FEE, multiple=ACCOUNT_MULTIPLE),
        "| market | rows | controller | engine | fills | buys | sells | limit | market | volume (BTC) |"
        " fees (BTC) | net PnL (BTC) | executors | executors by close | limit fills quoted within their bar |"
        " bars with limit fills both sides |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['market']} | {r['rows']} | {r['controller']} | {r['engine']} | {r['fills']} |"
            f" {r['buys']} |"
            f" {r['sells']} | {r['limit_fills']} | {r['market_fills']} | {float(r['volume_quote']):.4f} |"
            f" {float(r['fees_quote']):.6f} | {float(r['net_pnl_quote']):+.6f} | {r['executors']} |"
            f" {r['close_types']} |"
            f" {r['limit_fills_quoted_within_bar']} | {r['two_sided_bars']} |"
        )
    out += [
        "",
        "Against the target (paper fill count within 20% of the backtest's, and net PnL of the same sign):",
        "",
        "| market | controller | paper run | backtest | paper fills / backtest fills | within 20% |"
        " same PnL sign |",
        "|---|---|---|---|---:|---|---|",
    ]
    for paper, backtest, ratio, within, same in verdicts(rows):
        out.append(
            f"| {paper['market']} | {paper['controller']} | {paper['engine']} | {backtest['engine']} |"
            f" {ratio:.2f} | {'yes' if within else 'no'} | {'yes' if same else 'no'} |"
        )
    out.append("")
    if NOTES.exists():
        out += ["", NOTES.read_text().rstrip(), ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=288)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--render", action="store_true", help="rewrite the .md from the .csv (notes changed)")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # Hummingbot logs every order and cancel at INFO
    if args.render:
        rows = list(csv.DictReader((DOCS / "backtest-vs-paper.csv").open()))
        write(rows, args.bars, args.no_write)
        return

    results = []
    for window in windows(args.bars):
        for controller in CONTROLLERS:
            row = compare_window(window, controller)
            results.append(row)
            figures = ", ".join(
                f"{engine} {row[engine]['fills']} fills {row[engine]['net_pnl_quote']:+.6f}"
                for engine in ENGINES
            )
            print(f"{window.label()} {controller}: {figures}", flush=True)
    write(table_rows(results), args.bars, args.no_write)


def write(rows: list[dict], bars: int, no_write: bool) -> None:
    text = markdown(rows, bars)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    if no_write or not os.access(DOCS, os.W_OK):
        print(text)
        print(buffer.getvalue())
        return
    (DOCS / "backtest-vs-paper.md").write_text(text)
    (DOCS / "backtest-vs-paper.csv").write_text(buffer.getvalue())
    print("wrote docs/backtest-vs-paper.md and docs/backtest-vs-paper.csv")


if __name__ == "__main__":
    main()
