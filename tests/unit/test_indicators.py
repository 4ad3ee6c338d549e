import math

import pytest

from controllers.shared_base import indicators


@pytest.mark.parametrize(
    ("text", "seconds"), [("1s", 1), ("1m", 60), ("5m", 300), ("1h", 3600), ("1d", 86400)]
)
def test_interval_seconds(text, seconds):
    assert indicators.interval_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "5x", "0m", "-1m", "1.5m"])
def test_interval_seconds_rejects(text):
    with pytest.raises(ValueError):
        indicators.interval_seconds(text)


def test_ewma_volatility_of_constant_returns_equals_that_return():
    closes = [100 * math.exp(0.01 * i) for i in range(50)]
    assert indicators.ewma_volatility(closes, 10)[-1] == pytest.approx(0.01)
    assert indicators.ewma_volatility([5.0] * 10, 3)[-1] == 0.0


def test_rsi_extremes_and_neutral():
    assert indicators.rsi(list(range(1, 40)), 14)[-1] == 100.0
    assert indicators.rsi(list(range(40, 1, -1)), 14)[-1] == pytest.approx(0.0)
    assert indicators.rsi([10.0] * 20, 14)[-1] == 50.0
    zigzag = [10.0, 11.0] * 20
    assert 40 < indicators.rsi(zigzag, 14)[-1] < 60


def test_rsi_hand_computed_first_steps():
    # +1 then -1: averages over 2 bars are 0.5 and 0.5 -> RSI 50
    assert indicators.rsi([10.0, 11.0, 10.0], 14)[2] == pytest.approx(50.0)


def test_efficiency_ratio_trend_vs_chop():
    assert indicators.efficiency_ratio(list(range(30)), 10)[-1] == pytest.approx(1.0)
    assert indicators.efficiency_ratio(list(range(30, 0, -1)), 10)[-1] == pytest.approx(-1.0)
    assert indicators.efficiency_ratio([1.0, 2.0] * 15, 10)[-1] == pytest.approx(0.0)
    # hand-computed: closes 1,2,1,3 with length 3 -> net 2, path 1+1+2 = 4
    assert indicators.efficiency_ratio([1.0, 2.0, 1.0, 3.0], 3)[3] == pytest.approx(0.5)


def test_indicators_are_causal():
    closes = [100 + math.sin(i / 3) for i in range(60)]
    for function in (
        lambda c: indicators.rsi(c, 14),
        lambda c: indicators.ewma_volatility(c, 10),
        lambda c: indicators.efficiency_ratio(c, 10),
        lambda c: indicators.ema(c, 10),
    ):
        full = function(closes)
        assert function(closes[:40]) == pytest.approx(full[:40])
