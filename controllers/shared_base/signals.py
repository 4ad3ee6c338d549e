"""External signals (e.g. LLM sentiment) behind one small interface, so a backtest can replay them."""

from __future__ import annotations

import bisect
import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class SignalProvider(Protocol):
    def score(self, timestamp: float) -> float | None:
        """Directional score in [-1, 1] valid at `timestamp` (bullish > 0), or None when unknown."""
        ...


class NoSignal:
    """The default: no external opinion, so nothing is widened."""

    def score(self, timestamp: float) -> float | None:
        return None


class RecordedSignal:
    """Replays recorded (timestamp, score) pairs as a step function; never looks ahead."""

    def __init__(self, records: Iterable[tuple[float, float]], max_age_seconds: float | None = None):
        pairs = sorted((float(t), max(-1.0, min(1.0, float(s)))) for t, s in records)
        self._times = [t for t, _ in pairs]
        self._scores = [s for _, s in pairs]
        self._max_age = max_age_seconds

    def score(self, timestamp: float) -> float | None:
        index = bisect.bisect_right(self._times, timestamp) - 1
        if index < 0:
            return None
        if self._max_age is not None and timestamp - self._times[index] > self._max_age:
            return None
        return self._scores[index]

    @classmethod
    def from_file(cls, path: str | Path, max_age_seconds: float | None = None) -> RecordedSignal:
        """CSV with `timestamp,score` columns, or a JSON list of [timestamp, score] pairs."""
        file = Path(path)
        if file.suffix == ".json":
            records = [(row[0], row[1]) for row in json.loads(file.read_text())]
        else:
            with file.open(newline="") as handle:
                records = [(row["timestamp"], row["score"]) for row in csv.DictReader(handle)]
        return cls(records, max_age_seconds)
