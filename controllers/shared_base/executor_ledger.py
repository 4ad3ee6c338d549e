"""Closed executors, each read once: the PnL they realised and the stop-losses still cooling down.

Hummingbot hands a controller every executor it has run (the backtester: all of them, for the whole
run). Re-reading every closed one at every tick made a long backtest quadratic: 17 of 66 s on one
ETH-BTC file went to that loop. The ledger reads a closed executor once and keeps what the tick
needs from it.

The backtester's list has one shape: active executors first, then the closed ones in closing order,
the same objects at every tick. When the list still has that shape, the closed block read last tick
is skipped without a visit, so a tick costs O(active + newly closed). Any other list (a live bot's)
is read in full; only executors not read before are counted, so both paths give the same answer.

Pure Python: works on anything with Hummingbot's ExecutorInfo attributes (id, is_active,
close_type, close_timestamp, net_pnl_quote).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ClosedExecutorLedger:
    stop_loss: Any  # the close type that starts a level's cooldown (Hummingbot's CloseType.STOP_LOSS)
    realised_pnl: float = 0.0  # net PnL of every closed executor read so far, in quote
    read: set[str] = field(default_factory=set)  # ids of the closed executors already counted
    stop_losses: list[tuple[float, Any]] = field(default_factory=list)  # (closed at, executor), by time
    _closed_block: tuple[Any, Any, int] | None = None  # first and last closed object, and how many

    def update(self, executors: Sequence[Any]) -> list[Any]:
        """Count the newly closed executors; return the active ones, in list order."""
        start = 0
        while start < len(executors) and executors[start].is_active:
            start += 1
        skip = self._known_block_length(executors, start)
        active = list(executors[:start])
        all_closed_after_start = True
        for executor in executors[start + skip :]:
            if executor.is_active:
                active.append(executor)
                all_closed_after_start = False
            elif executor.id not in self.read:
                self._count(executor)
        closed = len(executors) - start
        self._closed_block = (
            (executors[start], executors[-1], closed) if closed and all_closed_after_start else None
        )
        return active

    def cooling(self, now: float, cooldown: float) -> list[Any]:
        """Executors closed by a stop-loss less than `cooldown` seconds before `now`. Every stop-loss is
        kept, so a cooldown raised by a hot reload applies to earlier ones too."""
        start = bisect.bisect_right(self.stop_losses, now - cooldown, key=_closed_at)
        return [executor for _, executor in self.stop_losses[start:]]

    def _known_block_length(self, executors: Sequence[Any], start: int) -> int:
        """How many closed executors from `start` on were read last tick (0 unless the shape holds)."""
        if self._closed_block is None:
            return 0
        first, last, length = self._closed_block
        end = start + length
        if end > len(executors) or executors[start] is not first or executors[end - 1] is not last:
            return 0
        return length

    def _count(self, executor: Any) -> None:
        self.read.add(executor.id)
        self.realised_pnl += float(executor.net_pnl_quote)
        if executor.close_type == self.stop_loss and executor.close_timestamp is not None:
            bisect.insort(self.stop_losses, (float(executor.close_timestamp), executor), key=_closed_at)


def _closed_at(stop_loss: tuple[float, Any]) -> float:
    return stop_loss[0]
