"""The perpetual leg of the two-market backtest (hedge_engine.py), pure: no Hummingbot, no pandas.

What the engine charges the hedge, and only this module decides it:

* **Fees.** Each hedge fill pays the perp's own rates (PerpTerms: taker on market orders, maker on
  limit ones), not the spot market's: a perp's fee tier is its own (Binance USD-M: 0.02% / 0.05% at the
  public tier, against spot's 0.1%).
* **Funding.** A stated rate per funding period (default Binance's baseline, 0.01% per 8 h), charged at
  every funding timestamp crossed (the multiples of the period since the epoch: 00:00, 08:00 and 16:00
  UTC at 8 h) on the position held before that timestamp, marked at the last perp close before it.
  Longs pay shorts when the rate is positive, so a short hedge of a long inventory receives it. The rate
  is constant: the candles carry no funding history, and the figures say which rate they assumed.
* **PnL.** The position is kept at its average entry price: closing trades realise against it, and
  hedge PnL = (mark - entry) * position + realised - fees, as hedge.hedge_pnl_quote computes it live;
  funding is booked apart and taken off the equity.

Not modelled: margin, leverage and liquidation (the hedge's margin is not drawn from the spot capital),
the perp's minimum order size (the backtest's trading rule is permissive), and a basis that moves the
funding rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from controllers.shared_base import hedge

FUNDING_PERIOD = 8 * 3600  # seconds; Binance, Bybit and Bitget fund their USDT perpetuals every 8 h
# Binance USD-M's baseline: interest 0.03% a day, premium 0, i.e. 0.01% per 8 h. It is the rate the
# exchange charges most of the time outside trending markets; a trend moves it both ways.
DEFAULT_FUNDING_RATE = 0.0001
FUNDING_RATE_LIMIT = 0.01  # |rate| per period; Binance caps its perpetuals' funding well below 1%


class PerpTermsError(ValueError):
    """A perp term is unusable; the message is "field: why"."""


@dataclass(frozen=True)
class PerpTerms:
    """What the perp charges. Rates are fractions (0.0005 = 0.05%); the funding rate is per period."""

    maker_fee: float
    taker_fee: float
    funding_rate: float = DEFAULT_FUNDING_RATE
    funding_period: int = FUNDING_PERIOD

    def __post_init__(self) -> None:
        for name in ("maker_fee", "taker_fee"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 0.01:
                raise PerpTermsError(f"{name}: {value!r} is outside [0, 0.01); a fraction (0.0005 = 0.05%)")
        rate = self.funding_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not abs(rate) < FUNDING_RATE_LIMIT:
            raise PerpTermsError(
                f"funding_rate: {rate!r} is outside (-{FUNDING_RATE_LIMIT}, {FUNDING_RATE_LIMIT}); a"
                " fraction per funding period (0.0001 = 0.01% per 8 h)"
            )
        if isinstance(self.funding_period, bool) or not isinstance(self.funding_period, int):
            raise PerpTermsError(f"funding_period: {self.funding_period!r} must be whole seconds")
        if self.funding_period <= 0:
            raise PerpTermsError(f"funding_period: {self.funding_period} must be > 0 seconds")

    def fee_rate(self, market: bool) -> float:
        return self.taker_fee if market else self.maker_fee

    def summary(self) -> dict[str, float]:
        return {
            "maker_fee": self.maker_fee,
            "taker_fee": self.taker_fee,
            "funding_rate": self.funding_rate,
            "funding_period_hours": self.funding_period / 3600,
        }


def next_funding(now: float, period: int) -> float:
    """The first funding timestamp strictly after `now` (what a connector reports as the next one)."""
    return (math.floor(now / period) + 1) * period


def funding_times(after: float, until: float, period: int) -> list[float]:
    """Funding timestamps t with after < t <= until: each is charged once, on the bar that crosses it."""
    times, t = [], next_funding(after, period)
    while t <= until:
        times.append(t)
        t += period
    return times


@dataclass
class PerpAccount:
    """The hedge's position and what it cost, booked fill by fill and funding by funding."""

    position_base: float = 0.0  # signed: a short hedge < 0
    entry_price: float = 0.0  # average entry price of the open position (0 when flat)
    realised_quote: float = 0.0  # what closing trades realised against the entry price, before fees
    fees_quote: float = 0.0
    funding_quote: float = 0.0  # paid (> 0) or received (< 0)
    volume_quote: float = 0.0
    fills: int = 0
    payments: int = 0

    def fill(self, signed_base: float, price: float, fee_quote: float) -> None:
        """Book a fill: `signed_base` > 0 bought, < 0 sold, at `price`, paying `fee_quote`."""
        if signed_base == 0:
            return
        position = self.position_base
        reducing = position != 0 and (position > 0) != (signed_base > 0)
        if reducing:
            closed = min(abs(signed_base), abs(position))
            self.realised_quote += (price - self.entry_price) * math.copysign(closed, position)
            rest = abs(signed_base) - closed
            self.position_base = position + math.copysign(closed, signed_base)
            if rest > 0:  # through zero: the rest opens a position on the other side, at this price
                self.position_base, self.entry_price = math.copysign(rest, signed_base), price
            elif self.position_base == 0:  # closed whole: x + (-x) is exactly 0 in floats
                self.entry_price = 0.0
        else:
            size = abs(position) + abs(signed_base)
            self.entry_price = (self.entry_price * abs(position) + price * abs(signed_base)) / size
            self.position_base = position + signed_base
        self.fees_quote += fee_quote
        self.volume_quote += abs(signed_base) * price
        self.fills += 1

    def charge_funding(self, mark_price: float, rate: float) -> float:
        """One funding payment on the position held now: position * mark * rate (> 0: paid)."""
        paid = self.position_base * mark_price * rate
        if self.position_base:
            self.funding_quote += paid
            self.payments += 1
        return paid

    def pnl(self, mark_price: float) -> float:
        """Hedge PnL at `mark_price`, before funding (hedge.hedge_pnl_quote, as the controller reads it)."""
        return hedge.hedge_pnl_quote(
            self.position_base, self.entry_price, mark_price, self.realised_quote, self.fees_quote
        )

    def equity(self, mark_price: float) -> float:
        """What the hedge added to the account at `mark_price`: its PnL less the funding paid."""
        return self.pnl(mark_price) - self.funding_quote


