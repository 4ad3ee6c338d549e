"""Keep label values bounded: values come from bot databases and MQTT, which the exporter does not control."""

from __future__ import annotations

import re
import threading

OVERFLOW_VALUE = "other"
MAX_LABEL_LENGTH = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/-]")


def clean(value: object, empty: str = "none") -> str:
    text = _UNSAFE.sub("_", str(value)) if value is not None else ""
    return text[:MAX_LABEL_LENGTH] or empty


def side_label(value: object) -> str:
    """Hummingbot's TradeType (BUY/SELL, or 1/2 in executor configs) as buy/sell."""
    text = str(value).strip().upper()
    if text in ("BUY", "1", "TRADETYPE.BUY"):
        return "buy"
    if text in ("SELL", "2", "TRADETYPE.SELL"):
        return "sell"
    return OVERFLOW_VALUE


class LabelGuard:
    """Admits the first `limit` distinct values of one label; later ones collapse into "other"."""

    def __init__(self, limit: int):
        self.limit = limit
        self._admitted: set[str] = set()
        self._lock = threading.Lock()
        self.overflowed = 0

    def __call__(self, value: object) -> str:
        label = clean(value)
        if label in self._admitted:
            return label
        with self._lock:
            if label in self._admitted:
                return label
            if len(self._admitted) < self.limit:
                self._admitted.add(label)
                return label
            self.overflowed += 1
            return OVERFLOW_VALUE
