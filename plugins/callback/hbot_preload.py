"""Load the project's filters, and the strategy registry the bots' filters use, in the main process.

Ansible runs each task on each host in a worker process forked from `ansible-playbook`'s main process. A
worker that templates one of the project's filters loads every filter file first, and the bots' filters
import controllers/ (pydantic's models, the plugin manager, the built-in strategies). Loaded there, that
work is lost when the worker ends, and the next task on the next host pays it again. Loaded here, once,
before the play's first worker forks, every worker inherits it.

Only for plays that run the hummingbot role; other plays fork no worker that needs them.
"""

from __future__ import annotations

import sys

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader

DOCUMENTATION = """
name: hbot_preload
type: aggregate
short_description: load the project's filters and strategy registry once, before the workers fork
description:
  - Loads every filter of the filter plugin path and imports the controllers/ modules the bots' filters use,
    in the main process, when a play runs the hummingbot role. Forked task workers inherit them.
requirements:
  - enabled in ansible.cfg (callbacks_enabled)
"""

BOTS_ROLE = "hummingbot"
# What the bots' filters import when they first run (plugins/filter/hbot_bots.py).
CONTROLLER_MODULES = ("plugin_system.bot_plan", "shared_base.plain", "analysis.gate")


def _includes_bots_role(blocks) -> bool:
    for block in blocks:
        for task in [*block.block, *block.rescue, *block.always]:
            if hasattr(task, "block"):  # a nested block
                if _includes_bots_role([task]):
                    return True
            elif task.action.rsplit(".", 1)[-1] in ("include_role", "import_role") and (
                task.args.get("name") == BOTS_ROLE
            ):
                return True
    return False


def runs_bots_role(play) -> bool:
    """The play lists the bots role, or a task of it includes it (preflight.yml, backup.yml, ...)."""
    if BOTS_ROLE in {role.get_name() for role in play.get_roles()}:
        return True
    return _includes_bots_role(play.pre_tasks + play.tasks + play.post_tasks)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "hbot_preload"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False

    def v2_playbook_on_play_start(self, play) -> None:
        if self._loaded or not runs_bots_role(play):
            return
        self._loaded = True
        plan = filter_loader.get("hbot_bots_plan")  # loads every filter file, as a worker's first use would
        if plan is None:
            return
        controllers = sys.modules[plan.j2_function.__module__]._controllers
        for module in CONTROLLER_MODULES:
            controllers(module)
        controllers("plugin_system.registry").load_registry()  # imports the built-in strategies
