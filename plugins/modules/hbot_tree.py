#!/usr/bin/python
"""Folders and files below one root, with their modes and owner, in one module run.

A bot's folder holds a dozen folders and twenty-odd plugin files. One `file` or `copy` per item costs
one to two module runs each (about 0.7 CPU-s apiece on the VPS and the controller, measured in
docs/ci-time.md), and every bots play, converge and upgrade pays it again. This module does the same work
in one run: what is already right is left alone, and only what differs is reported.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tempfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: hbot_tree
short_description: Folders and files below one root, with modes and owner, in one pass
description:
  - Each folder is created if missing (with any missing parents, alike) and gets its mode and owner.
  - Each file gets its content (written to a temporary file and renamed into place, as copy does), its
    mode and owner. A file whose content, mode and owner are already right is left alone.
  - A file's folder must exist or be listed in I(folders). Nothing else below I(root) is touched.
options:
  root: {description: Absolute folder the relative paths below are under., type: path, required: true}
  folders:
    description: Relative path to octal mode (e.g. "0750"); "" is the root itself.
    type: dict
    default: {}
  files: {description: Relative path to content (text)., type: dict, default: {}}
  mode: {description: Octal mode of every file in I(files)., type: str, default: "0644"}
  owner: {description: Owner of what is written; unchanged when omitted., type: str}
  group: {description: Group of what is written; unchanged when omitted., type: str}
author: hbot-fleet
"""

RETURN = r"""
changed_paths:
  description: Relative paths created or changed (would be, in check mode), folders first.
  type: list
  returned: always
"""


class TreeError(ValueError):
    """Bad input, naming the option and the path."""


@dataclass(frozen=True)
class Want:
    path: str  # relative, normalised
    mode: int
    content: bytes | None  # None: a folder


def octal(option: str, value: object) -> int:
    text = str(value)
    try:
        mode = int(text, 8)
    except ValueError:
        raise TreeError(f"{option}: {text!r} is not an octal mode such as 0644") from None
    if not 0 <= mode <= 0o7777:
        raise TreeError(f"{option}: {text!r} is out of range")
    return mode


def relative(option: str, path: str) -> str:
    """path as a normalised relative path that cannot leave the root."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        raise TreeError(f"{option}: {path!r} must be relative and stay below root")
    return "" if str(pure) == "." else str(pure)


def wanted(folders: dict, files: dict, mode: str) -> list[Want]:
    """What the tree should hold, folders (parents first) then files; checked before anything is read."""
    file_mode = octal("mode", mode)
    result = [Want(relative("folders", k), octal(f"folders[{k}]", v), None) for k, v in folders.items()]
    result.sort(key=lambda want: (want.path.count("/") if want.path else -1, want.path))
    names = {want.path for want in result}
    for key, content in sorted(files.items()):
        path = relative("files", key)
        if not path or path in names:
            raise TreeError(f"files: {key!r} is also a folder")
        result.append(Want(path, file_mode, str(content).encode("utf-8")))
    return result


def differs(full: str, want: Want, uid: int, gid: int) -> bool:
    """Whether full (an absolute path) needs writing to be what want says (uid/gid -1: any owner)."""
    try:
        info = os.lstat(full)
    except FileNotFoundError:
        return True
    if want.content is None:
        if not stat.S_ISDIR(info.st_mode):
            raise TreeError(f"folders: {full} exists and is not a folder")
    elif not stat.S_ISREG(info.st_mode) or info.st_size != len(want.content):
        return True
    owned = uid in (-1, info.st_uid) and gid in (-1, info.st_gid)
    if stat.S_IMODE(info.st_mode) != want.mode or not owned:
        return True
    if want.content is not None:
        with open(full, "rb") as handle:
            return handle.read() != want.content
    return False


def changes(root: str, wants: list[Want], uid: int = -1, gid: int = -1) -> list[Want]:
    """The wants that differ on disk, in the order they must be applied. Pure apart from reading."""
    folders = {want.path for want in wants if want.content is None}
    todo = []
    for want in wants:
        full = os.path.join(root, want.path)
        parent = os.path.dirname(want.path)
        in_place = parent in folders or os.path.isdir(os.path.join(root, parent))
        if want.content is not None and not in_place:
            raise TreeError(f"files: {want.path!r}: its folder is neither there nor in folders")
        if differs(full, want, uid, gid):
            todo.append(want)
    return todo


def apply(root: str, todo: list[Want], uid: int = -1, gid: int = -1) -> None:
    for want in todo:
        full = os.path.join(root, want.path)
        if want.content is None:
            missing = []
            probe = full.rstrip("/")
            while probe and not os.path.isdir(probe):
                missing.append(probe)
                probe = os.path.dirname(probe)
            for folder in reversed(missing):  # missing parents get the same mode and owner, as file does
                os.mkdir(folder, 0o700)
                os.chown(folder, uid, gid)
                os.chmod(folder, want.mode)
            os.chown(full, uid, gid)
            os.chmod(full, want.mode)
            continue
        fd, temp = tempfile.mkstemp(dir=os.path.dirname(full), prefix=".hbot-tree-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(want.content)
            os.chown(temp, uid, gid)
            os.chmod(temp, want.mode)
            os.replace(temp, full)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise


def ids(owner: str | None, group: str | None) -> tuple[int, int]:
    try:
        uid = -1 if owner is None else (int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid)
    except KeyError:
        raise TreeError(f"owner: no user {owner!r}") from None
    try:
        gid = -1 if group is None else (int(group) if group.isdigit() else grp.getgrnam(group).gr_gid)
    except KeyError:
        raise TreeError(f"group: no group {group!r}") from None
    return uid, gid


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "folders": {"type": "dict", "default": {}},
            "files": {"type": "dict", "default": {}},
            "mode": {"type": "str", "default": "0644"},
            "owner": {"type": "str"},
            "group": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        wants = wanted(params["folders"], params["files"], params["mode"])
        uid, gid = ids(params["owner"], params["group"])
        if not os.path.isabs(params["root"]):
            raise TreeError(f"root: {params['root']!r} must be absolute")
        todo = changes(params["root"], wants, uid, gid)
        if todo and not module.check_mode:
            apply(params["root"], todo, uid, gid)
    except (TreeError, OSError) as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=bool(todo), changed_paths=[want.path or "." for want in todo])


if __name__ == "__main__":
    main()
