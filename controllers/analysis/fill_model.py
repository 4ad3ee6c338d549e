"""The conservative fill model: when a position executor's orders fill, at what price, for what fee.

Pure (no Hummingbot, no pandas): `engine.ConservativePositionSimulator` feeds it one executor's bars
and turns the path it returns into the frame Hummingbot's engine reads. Hummingbot 2.12's own
position simulator flatters a market maker three ways (read it at the v2.12.0 tag): a limit entry
fills at the first *close* through the quote and at that close, so the further price runs through
the quote the more free edge it hands out; the exit is free of fees, and maker and taker pay one flat
rate; take-profit is seen on closes only, and a stop is valued at the close. Here, instead:

- a limit entry fills only on a later bar than the one whose data priced it, only when that bar
  trades *through* the price by at least one price increment, and at its own price (maker fee);
  a market entry fills at the next bar's open moved by the slippage (taker fee);
- from the fill on, each bar's low/high is checked against the barriers. A stop (stop-loss or
  trailing stop) is checked first, and from the fill's own bar: when a bar touches both the stop and
  the take-profit, the stop counts. The take-profit is checked from the bar after the fill (the
  order is placed once the entry fills);
- the barriers sit where Hummingbot's PositionExecutor puts them, which is not always at the
  configured return: it stops on the position's *net* return, the entry's fee already paid included,
  so a 0.5% stop after a 0.1% entry fee fires once the price has moved 0.4%. The same holds for a
  market take-profit and the trailing stop's activation. A limit take-profit rests at its configured
  price (the executor places it there);
- market exits (stop-loss, trailing stop, a market take-profit, time limit) fill at the barrier
  price moved against the position by the slippage, or at a worse open when the bar gapped past it;
  a limit take-profit fills at its price, when a bar trades through it (maker fee);
- both legs pay a fee: the maker rate on limit fills, the taker rate on market fills.

While a position is open its mark is what flattening it at that bar's close would net: the close
moved by the slippage, less the entry fee and the taker fee of that exit. An early stop (the
controller's StopExecutorAction) therefore books a market exit's cost too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BUY, SELL = 1, -1
# Close reasons, spelled as Hummingbot's CloseType members.
TAKE_PROFIT, STOP_LOSS, TRAILING_STOP, TIME_LIMIT, FAILED = (
    "TAKE_PROFIT",
    "STOP_LOSS",
    "TRAILING_STOP",
    "TIME_LIMIT",
    "FAILED",
)
# Each exchange's public (lowest-volume) tier, (maker, taker), as published on the exchanges' fee pages
# in 2026. An operator with a VIP tier passes their own rates.
PUBLIC_FEES: dict[str, tuple[float, float]] = {
    "binance": (0.001, 0.001),
    "bitget": (0.001, 0.001),
    "bybit": (0.001, 0.001),
    "binance_perpetual": (0.0002, 0.0005),
    "bitget_perpetual": (0.0002, 0.0006),
    "bybit_perpetual": (0.0002, 0.00055),
}
DEFAULT_SLIPPAGE = 0.0005  # 5 bps: a market order pays about half the spread plus impact on a liquid pair


# When the controller decides, a term of the conservative model: once a bar at its close ("close"), or
# at each point of the bar's path ("path", walk_bars), as a bot on the replay market sees the price move.
DECISIONS = ("close", "path")
# A library call's (FillTerms's) default: Hummingbot's own cadence. The commands choose per controller,
# path wherever the engine can walk the bars (inputs.default_decisions).
DEFAULT_DECISIONS = "close"
FILL_MODELS = ("conservative", "hummingbot")
DEFAULT_FILL_MODEL = "conservative"  # the project's figures never come from the flattering model unasked


class FillModelError(ValueError):
    """A fill model's terms are unusable; the message names the field."""


