"""Flatten: market or TWAP (issue #16, item 1). The flagship (inventory_mm) on every shared spot candle file,
its flatten at market (the default) against a TWAP of the same positions (flatten_algorithm twap),
taker and maker children, with the kill switch as shipped and off. Writes docs/flatten-results.{json,md};
`make results` runs it.

    python3 tests/bench/flatten_study.py            # on the host: runs in the runtime image
    python3 tests/bench/flatten_study.py --no-write # print instead of writing docs/

Fixed before any run, tried once: a TWAP window of 30 minutes (6 bars of 5m, 30 of 1m) in 5 slices; the
registry's defaults otherwise, capital 1,000 quote, the conservative fill model at Binance's public
tier (as every backtest here). Left out: XRP-USDT-PERP_5m (a perpetual: positions, not spot inventory).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hbot_runtime import fmt, reexec_in_runtime, write_outputs  # noqa: E402

reexec_in_runtime(__file__)

from controllers.analysis.candles import load_candles  # noqa: E402
from controllers.analysis.engine import run_config  # noqa: E402
from controllers.analysis.fill_model import assumptions, fill_terms, order_assumptions  # noqa: E402
from controllers.analysis.maker import decompose  # noqa: E402
from controllers.analysis.metrics import run_metrics  # noqa: E402
from controllers.plugin_system.registry import load_registry  # noqa: E402

CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))
FILES = ("ADA-BTC_5m.csv", "ETH-BTC_5m.csv", "LTC-BTC_5m.csv", "UNITTEST-BTC_1m.csv")
CAPITAL = 1000
FEE = 0.001
WINDOW = 1800  # seconds: the TWAP's window
SLICES = 5
VARIANTS = (
    ("market", {"flatten_algorithm": "market"}),
    ("twap taker", {"flatten_algorithm": "twap", "flatten_order_type": "taker"}),
    ("twap maker", {"flatten_algorithm": "twap", "flatten_order_type": "maker"}),
)
KILL_SWITCH = (("as shipped", None), ("off", 1.0))


def run_one(path: Path, variant: dict, max_drawdown: float | None) -> dict:
    pair, interval = path.stem.split("_")
    config = {
        "controller_name": "inventory_mm",
        "connector_name": "binance",
        "trading_pair": pair,
        "interval": interval,
        "total_amount_quote": CAPITAL,
        "flatten_duration": WINDOW,
        "flatten_slices": SLICES,
        **variant,
    }
    if max_drawdown is not None:
        config["max_drawdown_pct"] = max_drawdown
    checked = load_registry().check(config)
    run = run_config(
        checked.config,
        load_candles(path, fill_gaps=True),
        fee=FEE,
        warmup_bars=checked.warmup_bars,
        fill=fill_terms("binance"),
    )
    metrics = run_metrics(run)
    parts = decompose(run.fills.to_dict("records"))
    legs = run.fills["leg"].value_counts().to_dict() if len(run.fills) else {}
    bars = run.bars
    quoting = bars[(bars["resting_buys"] + bars["resting_sells"]) > 0]
    return run.fill_model, {
        "net_pnl_quote": metrics["net_pnl_quote"],
        "max_drawdown_pct": 100 * metrics["max_drawdown"],
        "sharpe": metrics["sharpe"],
        "spread_quote": parts["pnl_spread_quote"],
        "inventory_quote": parts["pnl_inventory_quote"],
        "fees_quote": parts["pnl_fees_quote"],
        "position_exits": int(legs.get("exit", 0)),
        "flatten_fills": int(legs.get("fill", 0)),
        "quoting_pct": 100 * (bars.index.get_loc(quoting.index[-1]) + 1) / len(bars) if len(quoting) else 0.0,
    }


COLUMNS = (
    ("net_pnl_quote", "net PnL", 2),
    ("max_drawdown_pct", "max DD %", 2),
    ("sharpe", "Sharpe", 2),
    ("spread_quote", "spread capture", 2),
    ("inventory_quote", "inventory PnL", 2),
    ("fees_quote", "fees", 2),
    ("position_exits", "position exits", 0),
    ("flatten_fills", "TWAP child fills", 0),
    ("quoting_pct", "quoting %", 1),
)


def render(results: dict, model: dict) -> str:
    terms = " ".join([*assumptions(model), "TWAP children:", *order_assumptions(model)[1:]])
    lines = [
        "# Flatten: one market order per position, or a TWAP of them",
        "",
        "Regenerate: `make results` (or `python3 tests/bench/flatten_study.py`).",
        "",
        "The flagship (inventory_mm, the registry's defaults, capital 1,000 quote) flattens when its"
        " inventory reaches the limit, and flattens everything when its kill switch latches."
        " `market` (the default) stops each position it picks at market. `twap` stops the same"
        " positions with keep_position and works their base in"
        f" {SLICES} slices over {WINDOW // 60} minutes (taker children, or maker children at the"
        " touch), what is left at market when the window ends (controllers/shared_base/flatten.py)."
        " The window and slices were fixed before any run and tried once.",
        "",
        f"Fill model: {terms}",
        "",
        "Columns: net PnL (quote) and its parts (spread capture + inventory PnL - fees = net);"
        " max drawdown of the equity, % of capital; Sharpe (per-bar equity returns, annualised); position"
        " exits (take profit, stop loss, time limit, market flatten); TWAP child fills; quoting %: bars up to"
        " the last with a quote resting (below 100: the kill switch stopped it there). Data: the whole of"
        " each shared spot file, gaps filled with flat zero-volume bars at the previous close (--fill-gaps).",
        "",
    ]
    for title, _ in KILL_SWITCH:
        lines += [f"## Kill switch {title}", ""]
        lines.append("| market | flatten | " + " | ".join(c[1] for c in COLUMNS) + " |")
        lines.append("|---|---|" + "---:|" * len(COLUMNS))
        for key, row in results.items():
            market, variant, kill = key.split("|")
            if kill != title:
                continue
            cells = [fmt(row[c], d) if isinstance(row[c], float) else f"{row[c]:,}" for c, _, d in COLUMNS]
            lines.append(f"| {market} | {variant} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results = {}
    for name in FILES:
        for kill, max_drawdown in KILL_SWITCH:
            for variant_name, variant in VARIANTS:
                model, row = run_one(CANDLES_DIR / name, variant, max_drawdown)
                results[f"{Path(name).stem}|{variant_name}|{kill}"] = row
                print(name, kill, variant_name, {k: round(v, 3) for k, v in row.items()}, flush=True)
    markdown = render(results, model)
    if args.no_write:
        print(markdown)
    else:
        write_outputs("flatten-results", results, markdown)


if __name__ == "__main__":
    main()
