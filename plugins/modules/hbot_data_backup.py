#!/usr/bin/python
"""Ansible module: copy a bot's data/ folder consistently, SQLite databases through the backup API."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: hbot_data_backup
short_description: Copy a Hummingbot data folder with consistent SQLite copies
description:
  - Every SQLite database below I(src) is copied with Python's sqlite3 C(Connection.backup), which reads a
    consistent snapshot even while the bot writes to it, then checked with C(PRAGMA integrity_check).
    A raw copy of a live database file (or of its -journal/-wal/-shm companions) is never made.
  - Other files are copied as they are. Copies keep their source's mode (a restore puts back what the bot
    and its readers had); they are only ever reachable through the 0700 folder they are written to.
options:
  src:
    description: The bot's data folder.
    type: path
    required: true
  dest:
    description: Folder to create and fill; it must not exist yet.
    type: path
    required: true
  busy_timeout:
    description: Seconds to wait for a writer's lock before giving up.
    type: float
    default: 30
"""

RETURN = r"""
databases:
  description: Databases copied, relative to src, with their table row counts.
  type: dict
  returned: success
files:
  description: Other files copied, relative to src.
  type: list
  returned: success
"""

SQLITE_MAGIC = b"SQLite format 3\x00"
COMPANIONS = ("-journal", "-wal", "-shm")  # part of a live database; the backup API covers them


def is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def is_companion(path: Path) -> bool:
    return path.name.endswith(COMPANIONS)


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def backup_database(source: Path, target: Path, busy_timeout: float) -> dict[str, int]:
    """One consistent snapshot: the backup API copies every page under one read transaction."""
    target.touch(mode=0o600)  # the final mode follows once the copy is complete
    # Read-write only so that SQLite can recover a hot journal a crashed writer left; nothing is written.
    reader = sqlite3.connect(source, timeout=busy_timeout)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
        verdict = writer.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise RuntimeError(f"{target}: integrity_check of the copy says {verdict!r}")
        return row_counts(writer)
    finally:
        writer.close()
        reader.close()


def copy_tree(src: Path, dest: Path, busy_timeout: float) -> tuple[dict, list]:
    databases, files = {}, []
    dest.mkdir(mode=0o700, parents=True)
    for source in sorted(src.rglob("*")):
        relative = source.relative_to(src)
        target = dest / relative
        if source.is_dir():
            target.mkdir(mode=0o700, exist_ok=True)
        elif source.is_file() and not is_companion(source):
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if is_sqlite(source):
                databases[str(relative)] = backup_database(source, target, busy_timeout)
            else:
                shutil.copyfile(source, target)
                files.append(str(relative))
        else:
            continue
        os.chmod(target, stat.S_IMODE(source.stat().st_mode))
    os.chmod(dest, stat.S_IMODE(src.stat().st_mode))
    return databases, files


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "src": {"type": "path", "required": True},
            "dest": {"type": "path", "required": True},
            "busy_timeout": {"type": "float", "default": 30},
        },
        supports_check_mode=False,
    )
    src, dest = Path(module.params["src"]), Path(module.params["dest"])
    if not src.is_dir():
        module.fail_json(msg=f"src: {src} is not a folder")
    if dest.exists():
        module.fail_json(msg=f"dest: {dest} already exists")
    try:
        databases, files = copy_tree(src, dest, module.params["busy_timeout"])
    except (OSError, sqlite3.Error, RuntimeError) as error:
        module.fail_json(msg=f"backing up {src} failed: {error}")
    module.exit_json(changed=True, databases=databases, files=files)


if __name__ == "__main__":
    main()
