"""Candle files: every bad file is refused with its row and column named; good ones load exactly."""

from __future__ import annotations

import pytest

from controllers.analysis.candles import CandleError, find_gaps, interval_name, load_candles, parse_candles

HEADER = "timestamp,open,high,low,close,volume"


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def bar(t: int, close: float = 10.0, volume: float = 1.0) -> str:
    return f"{t},{close},{close + 1},{close - 1},{close},{volume}"


GOOD = csv(bar(0), bar(300, 11.0), bar(600, 12.0), bar(900, 11.5))


def test_good_file_loads_with_its_interval_and_hash(tmp_path):
    path = tmp_path / "X-Y_5m.csv"
    path.write_text(GOOD)
    candles = load_candles(path)
    assert candles.rows == 4 and candles.interval == "5m" and candles.interval_seconds == 300
    assert candles.close == (10.0, 11.0, 12.0, 11.5)
    assert (candles.start, candles.end, candles.filled_bars) == (0, 900, 0)
    # sha256 of the file's bytes: `sha256sum` of this content
    import hashlib

    assert candles.sha256 == hashlib.sha256(GOOD.encode()).hexdigest()
    assert candles.take(1, 3).timestamps == (300.0, 600.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            csv(bar(0), bar(300), bar(900), bar(1200)),
            "1 gap(s), 1 missing 5m bar(s); the first is 1 bar(s) after 300",
        ),
        (
            csv(bar(0), bar(600), bar(300), bar(900)),
            "row 4, column timestamp: 300 is before the previous row",
        ),
        (csv(bar(0), bar(300), bar(300), bar(600)), "row 4, column timestamp: duplicate timestamp 300"),
        (csv(bar(0), bar(300), "600,10,11,9,0,1", bar(900)), "row 4, column close: non-positive price 0.0"),
        (csv(bar(0), bar(300), "600,-1,11,9,10,1", bar(900)), "row 4, column open: non-positive price -1.0"),
        (csv("0,10,11,9,10", header="timestamp,open,high,low,close"), "missing columns ['volume']"),
        (csv(bar(0), "300,10,11,9,abc,1", bar(600)), "row 3, column close: 'abc' is not a number"),
        (csv(bar(0), "300,10,11,9,,1", bar(600)), "row 3, column close: empty or not finite"),
        (csv(bar(0), "300,10,9,11,10,1", bar(600)), "row 3: high 9.0 / low 11.0 do not bound"),
        (csv(bar(0), bar(300)), "2 bars; need at least 3"),
        (
            csv(bar(1_600_000_000_000), bar(1_600_000_300_000), bar(1_600_000_600_000)),
            "looks like milliseconds",
        ),
        (csv(bar(0), bar(300), bar(700), bar(900)), "bar at 700 is off the 300-second grid"),
    ],
    ids=[
        "gap",
        "unsorted",
        "duplicate",
        "zero-price",
        "negative-price",
        "missing-column",
        "not-a-number",
        "empty-cell",
        "high-below-low",
        "too-short",
        "milliseconds",
        "off-grid",
    ],
)
def test_bad_files_are_refused_naming_the_problem(text, message):
    with pytest.raises(CandleError) as error:
        parse_candles(text, "bad.csv")
    assert str(error.value).startswith("bad.csv: ")
    assert message in str(error.value)


def test_gaps_can_be_filled_with_flat_zero_volume_bars():
    candles = parse_candles(csv(bar(0), bar(300, 11.0), bar(1200, 12.0)), fill_gaps=True)
    assert candles.timestamps == (0.0, 300.0, 600.0, 900.0, 1200.0)
    assert candles.close == (10.0, 11.0, 11.0, 11.0, 12.0)
    assert candles.high[2] == candles.low[2] == 11.0 and candles.volume[2:4] == (0.0, 0.0)
    assert candles.filled_bars == 2


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(CandleError, match="cannot read"):
        load_candles(tmp_path / "nope.csv")


def test_helpers():
    assert [interval_name(s) for s in (60, 300, 3600, 7200, 86400, 45)] == [
        "1m",
        "5m",
        "1h",
        "2h",
        "1d",
        "45s",
    ]
    assert find_gaps([0, 60, 240, 300], 60) == [(60, 2)]
