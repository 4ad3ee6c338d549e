"""plugins/callback/hbot_preload.py: which plays it loads the strategy registry for, and that it does.

Each case runs in a fresh `python` with the project's ansible.cfg: the playbook is loaded by Ansible's own
loader, and the callback's play-start hook is called for each of its plays, as ansible-playbook calls it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LOADED = ("plugin_system.bot_plan", "plugin_system.registry", "analysis.gate")

PROBE = r"""
import json, sys
from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
context.CLIARGS = ImmutableDict(tags=(), skip_tags=())
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader([])
from ansible.parsing.dataloader import DataLoader
from ansible.playbook import Playbook
from ansible.vars.manager import VariableManager
from ansible.inventory.manager import InventoryManager
sys.path.insert(0, "plugins/callback")
import hbot_preload

loader = DataLoader()
variables = VariableManager(loader=loader, inventory=InventoryManager(loader=loader, sources=[]))
callback = hbot_preload.CallbackModule()
plays = Playbook.load(sys.argv[1], variable_manager=variables, loader=loader).get_plays()
for play in plays:
    callback.v2_playbook_on_play_start(play)
print(json.dumps({
    "runs_bots_role": [hbot_preload.runs_bots_role(play) for play in plays],
    "loaded": [m for m in sys.argv[2:] if m in sys.modules],
}))
"""


def preload(playbook: str) -> dict:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    modules = [f"controllers.{module}" for module in LOADED]
    done = subprocess.run([sys.executable, "-c", PROBE, f"playbooks/{playbook}", *modules], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("playbook", "plays"),
    [
        ("bots.yml", [True]),  # the role in `roles:`
        ("preflight.yml", [False, True]),  # include_role in a task
        ("backup.yml", [True]),
        ("upgrade.yml", [True]),
    ],
)
def test_plays_that_run_the_bots_role_load_the_registry_before_their_workers_fork(playbook, plays):
    found = preload(playbook)
    assert found["runs_bots_role"] == plays
    assert found["loaded"] == [f"controllers.{module}" for module in LOADED]


@pytest.mark.parametrize("playbook", ["host.yml", "monitoring.yml"])
def test_other_plays_load_nothing(playbook):
    found = preload(playbook)
    assert found == {"runs_bots_role": [False] * len(found["runs_bots_role"]), "loaded": []}
