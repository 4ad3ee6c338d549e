"""Load and validate a candles CSV, in plain Python (the operator side has no pandas).

A file is `timestamp,open,high,low,close,volume` (epoch seconds, candle open, UTC), one row per bar.
Every rule rejects with the row and column at fault, before any backtest starts:

    candles = load_candles("ETH-BTC_5m.csv")            # CandleError on bad input
    market = Market.from_path("ETH-BTC_5m.csv")         # binance, ETH-BTC (from the file's name)
    candles.interval, candles.rows, candles.sha256
    window = candles.window(start=..., end=...)          # a time slice, still validated

Gaps (a bar missing between two others) are errors by default: the engine would silently step over
them and every per-bar statistic would be wrong. `fill_gaps=True` inserts flat, zero-volume bars at
the previous close instead (what an exchange shows when nothing traded), counted in `filled_bars`.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from controllers.analysis.errors import AnalysisError
from controllers.shared_base.indicators import interval_seconds

CANDLE_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
PRICE_COLUMNS = ("open", "high", "low", "close")
_SECONDS_TO_INTERVAL = {86400 * 7: "w", 86400: "d", 3600: "h", 60: "m", 1: "s"}
MIN_ROWS = 3  # two returns: the least a per-bar statistic needs


class CandleError(ValueError):
    """A candles file the analysis refuses; the message names the file, row and column."""


@dataclass(frozen=True)
class Market:
    """What a candles file name says: `<BASE>-<QUOTE>[-PERP]_<interval>.csv`."""

    path: str
    connector: str
    trading_pair: str

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @classmethod
    def from_path(cls, path: str | Path) -> Market:
        symbol, _, _ = Path(path).stem.rpartition("_")
        perpetual = symbol.endswith("-PERP")
        pair = symbol.removesuffix("-PERP")
        if not pair or "-" not in pair:
            raise AnalysisError(
                "candles",
                f"{Path(path).name}: name must be <BASE>-<QUOTE>[-PERP]_<interval>.csv to say its market",
            )
        return cls(str(path), "binance_perpetual" if perpetual else "binance", pair)


@dataclass(frozen=True)
class Candles:
    """Validated candles as parallel tuples, oldest first."""

    path: str
    sha256: str
    interval: str
    timestamps: tuple[float, ...]
    open: tuple[float, ...]
    high: tuple[float, ...]
    low: tuple[float, ...]
    close: tuple[float, ...]
    volume: tuple[float, ...]
    filled_bars: int = 0
    columns: tuple[str, ...] = field(default=CANDLE_COLUMNS, repr=False)

    @property
    def rows(self) -> int:
        return len(self.timestamps)

    @property
    def start(self) -> int:
        return int(self.timestamps[0])

    @property
    def end(self) -> int:
        return int(self.timestamps[-1])

    @property
    def interval_seconds(self) -> int:
        return interval_seconds(self.interval)

    def window(self, start: float | None = None, end: float | None = None) -> Candles:
        """Bars with start <= timestamp <= end (either bound optional)."""
        lo = -math.inf if start is None else start
        hi = math.inf if end is None else end
        keep = [i for i, t in enumerate(self.timestamps) if lo <= t <= hi]
        if len(keep) < MIN_ROWS:
            raise CandleError(
                f"{self.path}: the window {start}..{end} holds {len(keep)} bars; need {MIN_ROWS}"
            )
        return self.take(keep[0], keep[-1] + 1)

    def take(self, first: int, stop: int) -> Candles:
        """Rows [first, stop) as Candles."""
        return replace(
            self,
            **{name: getattr(self, name)[first:stop] for name in ("timestamps", *CANDLE_COLUMNS[1:])},
        )

    def as_columns(self) -> dict[str, tuple[float, ...]]:
        """Column name -> values, e.g. for pandas.DataFrame(...)."""
        return {"timestamp": self.timestamps, **{name: getattr(self, name) for name in CANDLE_COLUMNS[1:]}}

    def summary(self) -> dict[str, object]:
        """What a report records about its data."""
        return {
            "file": Path(self.path).name,
            "sha256": self.sha256,
            "rows": self.rows,
            "start": self.start,
            "end": self.end,
            "interval": self.interval,
            "filled_bars": self.filled_bars,
        }


def describe_markets(markets: Sequence[Mapping[str, Any]]) -> str:
    """A report's data, one file after another, from Candles.summary(): name, bars and digest."""
    return "; ".join(
        f"{m['file']} ({m['rows']} {m['interval']} bars, sha256 {str(m['sha256'])[:12]})" for m in markets
    )


def interval_name(seconds: int) -> str:
    """300 -> '5m'; the largest unit that divides the step."""
    for unit_seconds, unit in _SECONDS_TO_INTERVAL.items():
        if seconds % unit_seconds == 0:
            return f"{seconds // unit_seconds}{unit}"
    raise CandleError(f"bar step {seconds} s is not a whole number of seconds")