def tracking(records: Sequence[Mapping[str, Any]], band: float) -> dict[str, Any]:
    """How closely the hedge followed the spot, over the ticks the controller decided on (hedge_engine's
    HEDGE_COLUMNS rows): |net delta| (base) as it saw it, after the tick's spot fills and before its own
    hedge orders fill, mean and max; and the share of ticks whose gap (target - position) was past the
    band. A tick past the band is one where the spot filled since the last hedge: the engine fills a
    hedge order on a later bar than the one that decided it, as a live order reaches the book later."""
    decided = [row for row in records if row["net_delta_base"] == row["net_delta_base"]]  # NaN: none
    if not decided:
        return {
            "ticks": 0,
            "mean_abs_net_delta_base": None,
            "max_abs_net_delta_base": None,
            "outside_band": None,
        }
    deltas = [abs(row["net_delta_base"]) for row in decided]
    outside = sum(1 for row in decided if abs(row["target_base"] - row["position_base"]) > band)
    return {
        "ticks": len(decided),
        "mean_abs_net_delta_base": sum(deltas) / len(deltas),
        "max_abs_net_delta_base": max(deltas),
        "outside_band": outside / len(decided),
    }


__all__ = [
    "DEFAULT_FUNDING_RATE",
    "FUNDING_PERIOD",
    "PerpAccount",
    "PerpTerms",
    "PerpTermsError",
    "funding_times",
    "next_funding",
    "tracking",
]
