"""errors.log tailing: incremental by offset, surviving rotation, truncation and absence."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "monitoring" / "exporter"))

from hbot_exporter.errors_log import ErrorsLogTail  # noqa: E402


def write(path: Path, text: str, mode: str = "a") -> None:
    with open(path, mode) as handle:
        handle.write(text)


def test_counts_lines_and_only_reads_what_is_new(tmp_path):
    path = tmp_path / "errors.log"
    write(path, "Traceback (most recent call last):\n  File x\nValueError: boom\n")
    tail = ErrorsLogTail(path, max_bytes_per_refresh=1 << 20)
    assert tail.refresh().lines_total == 3
    assert tail.refresh().lines_total == 3
    write(path, "second error\n")
    snapshot = tail.refresh()
    assert snapshot.up and snapshot.lines_total == 4
    assert tail.offset == path.stat().st_size


def test_a_half_written_line_counts_once_it_ends(tmp_path):
    path = tmp_path / "errors.log"
    write(path, "complete\npartial")
    tail = ErrorsLogTail(path, max_bytes_per_refresh=1 << 20)
    assert tail.refresh().lines_total == 1
    write(path, " line\n")
    assert tail.refresh().lines_total == 2


def test_missing_log_is_reported_then_picked_up(tmp_path):
    path = tmp_path / "errors.log"
    tail = ErrorsLogTail(path, max_bytes_per_refresh=1 << 20)
    snapshot = tail.refresh()
    assert not snapshot.up and "missing" in snapshot.error
    write(path, "a\nb\n")
    snapshot = tail.refresh()
    assert snapshot.up and snapshot.lines_total == 2


def test_truncation_keeps_the_count_growing(tmp_path):
    path = tmp_path / "errors.log"
    write(path, "1\n2\n3\n")
    tail = ErrorsLogTail(path, max_bytes_per_refresh=1 << 20)
    tail.refresh()
    write(path, "new\n", mode="w")  # truncated and rewritten, shorter than before
    snapshot = tail.refresh()
    assert snapshot.lines_total == 4 and snapshot.restarts == 1


def test_rotation_reads_the_new_file_from_its_start(tmp_path):
    path = tmp_path / "errors.log"
    write(path, "old 1\nold 2\n")
    tail = ErrorsLogTail(path, max_bytes_per_refresh=1 << 20)
    tail.refresh()
    os.rename(path, tmp_path / "errors.log.1")
    write(path, "fresh 1\nfresh 2\nfresh 3\nfresh 4\n")  # longer than the old one: only the inode tells
    snapshot = tail.refresh()
    assert snapshot.lines_total == 6 and snapshot.restarts == 1


def test_a_large_log_is_read_over_several_scrapes(tmp_path):
    path = tmp_path / "errors.log"
    write(path, "x" * 99 + "\n" * 1)
    write(path, ("y" * 99 + "\n") * 99)
    tail = ErrorsLogTail(path, max_bytes_per_refresh=4096)
    totals = [tail.refresh().lines_total for _ in range(3)]
    assert totals[0] < 100 and totals[-1] == 100 and totals == sorted(totals)
