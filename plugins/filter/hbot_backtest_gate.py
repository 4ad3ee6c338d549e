"""Filter `hbot_backtest_gate`: the backtest gate of the bots layer's preflight.

    {{ hummingbot_bots | hbot_backtest_gate(hummingbot_plan, inventory_dir) }}  ->  list of errors

A controller whose sentiment / LLM signal is on must name (`backtest_report:` beside its config) the
metrics.json of a backtest of that exact config whose Sharpe is not below the same config with the
signal off. Relative report paths are relative to the inventory's folder. The check itself is
controllers/analysis/gate.py; this only finds it (installed, or the checkout this plugin lives in).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _gate():
    try:
        from controllers.analysis import gate
    except ImportError:  # not installed in this Python: use the checkout this plugin lives in
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from controllers.analysis import gate
    return gate


def _plain(value: Any) -> Any:
    """Plain dicts and lists, read item by item: Ansible's lazy containers hand C-level readers
    (pydantic's) their raw, untemplated items."""
    if isinstance(value, Mapping):
        return {key: _plain(value[key]) for key in value}
    if isinstance(value, list | tuple):
        return [_plain(value[index]) for index in range(len(value))]
    return value


def hbot_backtest_gate(bots: Any, plan: Any, base_dir: str) -> list[str]:
    return _gate().check_bots(_plain(bots), _plain(plan), str(base_dir))


class FilterModule:
    def filters(self):
        return {"hbot_backtest_gate": hbot_backtest_gate}
