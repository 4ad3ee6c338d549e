"""Closed executors, each read once: the PnL they realised and the stop-losses still cooling down;
and the ids a controller gives the executors it creates (ExecutorIds).

Hummingbot hands a controller every executor it has run (the backtester: all of them, for the whole
run). Re-reading every closed one at every tick made a long backtest quadratic: 17 of 66 s on one
ETH-BTC file went to that loop. The ledger reads a closed executor once and keeps what the tick
needs from it.

The backtester's list has one shape: active executors first, then the closed ones in closing order,
the same objects at every tick. When the list still has that shape, the closed block read last tick
is skipped without a visit, so a tick costs O(active + newly closed). Any other list (a live bot's)
is read in full; only executors not read before are counted, so both paths give the same answer.

Closed means finished (`is_done`), not merely stopped. Hummingbot ends `is_active` when an executor
starts shutting down, before its market close has filled: its PnL then still lacks the close's fee and
price. Counted at that moment and never again, a paper market maker's ledger read 0.0024 BTC of losses
where its fills had lost 0.0034 (the 5% kill switch of its 0.05 BTC account is 0.0025), so its kill
switch never fired where the backtest's did. A stopped executor that has not finished is
`closing`: its PnL is read afresh each tick (`closing_pnl`), and counted once, final, when it finishes.

Pure Python: works on anything with Hummingbot's ExecutorInfo attributes (id, is_active, is_done,
close_type, close_timestamp, net_pnl_quote).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ClosedExecutorLedger:
    stop_loss: Any  # the close type that starts a level's cooldown (Hummingbot's CloseType.STOP_LOSS)
    realised_pnl: float = 0.0  # net PnL of every closed executor read so far, in quote
    closing_pnl: float = 0.0  # net PnL, as of the last update, of the executors stopped but not finished
    read: set[str] = field(default_factory=set)  # ids of the closed executors already counted
    stop_losses: list[tuple[float, Any]] = field(default_factory=list)  # (closed at, executor), by time
    _closed_block: tuple[Any, Any, int] | None = None  # first and last closed object, and how many

    def update(self, executors: Sequence[Any]) -> list[Any]:
        """Count the newly closed (finished) executors; return the active ones, in list order. Those
        stopped but not finished are neither: their PnL is `closing_pnl`, read again next tick."""
        start = 0
        while start < len(executors) and executors[start].is_active:
            start += 1
        skip = self._known_block_length(executors, start)
        active = list(executors[:start])
        all_closed_after_start = True
        self.closing_pnl = 0.0
        for executor in executors[start + skip :]:
            if executor.is_active:
                active.append(executor)
                all_closed_after_start = False
            elif not executor.is_done:
                self.closing_pnl += float(executor.net_pnl_quote)
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


@dataclass
class ExecutorIds:
    """Ids for the executors one controller creates: unique, and the same in every run of a backtest.

    Hummingbot 2.12 names an executor sha256(f"{timestamp}-{random.randint(0, 99999)}"), with the
    config's timestamp: every executor created in one tick shares it, so each pair of them (a market
    maker's levels, every refresh) collides with probability 1e-5. A market maker creating four quotes
    every 30 s makes about 17,000 such pairs a day. With two executors under one id, the ledger above
    counts one of them, the kill switch reads the wrong PnL, a stop may hit the wrong order, and a live
    bot's Executors table refuses the second row. In a backtest, `random` is unseeded, so the collision
    came and went between runs: CI once saw a fill ledger priced with another executor's path (spread +
    inventory - fees 0.0056 off the net PnL, which a rerun could not repeat).

    The id hashes the controller's id, the tick's timestamp and a counter of the ids issued: two ids
    of one controller never share the counter, and after a restart the timestamps are later.
    """

    controller_id: str
    issued: int = 0  # ids handed out so far

    def next(self, timestamp: float) -> str:
        self.issued += 1
        raw = f"{self.controller_id}|{timestamp!r}|{self.issued}"
        return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _closed_at(stop_loss: tuple[float, Any]) -> float:
    return stop_loss[0]
