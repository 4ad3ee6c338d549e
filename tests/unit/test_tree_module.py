"""The hbot_tree module: a bot's folders and plugin files in one module run, run as Ansible runs it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "plugins/modules/hbot_tree.py"


def run(check_mode: bool = False, **args) -> dict:
    """The module in its own process, its arguments on stdin as Ansible passes them; its JSON result."""
    payload = {"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check_mode}}
    done = subprocess.run(
        [sys.executable, str(MODULE)], input=json.dumps(payload), capture_output=True, text=True, check=False
    )
    return json.loads(done.stdout)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


TREE = {
    "folders": {"": "0750", "conf": "0700", "plugins/controllers/shared_base": "0755"},
    "files": {"plugins/controllers/shared_base/core.py": "x = 1\n", "conf/a.yml": "a: 1\n"},
    "mode": "0640",
}


def test_a_tree_is_written_with_its_modes_then_left_alone(tmp_path):
    root = tmp_path / "bot1"
    first = run(root=str(root), **TREE)
    assert first["changed"] is True, first
    assert first["changed_paths"][:3] == [".", "conf", "plugins/controllers/shared_base"]
    assert (root / "plugins/controllers/shared_base/core.py").read_text() == "x = 1\n"
    assert (mode(root), mode(root / "conf"), mode(root / "conf/a.yml")) == (0o750, 0o700, 0o640)
    # The missing parents of a folder get its mode, as ansible.builtin.file gives them.
    assert mode(root / "plugins") == mode(root / "plugins/controllers") == 0o755

    again = run(root=str(root), **TREE)
    assert again == {**again, "changed": False, "changed_paths": []}


def test_only_what_differs_is_changed_and_reported(tmp_path):
    root = tmp_path / "bot1"
    run(root=str(root), **TREE)
    (root / "conf/a.yml").write_text("a: 2\n")  # same size, other content
    os.chmod(root / "conf", 0o755)
    extra = root / "conf/operator.txt"
    extra.write_text("kept")
    result = run(root=str(root), **TREE)
    assert sorted(result["changed_paths"]) == ["conf", "conf/a.yml"]
    assert (root / "conf/a.yml").read_text() == "a: 1\n" and mode(root / "conf") == 0o700
    assert extra.read_text() == "kept"  # nothing it was not asked about is touched


def test_check_mode_reports_and_writes_nothing(tmp_path):
    root = tmp_path / "bot1"
    result = run(check_mode=True, root=str(root), **TREE)
    assert result["changed"] is True and "conf/a.yml" in result["changed_paths"]
    assert not root.exists()


@pytest.mark.parametrize(
    "args, field",
    [
        ({"files": {"../escape.py": ""}}, "files: '../escape.py' must be relative and stay below root"),
        ({"folders": {"conf": "rwx"}}, "folders[conf]: 'rwx' is not an octal mode"),
        ({"files": {"no/x.py": ""}}, "files: 'no/x.py': its folder is neither there nor in folders"),
        ({"owner": "no-such-user-here"}, "owner: no user 'no-such-user-here'"),
    ],
)
def test_bad_input_names_the_option_and_changes_nothing(tmp_path, args, field):
    result = run(root=str(tmp_path), **{"folders": {"conf": "0700"}, **args})
    assert result.get("failed") is True and field in result["msg"], result
    assert not (tmp_path / "conf").exists()
