"""The paired block bootstrap of a Sharpe difference (controllers/analysis/bootstrap.py)."""

from __future__ import annotations

import random

import pytest

from controllers.analysis.bootstrap import sharpe_difference
from controllers.analysis.metrics import sharpe_ratio

PERIODS = 105_120  # 5-minute bars a year


def noise(n: int, mean: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(mean, 0.001) for _ in range(n)]


def test_the_point_estimate_is_the_difference_of_the_reported_sharpes():
    ours, theirs = noise(500, 0.0002, 1), noise(500, 0.0, 2)
    result = sharpe_difference(ours, theirs, PERIODS, resamples=50)
    expected = sharpe_ratio(ours, PERIODS) - sharpe_ratio(theirs, PERIODS)
    assert result["sharpe_diff"] == pytest.approx(expected, rel=1e-9)
    assert result["block_bars"] == 8 and result["resamples"] == 50  # round(500 ** (1/3))


def test_one_series_against_itself_differs_by_nothing_in_every_resample():
    series = noise(300, 0.0001, 3)
    result = sharpe_difference(series, list(series), PERIODS, resamples=200)
    assert result["sharpe_diff"] == 0 and result["sharpe_diff_low"] == result["sharpe_diff_high"] == 0


def test_a_single_block_as_long_as_the_series_resamples_the_series_itself():
    ours, theirs = noise(120, 0.0003, 4), noise(120, -0.0001, 5)
    result = sharpe_difference(ours, theirs, PERIODS, block=120, resamples=20)
    assert result["sharpe_diff_low"] == pytest.approx(result["sharpe_diff"], rel=1e-9)
    assert result["sharpe_diff_high"] == pytest.approx(result["sharpe_diff"], rel=1e-9)


def test_a_clear_edge_excludes_zero_and_noise_does_not():
    better, worse = noise(3000, 0.0004, 6), noise(3000, -0.0004, 7)
    clear = sharpe_difference(better, worse, PERIODS)
    assert 0 < clear["sharpe_diff_low"] < clear["sharpe_diff"] < clear["sharpe_diff_high"]
    reversed_ = sharpe_difference(worse, better, PERIODS)
    assert reversed_["sharpe_diff_high"] < 0
    same = sharpe_difference(noise(3000, 0.0, 8), noise(3000, 0.0, 9), PERIODS)
    assert same["sharpe_diff_low"] < 0 < same["sharpe_diff_high"]


def test_the_interval_is_repeatable_to_the_last_digit_and_moves_with_the_seed():
    ours, theirs = noise(800, 0.0001, 10), noise(800, 0.0, 11)
    first = sharpe_difference(ours, theirs, PERIODS, resamples=300)
    assert sharpe_difference(ours, theirs, PERIODS, resamples=300) == first
    other = sharpe_difference(ours, theirs, PERIODS, resamples=300, seed=1)
    assert (
        other["sharpe_diff"] == first["sharpe_diff"] and other["sharpe_diff_low"] != first["sharpe_diff_low"]
    )


def test_undefined_or_mismatched_series_give_no_interval():
    flat = [0.0] * 100
    assert sharpe_difference(flat, noise(100, 0.0, 12), PERIODS) is None  # a flat run has no Sharpe
    assert sharpe_difference(noise(100, 0.0, 13), noise(99, 0.0, 14), PERIODS) is None
    with pytest.raises(ValueError, match="block: 101 must be between 1 and the series' 100 bars"):
        sharpe_difference(noise(100, 0.0, 15), noise(100, 0.0, 16), PERIODS, block=101)