def _number(path: str, row: int, column: str, text: str | None) -> float:
    try:
        value = float(text) if text not in (None, "") else math.nan
    except ValueError:
        raise CandleError(f"{path}: row {row}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise CandleError(f"{path}: row {row}, column {column}: empty or not finite ({text!r})")
    return value


def _read_rows(path: str, text: str) -> list[tuple[float, ...]]:
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in CANDLE_COLUMNS if name not in header]
    if missing:
        raise CandleError(f"{path}: missing columns {missing} (need {', '.join(CANDLE_COLUMNS)})")
    reader.fieldnames = header
    rows = []
    for number, record in enumerate(reader, start=2):  # row 1 is the header
        values = tuple(_number(path, number, name, record.get(name)) for name in CANDLE_COLUMNS)
        rows.append(values)
    return rows


def _check_rows(path: str, rows: list[tuple[float, ...]]) -> None:
    if len(rows) < MIN_ROWS:
        raise CandleError(f"{path}: {len(rows)} bars; need at least {MIN_ROWS}")
    for index, (timestamp, *prices, volume) in enumerate(rows):
        line = index + 2
        for name, value in zip(PRICE_COLUMNS, prices, strict=True):
            if value <= 0:
                raise CandleError(f"{path}: row {line}, column {name}: non-positive price {value}")
        if volume < 0:
            raise CandleError(f"{path}: row {line}, column volume: negative volume {volume}")
        high, low = prices[1], prices[2]
        if high < max(prices) or low > min(prices):
            raise CandleError(f"{path}: row {line}: high {high} / low {low} do not bound open and close")
        if timestamp > 1e11:
            raise CandleError(f"{path}: row {line}, column timestamp: {timestamp} looks like milliseconds")
        if index and timestamp == rows[index - 1][0]:
            raise CandleError(f"{path}: row {line}, column timestamp: duplicate timestamp {timestamp:.0f}")
        if index and timestamp < rows[index - 1][0]:
            raise CandleError(
                f"{path}: row {line}, column timestamp: {timestamp:.0f} is before the previous row"
                f" ({rows[index - 1][0]:.0f}); timestamps must be sorted ascending"
            )


def bar_step(rows: list[tuple[float, ...]]) -> int:
    """The bar interval in seconds: the most common step (gaps are multiples of it)."""
    steps = Counter(int(b[0] - a[0]) for a, b in zip(rows, rows[1:], strict=False))
    return steps.most_common(1)[0][0]


def find_gaps(timestamps: list[float], step: int) -> list[tuple[float, int]]:
    """(timestamp after which bars are missing, how many) for every hole in the series."""
    gaps = []
    for before, after in zip(timestamps, timestamps[1:], strict=False):
        delta = after - before
        if delta % step:
            raise CandleError(f"bar at {after:.0f} is off the {step}-second grid (previous bar {before:.0f})")
        if delta > step:
            gaps.append((before, int(delta // step) - 1))
    return gaps


def _fill(rows: list[tuple[float, ...]], step: int) -> tuple[list[tuple[float, ...]], int]:
    filled: list[tuple[float, ...]] = [rows[0]]
    added = 0
    for row in rows[1:]:
        previous_close = filled[-1][4]
        while row[0] - filled[-1][0] > step:
            filled.append((filled[-1][0] + step, *(previous_close,) * 4, 0.0))
            added += 1
        filled.append(row)
    return filled, added


def parse_candles(
    text: str, path: str = "<candles>", fill_gaps: bool = False, sha256: str | None = None
) -> Candles:
    """Validated Candles from CSV text; CandleError names the row and column at fault."""
    rows = _read_rows(path, text)
    _check_rows(path, rows)
    step = bar_step(rows)
    try:
        gaps = find_gaps([row[0] for row in rows], step)
    except CandleError as error:
        raise CandleError(f"{path}: {error}") from None
    added = 0
    if gaps and not fill_gaps:
        first, missing = gaps[0]
        total = sum(count for _, count in gaps)
        raise CandleError(
            f"{path}: {len(gaps)} gap(s), {total} missing {interval_name(step)} bar(s); the first is"
            f" {missing} bar(s) after {first:.0f}. Repair the file, or pass --fill-gaps to insert flat"
            " zero-volume bars at the previous close"
        )
    if gaps:
        rows, added = _fill(rows, step)
    columns = list(zip(*rows, strict=True))
    return Candles(
        path=path,
        sha256=sha256 or hashlib.sha256(text.encode()).hexdigest(),
        interval=interval_name(step),
        timestamps=tuple(columns[0]),
        open=tuple(columns[1]),
        high=tuple(columns[2]),
        low=tuple(columns[3]),
        close=tuple(columns[4]),
        volume=tuple(columns[5]),
        filled_bars=added,
    )


def load_candles(path: str | Path, fill_gaps: bool = False) -> Candles:
    """Read and validate a candles CSV file."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CandleError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CandleError(f"{path}: not a UTF-8 text (CSV) file") from None
    return parse_candles(text, str(path), fill_gaps, hashlib.sha256(data).hexdigest())
