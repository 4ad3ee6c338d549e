"""Filters `hbot_bots_plan`, `hbot_exporter_bots` and `hbot_image_pinned`: thin wrappers around
controllers/plugin_system/bot_plan.py, where the bots' rules live (once).

Run on the controller (filters always do), before anything on a host changes. ansible-core hands filters
tagged subclasses of str, float and friends, which pydantic refuses ("buy_spreads.0: Input should be a
valid number" for a float list that `hbot-strategies validate` accepts), so the inventory's data goes
through a JSON round trip first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

try:
    from controllers.plugin_system import bot_plan
    from controllers.plugin_system.registry import load_registry
except ImportError:  # not installed in this Python: use the checkout this plugin lives in
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from controllers.plugin_system import bot_plan
    from controllers.plugin_system.registry import load_registry


def _untagged(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def hbot_bots_plan(bots: Any, defaults: dict, credentials: Any, connector_keys: dict) -> dict:
    """Every bot and controller checked; the plan the role applies, or the errors."""
    inputs = (_untagged(bots), _untagged(defaults), _untagged(credentials), _untagged(connector_keys))
    return bot_plan.plan_bots(*inputs, load_registry())


def hbot_exporter_bots(bots: Any, root: str) -> list[dict]:
    return bot_plan.exporter_bots(_untagged(bots), str(root))


def hbot_image_pinned(image: Any) -> bool:
    return bot_plan.image_pinned(_untagged(image))


class FilterModule:
    def filters(self):
        return {
            "hbot_bots_plan": hbot_bots_plan,
            "hbot_exporter_bots": hbot_exporter_bots,
            "hbot_image_pinned": hbot_image_pinned,
        }
