"""The walk-forward split: the search sees the head only, the held-out tail borrows its warm-up causally."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controllers.analysis.optimize.request import longest_warmup, registered_warmup
from controllers.analysis.optimize.walkforward import (
    MIN_SCORED_BARS,
    SplitError,
    check_train_fraction,
    walk_forward_split,
)
from controllers.plugin_system.registry import load_registry
from controllers.shared_base.strategies.regime_trend import RegimeTrendParams
from controllers.shared_base.strategies.regime_trend import warmup_bars as regime_warmup


def test_split_of_a_real_sized_file():
    split = walk_forward_split(5760, 0.7, warmup=49, market="ETH-BTC_5m")
    assert (split.train_rows, split.test_rows) == (4032, 1728)
    # the held-out run is fed the last 49 training bars as warm-up, then scores from row 4032 on
    assert split.test_feed_start == 4032 - 49


@given(
    rows=st.integers(min_value=2, max_value=20_000),
    fraction=st.floats(min_value=0.01, max_value=0.99),
    warmup=st.integers(min_value=1, max_value=500),
)
def test_a_split_either_fits_or_says_which_market_is_short(rows, fraction, warmup):
    try:
        split = walk_forward_split(rows, fraction, warmup, market="M")
    except SplitError as error:
        assert str(error).startswith("M: ")
        return
    # train and held-out partition the rows; neither is shorter than the minimum
    assert split.train_rows + split.test_rows == rows
    assert split.train_rows >= warmup + MIN_SCORED_BARS
    assert split.test_rows >= MIN_SCORED_BARS
    # the held-out warm-up comes from the training part only, never from before the file
    assert 0 <= split.test_feed_start <= split.train_end
    assert split.train_end - split.test_feed_start == min(warmup, split.train_end)


def test_a_training_part_shorter_than_the_warm_up_is_rejected():
    with pytest.raises(
        SplitError, match=r"ETH-BTC_5m: 300 candles give a training part of 210 bars; the warm-up of 193"
    ):
        walk_forward_split(300, 0.7, warmup=193, market="ETH-BTC_5m")


def test_a_held_out_part_too_short_to_score_is_rejected():
    with pytest.raises(SplitError, match=r"X: 1000 candles leave 10 held-out bars; at least 30"):
        walk_forward_split(1000, 0.99, warmup=10, market="X")


@pytest.mark.parametrize("fraction", [0, 1, -0.5, 1.5, float("nan"), float("inf")])
def test_train_fraction_outside_the_open_unit_interval_is_rejected(fraction):
    with pytest.raises(SplitError, match=r"--train-fraction: must be strictly between 0 and 1"):
        check_train_fraction(fraction)


def test_a_space_corner_is_sized_by_the_registered_warm_up_even_when_invalid():
    spec = load_registry().get("regime_trend")
    valid = RegimeTrendParams(fast_ema=10, slow_ema=150, regime_window=20).model_dump()
    invalid = {**valid, "fast_ema": 200}  # fast above slow: refused, yet a corner the split must fit
    assert registered_warmup(spec, valid) == regime_warmup(RegimeTrendParams(**valid)) == 151
    assert registered_warmup(spec, invalid) == 151
    assert longest_warmup(spec, [valid, {**valid, "regime_window": 300}]) == 301
