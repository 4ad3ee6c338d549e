"""Count the lines a bot writes to logs/errors.log (its stderr), reading only what is new.

The count only grows: after rotation (a new inode) or truncation (size below the offset) the
new file is read from its start and its lines are added on top.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

READ_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ErrorsLogSnapshot:
    up: bool
    lines_total: int = 0
    size_bytes: float = 0.0
    modified_timestamp: float | None = None
    restarts: int = 0  # rotations and truncations seen
    error: str = ""


class ErrorsLogTail:
    def __init__(self, path: Path, max_bytes_per_refresh: int):
        self.path = path
        self.max_bytes = max_bytes_per_refresh
        self.offset = 0
        self.inode: tuple[int, int] | None = None
        self.lines_total = 0
        self.restarts = 0
        self._lock = threading.Lock()
        self.snapshot = ErrorsLogSnapshot(up=False, error="not read yet")

    def refresh(self) -> ErrorsLogSnapshot:
        if not self._lock.acquire(blocking=False):
            return self.snapshot
        try:
            self.snapshot = self._refresh()
            return self.snapshot
        finally:
            self._lock.release()

    def _refresh(self) -> ErrorsLogSnapshot:
        try:
            with open(self.path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                identity = (stat.st_dev, stat.st_ino)
                if self.inode is not None and (identity != self.inode or stat.st_size < self.offset):
                    self.restarts += 1
                    self.offset = 0
                self.inode = identity
                handle.seek(self.offset)
                budget = min(stat.st_size - self.offset, self.max_bytes)
                while budget > 0:
                    chunk = handle.read(min(READ_CHUNK, budget))
                    if not chunk:
                        break
                    # Count only complete lines; a half-written last line is counted once it ends.
                    complete = chunk.rfind(b"\n") + 1
                    if complete == 0 and len(chunk) < READ_CHUNK:
                        break
                    consumed = complete or len(chunk)
                    self.lines_total += chunk.count(b"\n", 0, consumed)
                    self.offset += consumed
                    budget -= consumed
                    if complete != len(chunk):
                        handle.seek(self.offset)
        except FileNotFoundError:
            return ErrorsLogSnapshot(
                up=False, lines_total=self.lines_total, restarts=self.restarts, error="errors.log missing"
            )
        except OSError as error:
            return ErrorsLogSnapshot(
                up=False, lines_total=self.lines_total, restarts=self.restarts, error=str(error)
            )
        return ErrorsLogSnapshot(
            up=True,
            lines_total=self.lines_total,
            size_bytes=float(stat.st_size),
            modified_timestamp=stat.st_mtime,
            restarts=self.restarts,
        )
