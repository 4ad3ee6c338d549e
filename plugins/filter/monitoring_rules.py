"""Filters the monitoring role uses on Prometheus rule files (pure functions, unit-tested)."""

from __future__ import annotations

import copy
from typing import Any


def alert_names(documents: list[dict[str, Any]]) -> list[str]:
    """Every alert name defined in the given rule documents, in file order."""
    return [
        rule["alert"]
        for document in documents
        for group in document.get("groups", [])
        for rule in group.get("rules", [])
        if "alert" in rule
    ]


def with_alert_for(document: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """A copy of a rule document whose named alerts wait `overrides[name]` before firing.

    The sandbox shortens `for:` this way so an alert round trip takes seconds, while the shipped
    rule files (and their promtool tests) stay as they are.
    """
    result = copy.deepcopy(document)
    for group in result.get("groups", []):
        for rule in group.get("rules", []):
            if rule.get("alert") in overrides:
                rule["for"] = overrides[rule["alert"]]
    return result


class FilterModule:
    def filters(self):
        return {
            "monitoring_alert_names": alert_names,
            "monitoring_with_alert_for": with_alert_for,
        }
