"""What a market maker is judged by: where its PnL came from, how its fills fared, how often it quoted.

Pure (no pandas, no Hummingbot): it reads a run's fill ledger (engine.FILL_COLUMNS, one row per fill:
each position's entry, then its exit or, for a position still open at the end, its mark), its bars
(engine.BAR_COLUMNS) and its executors (engine.executors_table). A candle backtest has no order book,
so "mid" is the ledger's `close`: the close of the fill's bar (with decisions "path", of its point).

PnL, per position (side s, amount A; entry at p on a bar closing at c0; exit or end mark at q on a bar
closing at c1):

    spread capture  s(c0 - p)A + s(q - c1)A   each fill's edge against its bar's close (with decisions
                                              path: the close of the point it filled at)
    inventory PnL   s(c1 - c0)A               holding the position from close to close
    fees            entry fee + exit fee
    net             s(q - p)A - fees          = spread capture + inventory PnL - fees

Summed over fills, with each fill's own side f (+1 bought, -1 sold): spread capture = sum f(close -
price)A, inventory PnL = sum -f close A. Hummingbot's own model fills at closes, so it books no spread
capture at all: every cent of a maker's PnL there is inventory PnL.

Markouts: for each entry fill (a quote that filled), f(close k bars later - price) / price, in basis
points, averaged per side: positive means the market moved the fill's way afterwards. A maker whose
markouts turn negative from +1 bar on is being picked off (adverse selection).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

HORIZONS = (1, 5, 15)  # bars after the fill
SIDES = ((1, "buy"), (-1, "sell"))


def decompose(fills: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Net PnL split into spread capture, inventory PnL and fees (quote); see the module's identity."""
    spread = inventory = fees = 0.0
    for fill in fills:
        side, amount = fill["side"], fill["amount"]
        spread += side * (fill["close"] - fill["price"]) * amount
        inventory -= side * fill["close"] * amount
        fees += fill["fee_quote"]
    return {
        "pnl_spread_quote": spread,
        "pnl_inventory_quote": inventory,
        "pnl_fees_quote": fees,
        "pnl_net_quote": spread + inventory - fees,
    }


def markouts(
    fills: Iterable[Mapping[str, Any]],
    timestamps: Sequence[float],
    closes: Sequence[float],
    horizons: Sequence[int] = HORIZONS,
) -> dict[str, float | None]:
    """Mean markout (bps) of the entry fills per side and horizon, as markout_<side>_<k>_bps; None where
    no entry of that side has k bars of data after it. A fill counts from the bar it happened in (with
    decisions "path", at a point inside the bar): k bars later is the close k bars after that one."""
    sums: dict[tuple[int, int], list[float]] = {(side, k): [] for side, _ in SIDES for k in horizons}
    for fill in fills:
        bar = bisect_right(timestamps, fill["timestamp"]) - 1
        if fill["leg"] != "entry" or bar < 0:
            continue
        side, price = fill["side"], fill["price"]
        for k in horizons:
            if bar + k < len(closes):
                sums[(side, k)].append(side * (closes[bar + k] - price) / price * 1e4)
    return {
        f"markout_{name}_{k}_bps": (sum(values) / len(values) if values else None)
        for side, name in SIDES
        for k in horizons
        for values in [sums[(side, k)]]
    }


def fill_ratio(executors: Iterable[Mapping[str, Any]]) -> float | None:
    """Share of the position executors (quotes) that filled; None when none was created."""
    positions = [row for row in executors if row.get("is_position", True)]
    if not positions:
        return None
    return sum(1 for row in positions if row["filled_amount_quote"] > 0) / len(positions)


def quote_uptime(bars: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Share of bars with a quote resting on both sides, and on at least one side."""
    if not bars:
        return {"quote_uptime": None, "quote_uptime_any": None}
    both = sum(1 for bar in bars if bar["resting_buys"] > 0 and bar["resting_sells"] > 0)
    either = sum(1 for bar in bars if bar["resting_buys"] > 0 or bar["resting_sells"] > 0)
    return {"quote_uptime": both / len(bars), "quote_uptime_any": either / len(bars)}


def maker_metrics(
    fills: Sequence[Mapping[str, Any]],
    bars: Sequence[Mapping[str, Any]],
    executors: Sequence[Mapping[str, Any]],
    *,
    start_bar: int = 0,
) -> dict[str, Any]:
    """Every market-making figure of a run, over the executors given (the scored ones) and the bars from
    `start_bar` on (warm-up excluded, as the other metrics)."""
    ids = {row["id"] for row in executors}
    mine = [fill for fill in fills if fill["executor_id"] in ids]
    timestamps = [bar["timestamp"] for bar in bars]
    closes = [bar["close"] for bar in bars]
    return {
        **decompose(mine),
        **markouts(mine, timestamps, closes),
        "fill_ratio": fill_ratio(executors),
        **quote_uptime(list(bars[start_bar:])),
    }


__all__ = ["HORIZONS", "decompose", "fill_ratio", "maker_metrics", "markouts", "quote_uptime"]
