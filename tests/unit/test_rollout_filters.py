"""The pure helpers behind upgrade/backup/restore (plugins/filter/hbot_rollout.py) and the data backup
module (plugins/modules/hbot_data_backup.py), on real files and real SQLite."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rollout = load("plugins/filter/hbot_rollout.py", "hbot_rollout")
backup = load("plugins/modules/hbot_data_backup.py", "hbot_data_backup")
PLANNED = [{"name": "bot1"}, {"name": "bot2"}, {"name": "bot3"}]


def test_images_are_replaced_only_for_the_named_bots():
    bots = [{"name": "bot1", "image": "a:1"}, {"name": "bot2"}]
    assert rollout.hbot_bots_with_images(bots, {"bot2": "b:2"}) == [
        {"name": "bot1", "image": "a:1"},
        {"name": "bot2", "image": "b:2"},
    ]
    assert bots[1] == {"name": "bot2"}  # the inventory's list is not modified


@pytest.mark.parametrize(
    ("selection", "names"),
    [("all", ["bot1", "bot2", "bot3"]), ("bot3,bot1", ["bot1", "bot3"]), (["bot2"], ["bot2"])],
)
def test_selection_follows_inventory_order(selection, names):
    assert rollout.hbot_select_bots(selection, PLANNED) == {"names": names, "errors": []}


@pytest.mark.parametrize("selection", ["bot9", "", [], None, "bot1,../x"])
def test_unknown_or_empty_selection_is_an_error_naming_the_field(selection):
    errors = rollout.hbot_select_bots(selection, PLANNED)["errors"]
    assert errors and all(error.startswith("bots: ") for error in errors)


def test_upgrade_targets_use_the_given_image_or_the_inventorys():
    planned = [{"name": "bot1", "image": "a:1"}, {"name": "bot2", "image": "a:2"}]
    assert rollout.hbot_upgrade_targets(planned, ["bot2"]) == {"bot2": "a:2"}
    assert rollout.hbot_upgrade_targets(planned, ["bot1", "bot2"], "b:3") == {"bot1": "b:3", "bot2": "b:3"}


def test_retention_keeps_the_newest_by_timestamped_name():
    paths = [f"/b/bot1/bot1-2026010{day}T000000Z.tar.gz" for day in (3, 1, 2)]
    split = rollout.hbot_newest_archives(paths, 2)
    assert split["keep"] == ["/b/bot1/bot1-20260103T000000Z.tar.gz", "/b/bot1/bot1-20260102T000000Z.tar.gz"]
    assert split["prune"] == ["/b/bot1/bot1-20260101T000000Z.tar.gz"]


def test_database_copy_is_consistent_while_another_process_writes(tmp_path):
    """A writer commits batches of 100 rows while the backup runs: the copy passes integrity_check and
    holds a whole number of batches (never half a transaction)."""
    source = tmp_path / "data"
    source.mkdir()
    database = source / "bot1.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE TradeFill (id INTEGER PRIMARY KEY, batch INTEGER)")
    (source / "notes.txt").write_text("kept")
    database.chmod(0o640)
    source.chmod(0o750)
    stop, writing = threading.Event(), threading.Event()

    def write_batches():
        connection = sqlite3.connect(database, timeout=30)
        batch = 0
        while not stop.is_set():
            with connection:
                connection.executemany("INSERT INTO TradeFill (batch) VALUES (?)", [(batch,)] * 100)
            batch += 1
            if batch == 5:
                writing.set()
        connection.close()

    writer = threading.Thread(target=write_batches)
    writer.start()
    assert writing.wait(30)
    try:
        databases, files = backup.copy_tree(source, tmp_path / "copy", busy_timeout=30)
    finally:
        stop.set()
        writer.join()
    rows = databases["bot1.sqlite"]["TradeFill"]
    assert rows >= 500 and rows % 100 == 0
    assert files == ["notes.txt"]
    copy = tmp_path / "copy" / "bot1.sqlite"
    assert copy.stat().st_mode & 0o777 == 0o640  # as the bot and its readers had it
    assert (tmp_path / "copy").stat().st_mode & 0o777 == 0o750
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_live_database_companions_are_never_copied_raw(tmp_path):
    source = tmp_path / "data"
    source.mkdir()
    with sqlite3.connect(source / "bot1.sqlite") as connection:
        connection.execute("CREATE TABLE t (x)")
    (source / "bot1.sqlite-wal").write_bytes(b"stale")
    databases, files = backup.copy_tree(source, tmp_path / "copy", busy_timeout=5)
    assert list(databases) == ["bot1.sqlite"]
    assert files == []
    assert not (tmp_path / "copy" / "bot1.sqlite-wal").exists()
