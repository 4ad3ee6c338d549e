"""The bots layer's filters: thin wrappers around controllers/, where the bots' rules live (once).

    {{ hummingbot_bots | hbot_bots_plan(defaults, credentials, connector_keys) }}  ->  the plan, or errors
    {{ hummingbot_bots | hbot_exporter_bots(root) }}                              ->  what the exporter reads
    {{ image | hbot_image_pinned }}                                                ->  pinned to a version?
    {{ hummingbot_bots | hbot_backtest_gate(hummingbot_plan, inventory_dir) }}    ->  list of errors

The rules are controllers/plugin_system/bot_plan.py and, for the backtest gate, controllers/analysis/gate.py:
a controller whose sentiment / LLM signal is on must name (`backtest_report:` beside its config) the
metrics.json of a backtest of that exact config whose Sharpe is not below the same config with the
signal off; relative report paths are relative to the inventory's folder.

Run on the controller (filters always do), before anything on a host changes. ansible-core hands filters
tagged subclasses of str, float and friends, which pydantic refuses ("buy_spreads.0: Input should be a
valid number" for a float list that `hbot-strategies validate` accepts), so the inventory's data is made
plain first (`_plain`).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any


def _controllers(module: str) -> Any:
    """controllers.<module>, installed or else from the checkout this plugin lives in. Imported when a
    filter first runs, never with this file: Ansible loads every filter file in each task's worker
    process, and the registry's import (its pydantic models, the strategy plugins) cost every task of a
    converge about 0.17 CPU-s, whether it used these filters or not."""
    try:
        return importlib.import_module(f"controllers.{module}")
    except ImportError:  # not installed in this Python: use the checkout this plugin lives in
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        return importlib.import_module(f"controllers.{module}")


def _plain(value: Any) -> Any:
    """The inventory's data as plain JSON values (controllers/shared_base/plain.py, the one such helper);
    what JSON has no type for becomes its str(), as a `json.dumps(default=str)` round trip would."""
    return _controllers("shared_base.plain").plain(value, other=str)


def hbot_bots_plan(bots: Any, defaults: dict, credentials: Any, connector_keys: dict) -> dict:
    """Every bot and controller checked; the plan the role applies, or the errors."""
    inputs = (_plain(bots), _plain(defaults), _plain(credentials), _plain(connector_keys))
    return _controllers("plugin_system.bot_plan").plan_bots(
        *inputs, _controllers("plugin_system.registry").load_registry()
    )


def hbot_exporter_bots(bots: Any, root: str) -> list[dict]:
    return _controllers("plugin_system.bot_plan").exporter_bots(_plain(bots), str(root))


def hbot_image_pinned(image: Any) -> bool:
    return _controllers("plugin_system.bot_plan").image_pinned(_plain(image))


def hbot_backtest_gate(bots: Any, plan: Any, base_dir: str) -> list[str]:
    return _controllers("analysis.gate").check_bots(_plain(bots), _plain(plan), str(base_dir))


class FilterModule:
    def filters(self):
        return {
            "hbot_bots_plan": hbot_bots_plan,
            "hbot_exporter_bots": hbot_exporter_bots,
            "hbot_image_pinned": hbot_image_pinned,
            "hbot_backtest_gate": hbot_backtest_gate,
        }
