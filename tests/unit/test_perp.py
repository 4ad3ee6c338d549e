"""The perp leg of the two-market backtest (controllers/analysis/perp.py): fees, funding and PnL by hand."""

from __future__ import annotations

import pytest

from controllers.analysis.perp import (
    DEFAULT_FUNDING_RATE,
    FUNDING_PERIOD,
    PerpAccount,
    PerpTerms,
    PerpTermsError,
    funding_times,
    next_funding,
    tracking,
)

H8 = FUNDING_PERIOD


def test_default_funding_is_binances_baseline_every_8_hours():
    terms = PerpTerms(0.0002, 0.0005)
    assert terms.funding_rate == DEFAULT_FUNDING_RATE == 0.0001 and terms.funding_period == 8 * 3600
    assert terms.fee_rate(market=True) == 0.0005 and terms.fee_rate(market=False) == 0.0002


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"maker_fee": -0.0001}, "maker_fee: -0.0001 is outside [0, 0.01)"),
        ({"taker_fee": 0.05}, "taker_fee: 0.05 is outside [0, 0.01)"),
        ({"funding_rate": 0.01}, "funding_rate: 0.01 is outside (-0.01, 0.01)"),
        ({"funding_rate": True}, "funding_rate: True is outside"),
        ({"funding_period": 0}, "funding_period: 0 must be > 0 seconds"),
        ({"funding_period": 1.5}, "funding_period: 1.5 must be whole seconds"),
    ],
)
def test_bad_terms_name_the_field(fields, message):
    with pytest.raises(
        PerpTermsError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        PerpTerms(**{"maker_fee": 0.0002, "taker_fee": 0.0005, **fields})


def test_funding_timestamps_are_the_periods_multiples_each_crossed_once():
    day = 1_700_006_400  # 2023-11-15 00:00 UTC, a multiple of 8 h
    assert day % H8 == 0
    assert next_funding(day - 1, H8) == day and next_funding(day, H8) == day + H8
    assert funding_times(day - 300, day, H8) == [day]  # the bar that reaches 00:00 crosses it
    assert funding_times(day, day + 300, H8) == []  # ... and the next one does not again
    assert funding_times(day - 1, day + 2 * H8, H8) == [day, day + H8, day + 2 * H8]  # a long gap: each


def test_a_short_hedge_opens_adds_closes_through_zero_with_hand_numbers():
    account = PerpAccount()
    account.fill(-2.0, 100.0, 0.1)  # short 2 at 100
    account.fill(-1.0, 103.0, 0.05)  # add 1 at 103: entry (200 + 103) / 3 = 101
    assert account.position_base == -3.0 and account.entry_price == pytest.approx(101.0)
    account.fill(+1.0, 99.0, 0.05)  # close 1 at 99: realises (99 - 101) * -1 = +2
    assert account.position_base == -2.0 and account.realised_quote == pytest.approx(2.0)
    assert account.entry_price == pytest.approx(101.0)  # a close leaves the entry where it was
    account.fill(+3.0, 102.0, 0.15)  # close 2 at 102 (realises -2), open long 1 at 102
    assert account.position_base == pytest.approx(1.0) and account.entry_price == pytest.approx(102.0)
    assert account.realised_quote == pytest.approx(0.0)
    assert account.fees_quote == pytest.approx(0.35) and account.fills == 4
    assert account.volume_quote == pytest.approx(200 + 103 + 99 + 306)
    # marked at 104: (104 - 102) * 1 + 0 realised - 0.35 fees
    assert account.pnl(104.0) == pytest.approx(2.0 - 0.35)


def test_pnl_is_the_cash_accounting_of_every_fill():
    """Average-price bookkeeping against the plain cash view: what was paid and received, plus the
    position at the mark, less fees. The two must agree on any sequence of fills."""
    fills = [(-1.5, 50.0), (0.5, 48.0), (-2.0, 51.0), (4.0, 47.5), (-1.0, 49.0)]
    account, cash = PerpAccount(), 0.0
    for signed, price in fills:
        account.fill(signed, price, abs(signed) * price * 0.0005)
        cash -= signed * price
    fees = sum(abs(s) * p * 0.0005 for s, p in fills)
    mark = 49.5
    assert account.position_base == pytest.approx(0.0)
    assert account.pnl(mark) == pytest.approx(cash + account.position_base * mark - fees)


def test_funding_a_short_receives_a_positive_rate_and_pays_a_negative_one():
    account = PerpAccount()
    account.fill(-2.0, 100.0, 0.0)
    assert account.charge_funding(101.0, 0.0001) == pytest.approx(-2 * 101 * 0.0001)  # received
    assert account.charge_funding(99.0, -0.0002) == pytest.approx(2 * 99 * 0.0002)  # paid
    assert account.funding_quote == pytest.approx(-0.0202 + 0.0396) and account.payments == 2
    # equity = PnL less funding paid: (100 - 100) * -2 - fees 0 - funding
    assert account.equity(100.0) == pytest.approx(-(-0.0202 + 0.0396))
    flat = PerpAccount()
    assert flat.charge_funding(100.0, 0.0001) == 0 and flat.payments == 0  # nothing held, nothing charged


def test_tracking_counts_the_ticks_past_the_band():
    nan = float("nan")
    rows = [
        {"net_delta_base": nan, "target_base": nan, "position_base": 0.0},  # before any decision
        {"net_delta_base": 0.5, "target_base": -0.5, "position_base": 0.0},  # a fill: past a 0.1 band
        {"net_delta_base": 0.05, "target_base": -0.5, "position_base": -0.45},
        {"net_delta_base": -0.02, "target_base": -0.48, "position_base": -0.5},
        {"net_delta_base": 0.0, "target_base": 0.0, "position_base": 0.0},
    ]
    figures = tracking(rows, band=0.1)
    assert figures["ticks"] == 4 and figures["outside_band"] == pytest.approx(0.25)
    assert figures["max_abs_net_delta_base"] == 0.5
    assert figures["mean_abs_net_delta_base"] == pytest.approx((0.5 + 0.05 + 0.02) / 4)
    assert tracking(rows[:1], band=0.1)["outside_band"] is None
