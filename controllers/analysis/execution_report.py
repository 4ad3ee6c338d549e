"""Execution quality of a backtested execution run, against a single market order. Pure: plain floats and
sequences, no Hummingbot, no pandas.

An execution controller (TWAP, VWAP, iceberg) works one parent order in child OrderExecutors; the engine
fills them (engine.OrderExecutorSimulator) and lists each fill in its ledger with leg "fill". This module
prices that run with the shared rule (controllers.shared_base.execution.execution_quality) and prices
the benchmark the same way: **a single market order of the whole target size, sent on the bar that
priced the first child order**, filled by the same fill model's market rule:

- conservative model: at the next bar's open moved against the order by the slippage, taker fee;
- Hummingbot's model: at the close of that bar, the flat fee.

The **arrival price** is the close of the bar that priced the first child order (`start`, the first
order's creation timestamp): the last price the controller saw when it decided, the backtest's only mid.
The **interval VWAP** is over the bars the order worked: after `start`, up to and including the last
fill's bar (or `end`); when every fill came on the `start` bar itself (Hummingbot's model fills a market
order at that close), that bar alone. The benchmark is judged against the same VWAP.

    rows = run.fills.to_dict("records")            # engine.EngineRun (FILL_COLUMNS)
    report = execution_report(rows, candles.as_columns(), side=BUY, target_base=2.0,
                              start=first_order_timestamp, fill_model=run.fill_model)
    report.run.shortfall_bps, report.benchmark.shortfall_bps, report.as_dict()
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from controllers.shared_base.execution import (
    BUY,
    SELL,
    ExecutionQuality,
    Fill,
    execution_quality,
    interval_vwap,
)

CANDLE_KEYS = ("timestamp", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class ExecutedFill:
    """One child order's fill, as the engine's ledger lists it (leg "fill")."""

    timestamp: float
    side: int  # BUY (+1) or SELL (-1)
    amount: float  # base
    price: float
    fee_quote: float


@dataclass(frozen=True)
class ExecutionReport:
    arrival_timestamp: float  # the bar that priced the first child order
    arrival_price: float  # its close
    window: tuple[float, float]  # first and last bar of the interval VWAP
    run: ExecutionQuality  # the child fills
    benchmark: ExecutionQuality | None  # one market order of the target size; None: no bar to fill it

    def as_dict(self) -> dict[str, Any]:
        return {
            "arrival_timestamp": self.arrival_timestamp,
            "arrival_price": self.arrival_price,
            "window_start": self.window[0],
            "window_end": self.window[1],
            "run": self.run.as_dict(),
            "benchmark": None if self.benchmark is None else self.benchmark.as_dict(),
        }


def order_fills(rows: Iterable[Mapping[str, Any] | ExecutedFill]) -> list[ExecutedFill]:
    """The order-executor fills of a fill ledger's rows (engine.FILL_COLUMNS): leg "fill" only (a row
    without a leg counts); ExecutedFill as they are."""
    return [
        row
        if isinstance(row, ExecutedFill)
        else ExecutedFill(
            float(row["timestamp"]),
            int(row["side"]),
            float(row["amount"]),
            float(row["price"]),
            float(row["fee_quote"]),
        )
        for row in rows
        if isinstance(row, ExecutedFill) or row.get("leg", "fill") == "fill"
    ]


def market_fill(
    candles: Mapping[str, Sequence[float]], bar: int, side: int, amount: float, fill_model: Mapping[str, Any]
) -> ExecutedFill | None:
    """A market order of `amount` priced by candle `bar`, filled by `fill_model`'s market rule
    (engine.EngineRun.fill_model: {"name": "conservative", slippage, taker_fee, ...} or
    {"name": "hummingbot", "fee"}); None when the data ends before it fills."""
    if fill_model.get("name") == "conservative":
        if bar + 1 >= len(candles["timestamp"]):
            return None
        price = candles["open"][bar + 1] * (1 + side * float(fill_model["slippage"]))
        rate, timestamp = float(fill_model["taker_fee"]), candles["timestamp"][bar + 1]
    elif fill_model.get("name") == "hummingbot":
        price, rate, timestamp = candles["close"][bar], float(fill_model["fee"]), candles["timestamp"][bar]
    else:
        raise ValueError(f"fill_model: unknown model {fill_model.get('name')!r} (conservative, hummingbot)")
    return ExecutedFill(float(timestamp), side, amount, price, amount * price * rate)


def _quality(
    side: int, target: float, arrival: float, fills: Sequence[ExecutedFill], vwap: float | None
) -> ExecutionQuality:
    priced = [Fill(f.amount, f.amount * f.price, f.fee_quote) for f in fills]
    return execution_quality(side, target, arrival, priced, vwap)


def execution_report(
    fills: Iterable[Mapping[str, Any] | ExecutedFill],
    candles: Mapping[str, Sequence[float]],
    *,
    side: int,
    start: float,
    fill_model: Mapping[str, Any],
    target_base: float | None = None,
    end: float | None = None,
) -> ExecutionReport:
    """The run's execution quality and the single-market-order benchmark's (see the module docstring).

    fills        the run's order-executor fills: ledger rows (leg "fill" kept) or ExecutedFill
    candles      column -> values (timestamp, open, high, low, close, volume), e.g. Candles.as_columns()
    side         the parent order's side, BUY or SELL; a fill of the other side is an error
    start        the first child order's creation timestamp: a candle's timestamp (its pricing bar)
    fill_model   the run's fill model, as engine.EngineRun.fill_model records it
    target_base  the parent order's size; the executed total by default
    end          the last bar of the VWAP window; the last fill's bar by default
    """
    if side not in (BUY, SELL):
        raise ValueError(f"side must be {BUY} (buy) or {SELL} (sell), got {side}")
    missing = [key for key in CANDLE_KEYS if key not in candles]
    if missing:
        raise ValueError(f"candles: missing columns {missing}")
    executed = order_fills(fills)
    wrong = [f for f in executed if f.side != side]
    if wrong:
        raise ValueError(f"fills: {len(wrong)} fill(s) of the other side than the parent order's ({side})")
    timestamps = candles["timestamp"]
    bar = bisect_left(timestamps, start)
    if bar >= len(timestamps) or timestamps[bar] != start:
        raise ValueError(f"start: {start} is not a candle's timestamp")
    arrival = float(candles["close"][bar])
    target = sum(f.amount for f in executed) if target_base is None else float(target_base)
    last = end if end is not None else max((f.timestamp for f in executed), default=start)
    first, stop = bar + 1, bisect_right(timestamps, last)
    if stop <= first:  # everything on the pricing bar itself (or nothing yet): that bar alone
        first, stop = bar, bar + 1
    window = {key: candles[key][first:stop] for key in ("high", "low", "close", "volume")}
    vwap = interval_vwap(window["high"], window["low"], window["close"], window["volume"])
    benchmark = market_fill(candles, bar, side, target, fill_model)
    return ExecutionReport(
        arrival_timestamp=float(start),
        arrival_price=arrival,
        window=(float(timestamps[first]), float(timestamps[stop - 1])),
        run=_quality(side, target, arrival, executed, vwap),
        benchmark=None if benchmark is None else _quality(side, target, arrival, [benchmark], vwap),
    )


def run_report(
    run: Any, candles: Mapping[str, Sequence[float]], config: Mapping[str, Any]
) -> ExecutionReport | None:
    """An execution algorithm's engine run (engine.EngineRun) priced: its parent order as `config` states
    it (side, target_base), the benchmark sent when its first child was, the VWAP window from that child
    to the end of the algorithm's window (`duration`), or to its last fill when that is later (a final
    sweep). None when it sent no child order."""
    if run.executors.empty:
        return None
    fills = run.fills.to_dict("records")
    start = float(run.executors["timestamp"].min())
    last_fill = max((float(row["timestamp"]) for row in fills), default=start)
    return execution_report(
        fills,
        candles,
        side=BUY if config["side"] == "buy" else SELL,
        start=start,
        fill_model=run.fill_model,
        target_base=float(config["target_base"]),
        end=max(start + float(config["duration"]), last_fill),
    )


__all__ = [
    "ExecutedFill",
    "ExecutionReport",
    "execution_report",
    "market_fill",
    "order_fills",
    "run_report",
]
