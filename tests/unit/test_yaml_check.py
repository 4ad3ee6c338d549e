"""plugins/vars/hbot_yaml_check.py: a YAML mistake in group_vars or host_vars is named by file, line and
column before Ansible's own loader reports it without them; the line's content is never shown."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("hbot_yaml_check", REPO / "plugins/vars/hbot_yaml_check.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)
SECRET = "s3cret-token-value"


def inventory_with(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(REPO / "inventories" / "production", root)
    (root / "group_vars" / "all" / "extra.yml").write_text(text)
    return root


def test_a_tab_is_named_by_file_line_and_column_with_a_hint_and_no_value(tmp_path):
    root = inventory_with(tmp_path, f"---\nhummingbot_bots:\n\t- name: {SECRET}\n")
    problems = check.yaml_problems(root)
    assert problems == [
        f"{root}/group_vars/all/extra.yml:3:1: not valid YAML: found character '\\t' that cannot start any"
        " token (YAML indents with spaces, never tabs)"
    ]


def test_ansibles_own_tags_encrypted_files_and_backups_are_not_mistakes(tmp_path):
    root = inventory_with(
        tmp_path, "---\nsecret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\nraw: !unsafe '{{ x }}'\n"
    )
    (root / "host_vars").mkdir(exist_ok=True)
    (root / "host_vars" / "vault.yml").write_text("$ANSIBLE_VAULT;1.1;AES256\n\t6162\n")
    (root / "host_vars" / "old.yml~").write_text("\tbroken: [\n")
    assert check.yaml_problems(root) == []
    assert check.yaml_problems(REPO / "inventories" / "production") == []
    assert check.yaml_problems(REPO / "inventories" / "sandbox") == []


def test_ansible_playbook_stops_at_the_mistake_naming_it_before_connecting(tmp_path):
    root = inventory_with(tmp_path, f"---\nhummingbot_bots:\n\t- name: {SECRET}\n")
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    env.pop("ANSIBLE_VAULT_PASSWORD_FILE", None)
    result = subprocess.run(
        [
            Path(sys.executable).parent / "ansible-playbook",
            "-i",
            str(root),
            str(REPO / "playbooks/preflight.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "group_vars/all/extra.yml:3:1: not valid YAML" in output, output[-2000:]
    assert SECRET not in output
    assert "TASK [" not in output  # it stopped before the first task: nothing connected, nothing changed