@dataclass(frozen=True)
class FillTerms:
    """The costs of the conservative model. Every rate is a fraction (0.001 = 0.1%)."""

    maker_fee: float
    taker_fee: float
    slippage: float = DEFAULT_SLIPPAGE
    tick: float = 0.0  # the market's price increment; 0: set from the candles (see price_increment)
    decisions: str = DEFAULT_DECISIONS  # DECISIONS: when the controller decides

    def __post_init__(self) -> None:
        for name in ("maker_fee", "taker_fee", "slippage"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 0.01:
                raise FillModelError(f"{name}: {value!r} is outside [0, 0.01); a fraction (0.001 = 0.1%)")
        if isinstance(self.tick, bool) or not isinstance(self.tick, int | float) or not self.tick >= 0:
            raise FillModelError(f"tick: {self.tick!r} must be a price increment >= 0")
        if self.decisions not in DECISIONS:
            raise FillModelError(f"decisions: {self.decisions!r} is not one of {', '.join(DECISIONS)}")

    def summary(self) -> dict[str, float | str]:
        return {
            name: getattr(self, name) for name in ("maker_fee", "taker_fee", "slippage", "tick", "decisions")
        }


def model_summary(fill: FillTerms | None, fee: float) -> dict:
    """Which fill model makes a run's figures, and its terms (as EngineRun.fill_model says it): the
    conservative terms, or Hummingbot's own model with its one flat fee."""
    if fill is None:
        return {"name": "hummingbot", "fee": fee}
    return {"name": "conservative", **fill.summary()}


def fill_terms(
    connector: str,
    *,
    maker_fee: float | None = None,
    taker_fee: float | None = None,
    slippage: float | None = None,
    tick: float = 0.0,
    decisions: str | None = None,
) -> FillTerms:
    """The terms for `connector`: the rates given, else its public tier. A connector with no known tier
    needs both rates given (FillModelError naming connector_name otherwise)."""
    base = connector.removesuffix("_paper_trade")
    if maker_fee is None or taker_fee is None:
        if base not in PUBLIC_FEES:
            known = ", ".join(sorted(PUBLIC_FEES))
            raise FillModelError(
                f"connector_name: no public fee tier known for {connector!r} ({known});"
                " give --maker-fee and --taker-fee"
            )
        public_maker, public_taker = PUBLIC_FEES[base]
        maker_fee = public_maker if maker_fee is None else maker_fee
        taker_fee = public_taker if taker_fee is None else taker_fee
    slippage = DEFAULT_SLIPPAGE if slippage is None else slippage
    return FillTerms(
        maker_fee, taker_fee, slippage, tick, DEFAULT_DECISIONS if decisions is None else decisions
    )


def assumptions(model: dict) -> list[str]:
    """What a report says about the fill model that made it (`model` as EngineRun.fill_model has it)."""
    if model.get("name") != "conservative":
        return [
            "Hummingbot 2.12's own position simulator: a limit entry fills at the first close through its"
            " price, at that close; take-profit on closes; one flat fee per round trip"
            f" ({model.get('fee', 0):.4%}), the exit leg free.",
        ]
    return [
        "Conservative fill model (controllers/analysis/fill_model.py).",
        "A limit order fills at its own price, only on a later bar than the one that priced it, and only"
        " when that bar trades through it by one price increment"
        f" ({model['tick']:g}).".replace("(0).", "(read from each candle file)."),
        "Take-profit and stops are checked on each bar's high/low; a bar touching both is a stop.",
        "A stop fires on the position's net return, the entry fee included, as the live position executor"
        " fires it (a 0.5% stop after a 0.1% entry fee: at a 0.4% move).",
        f"Market orders (market entries, stops, time limits, early stops) fill {model['slippage']:.2%}"
        " worse than their trigger price, or at a worse open after a gap.",
        DECISION_ASSUMPTIONS[model.get("decisions", "close")],
        f"Fees on both legs: maker {model['maker_fee']:.3%} on limit fills, taker {model['taker_fee']:.3%}"
        " on market fills.",  # last: compare's text adds where the rates came from
    ]


# What a report says of each DECISIONS term.
DECISION_ASSUMPTIONS = {
    "close": "The controller decides once a bar, at its close (a bot re-prices on the book every second:"
    " docs/backtest-vs-paper.md measures what this leaves out).",
    "path": "The controller decides at each of four points of every bar (open, the nearer extreme, the"
    " other, close), on the bars closed before it and the point's price, as a bot on the replay market does;"
    " a quote priced at one point can fill at a later one.",
}


def order_assumptions(model: dict) -> list[str]:
    """What an execution report says about how its child orders (OrderExecutors) were filled."""
    if model.get("name") != "conservative":
        return [
            "Hummingbot 2.12's own rule, as its position simulator fills an entry: a market order at the"
            " close of the bar that priced it; a limit at the close of the first bar, that one included,"
            f" whose close is at or through its price; one flat fee ({model.get('fee', 0):.4%}).",
            "Whole fills only: a bar fills an order or not; no queue position, no book depth.",
        ]
    return [
        "Conservative fill model (controllers/analysis/fill_model.py, simulate_order).",
        f"A market order fills at the next bar's open, {model['slippage']:.2%} worse, taker fee"
        f" {model['taker_fee']:.3%}.",
        "A limit order fills at its own price, only on a later bar than the one that priced it, and only"
        " when that bar trades through it by one price increment"
        f" ({model['tick'] or 'read from each candle file'}); maker fee {model['maker_fee']:.3%}.",
        "A post-only (LIMIT_MAKER) order rests at its price or the market's, whichever does not cross.",
        "Whole fills only: a bar fills an order or not; no queue position, no book depth, no volume cap.",
    ]


def price_increment(prices: Sequence[float], sample: int = 20000) -> float:
    """The market's price increment as the candles show it: the smallest step between two distinct
    prices, rounded to its power of ten (float noise in the files hides the exact tick). 0 when the
    prices never change."""
    distinct = sorted({float(p) for p in prices[:sample] if p > 0})
    steps = [b - a for a, b in zip(distinct, distinct[1:], strict=False) if b - a > 1e-9 * b]
    if not steps:
        return 0.0
    return 10.0 ** round(math.log10(min(steps)))


PATH_POINTS = 4  # a bar walked point by point: its open, one extreme, the other, its close


def bar_path(open_: float, high: float, low: float, close: float) -> tuple[float, float, float, float]:
    """The order a bar's four prices are walked in, the replay market's order (hbot_paper.Bar.path; a
    test holds the two equal): a rising or flat bar dips before it rallies (open, low, high, close), a
    falling bar rallies first (open, high, low, close). Candles do not say which extreme came first;
    this order makes a quote re-priced at the first extreme meet the second."""
    if close >= open_:
        return (open_, low, high, close)
    return (open_, high, low, close)


def walk_bars(
    timestamps: Sequence[float],
    opens: Sequence[float],
    highs: Sequence[float],
    lows: Sequence[float],
    closes: Sequence[float],
) -> dict[str, list[float]]:
    """Each bar as PATH_POINTS sub-bars, one per point of its path (bar_path), for a backtest that
    decides at every point as a bot on the replay does (engine.py, decisions "path").

    Sub-bar k of bar t starts at t's time + k x interval / PATH_POINTS and runs from the point before it
    (the previous bar's close before point 0; the first bar's own open) to point k: those two are its
    open and close, the larger and smaller its high and low. Nothing trades between two points, as on
    the replay. `bar` is each sub-bar's bar index, `point` its k."""
    count = len(timestamps)
    if count < 2:
        raise FillModelError("candles: walking bars needs at least two, to know the interval")
    out: dict[str, list[float]] = {
        name: [] for name in ("timestamp", "open", "high", "low", "close", "bar", "point")
    }
    previous = opens[0]
    for t in range(count):
        interval = (
            (timestamps[t + 1] - timestamps[t]) if t + 1 < count else (timestamps[t] - timestamps[t - 1])
        )
        for k, point in enumerate(bar_path(opens[t], highs[t], lows[t], closes[t])):
            out["timestamp"].append(timestamps[t] + k * interval / PATH_POINTS)
            out["open"].append(previous)
            out["high"].append(max(previous, point))
            out["low"].append(min(previous, point))
            out["close"].append(point)
            out["bar"].append(t)
            out["point"].append(k)
            previous = point
    return out


@dataclass(frozen=True)
class Barriers:
    """One position executor's order, as the fill model needs it (prices in quote, fractions of entry)."""

    side: int  # BUY or SELL
    amount: float  # base
    entry_price: float | None  # None: a market entry
    post_only: bool = False  # LIMIT_MAKER: a quote that would cross at creation is rejected
    take_profit: float | None = None
    stop_loss: float | None = None
    trailing_activation: float | None = None  # trailing stop, as Hummingbot's: a return that arms it,
    trailing_delta: float | None = None  # then the give-back from the best return (on closes) that fires it
    take_profit_is_limit: bool = True


@dataclass(frozen=True)
class Bars:
    """One executor's bars: index 0 is the bar whose data priced the order, the last is where its
    time limit (or the data) ends."""

    open: Sequence[float]
    high: Sequence[float]
    low: Sequence[float]
    close: Sequence[float]

    def __len__(self) -> int:
        return len(self.close)


@dataclass(frozen=True)
class PositionPath:
    """How one executor went: the fill, the exit, and the bar its life ended on."""

    close_reason: str
    end_bar: int  # the last bar of the executor's life: its exit, or the time limit when it never filled
    fill_bar: int | None = None
    entry_price: float = math.nan
    entry_fee: float = 0.0  # the rate paid on the entry
    exit_price: float = math.nan
    exit_fee: float = 0.0

    @property
    def filled(self) -> bool:
        return self.fill_bar is not None


def _through(depth: float, tick: float) -> bool:
    """A bar traded `depth` past a resting order's price: through it by at least one increment (float
    noise in candle files forgiven), and strictly past it when the increment is unknown."""
    return depth > 0 and depth >= tick * (1 - 1e-9)


def _entry(bars: Bars, order: Barriers, terms: FillTerms, tick: float) -> tuple[int, float, float] | None:
    """(bar, price, fee rate) of the entry fill; None when it never fills."""
    side = order.side
    if order.entry_price is None:  # market: the next bar's open, moved against the order
        return (1, bars.open[1] * (1 + side * terms.slippage), terms.taker_fee) if len(bars) > 1 else None
    price = order.entry_price
    if side * (price - bars.close[0]) >= 0 and len(bars) > 1:
        # A limit priced through the market is a taker order: it fills at once if its price allows.
        taker = bars.open[1] * (1 + side * terms.slippage)
        if side * (price - taker) >= 0:
            return 1, taker, terms.taker_fee
    for bar in range(1, len(bars)):
        if _through(price - bars.low[bar] if side == BUY else bars.high[bar] - price, tick):
            return bar, price, terms.maker_fee
    return None


def _stop_exit(level: float, bar: int, fill_bar: int, bars: Bars, side: int, slippage: float) -> float:
    """A market stop's fill: the level, or the open when the bar gapped past it, moved by the slippage."""
    if bar > fill_bar:
        level = min(level, bars.open[bar]) if side == BUY else max(level, bars.open[bar])
    return level * (1 - side * slippage)


def simulate_position(bars: Bars, order: Barriers, terms: FillTerms) -> PositionPath:
    """The conservative path of one position executor over `bars` (see the module's rules)."""
    last = len(bars) - 1
    side, tick = order.side, terms.tick
    if last < 0:
        raise FillModelError("bars: an executor needs at least the bar that priced it")
    if order.post_only and order.entry_price is not None and side * (order.entry_price - bars.close[0]) >= 0:
        return PositionPath(FAILED, 0)  # the exchange rejects a post-only order that would take
    entry = _entry(bars, order, terms, tick)
    if entry is None:
        return PositionPath(TIME_LIMIT, last)
    fill, price, entry_fee = entry
    filled = {"fill_bar": fill, "entry_price": price, "entry_fee": entry_fee}
    # Hummingbot's executor compares its net return (the entry fee paid) with the barriers: net = the
    # price's move - entry_fee, so a stop (a market take-profit) sits entry_fee nearer (further).
    stop = price * (1 - side * (order.stop_loss - entry_fee)) if order.stop_loss else None
    target = None
    if order.take_profit:
        target_return = order.take_profit if order.take_profit_is_limit else order.take_profit + entry_fee
        target = price * (1 + side * target_return)
    trailing = order.trailing_activation is not None and order.trailing_delta is not None
    best_return = -math.inf  # best return on closes so far, for the trailing stop
    for bar in range(fill, last + 1):
        adverse = bars.low[bar] if side == BUY else bars.high[bar]
        favourable = bars.high[bar] if side == BUY else bars.low[bar]
        stops = []
        if stop is not None and side * (adverse - stop) <= 0:
            stops.append((stop, STOP_LOSS))
        if trailing and bar > fill and best_return - entry_fee > order.trailing_activation:
            level = price * (1 + side * (best_return - order.trailing_delta))
            if side * (adverse - level) <= 0:
                stops.append((level, TRAILING_STOP))
        if stops:  # falling from the open, the price meets the nearer level first
            level, reason = max(stops) if side == BUY else min(stops)
            exit_price = _stop_exit(level, bar, fill, bars, side, terms.slippage)
            return PositionPath(reason, bar, **filled, exit_price=exit_price, exit_fee=terms.taker_fee)
        if target is not None and bar > fill and order.take_profit_is_limit:
            if _through(side * (favourable - target), tick):
                return PositionPath(TAKE_PROFIT, bar, **filled, exit_price=target, exit_fee=terms.maker_fee)
        elif target is not None and bar > fill and side * (favourable - target) >= 0:  # a market take-profit
            exit_price = target * (1 - side * terms.slippage)
            return PositionPath(TAKE_PROFIT, bar, **filled, exit_price=exit_price, exit_fee=terms.taker_fee)
        best_return = max(best_return, side * (bars.close[bar] / price - 1))
    exit_price = bars.close[last] * (1 - side * terms.slippage)
    return PositionPath(TIME_LIMIT, last, **filled, exit_price=exit_price, exit_fee=terms.taker_fee)


@dataclass(frozen=True)
class OrderFill:
    """How one lone order (an OrderExecutor's) went: the bar it filled on, whole, or None."""

    bar: int | None  # index into the order's bars (0: the bar that priced it); None: never filled
    price: float = math.nan
    fee_rate: float = 0.0  # the maker rate on a resting fill, the taker rate on a market or crossing one

    @property
    def filled(self) -> bool:
        return self.bar is not None


def maker_price(side: int, price: float, close: float) -> float:
    """Where Hummingbot's OrderExecutor places a LIMIT_MAKER: its price, or the market price when that
    price would cross (a buy at min(price, market), a sell at max): it never sends a post-only order that
    takes, so none is rejected. The bar that priced the order is the backtest's only market price."""
    return min(price, close) if side == BUY else max(price, close)


def simulate_order(bars: Bars, order: Barriers, terms: FillTerms) -> OrderFill:
    """The conservative fill of one order alone, whole or not at all (no partial fills), by the entry
    rules above: a market order at the next bar's open moved by the slippage (taker fee); a limit at its
    own price on the first later bar that trades through it by one increment (maker fee); a limit priced
    at or through the close of the bar that priced it is a taker order, filled at the next open moved by
    the slippage when its price allows that, resting otherwise. A post-only order (`post_only`) is placed
    at maker_price() by the caller, so it rests: it never takes. Nothing fills on the pricing bar."""
    if len(bars) == 0:
        raise FillModelError("bars: an order needs at least the bar that priced it")
    side, price = order.side, order.entry_price
    if order.post_only and price is not None:  # rests even at the market price: it never takes
        for bar in range(1, len(bars)):
            if _through(price - bars.low[bar] if side == BUY else bars.high[bar] - price, terms.tick):
                return OrderFill(bar, price, terms.maker_fee)
        return OrderFill(None)
    entry = _entry(bars, order, terms, terms.tick)
    return OrderFill(None) if entry is None else OrderFill(entry[0], float(entry[1]), entry[2])


def close_through_fill(closes: Sequence[float], side: int, price: float | None) -> int | None:
    """Hummingbot 2.12's own rule, as its position simulator fills an entry: a market order (price None)
    on the bar that priced it, at that close; a limit on the first bar, that one included, whose close is
    at or through its price, at that close. The index of that bar, or None."""
    if price is None:
        return 0 if len(closes) else None
    for bar, close in enumerate(closes):
        if side * (price - close) >= 0:
            return bar
    return None


@dataclass(frozen=True)
class Mark:
    """One bar of an executor's life, as Hummingbot's engine reads it (quote amounts)."""

    net_pnl_quote: float
    fees_quote: float
    filled_quote: float  # traded notional: the entry, plus the exit on the exit bar

    def net_pnl_pct(self, entry_quote: float) -> float:
        return self.net_pnl_quote / entry_quote if entry_quote else 0.0


def marks(path: PositionPath, order: Barriers, closes: Sequence[float], terms: FillTerms) -> list[Mark]:
    """The executor's mark at each bar 0..path.end_bar: nothing before the fill; while open, what a
    market exit at that bar's close would net; on the exit bar, the exit itself."""
    zero = Mark(0.0, 0.0, 0.0)
    if not path.filled:
        return [zero] * (path.end_bar + 1)
    side, amount, entry = order.side, order.amount, path.entry_price
    entry_quote, entry_fee = amount * entry, amount * entry * path.entry_fee
    out = [zero] * path.fill_bar
    for bar in range(path.fill_bar, path.end_bar + 1):
        if bar == path.end_bar:
            exit_price, exit_rate = path.exit_price, path.exit_fee
        else:
            exit_price, exit_rate = closes[bar] * (1 - side * terms.slippage), terms.taker_fee
        fees = entry_fee + amount * exit_price * exit_rate
        gross = side * (exit_price - entry) * amount
        traded = entry_quote + (amount * exit_price if bar == path.end_bar else 0.0)
        out.append(Mark(gross - fees, fees, traded))
    return out


__all__ = [
    "BUY",
    "DECISIONS",
    "DEFAULT_DECISIONS",
    "DEFAULT_FILL_MODEL",
    "PATH_POINTS",
    "DEFAULT_SLIPPAGE",
    "FILL_MODELS",
    "PUBLIC_FEES",
    "SELL",
    "Barriers",
    "Bars",
    "FillModelError",
    "FillTerms",
    "Mark",
    "OrderFill",
    "PositionPath",
    "assumptions",
    "bar_path",
    "close_through_fill",
    "fill_terms",
    "maker_price",
    "marks",
    "order_assumptions",
    "price_increment",
    "simulate_order",
    "simulate_position",
    "walk_bars",
]
