"""The monitoring role's rule filters: `monitoring_alert_for` changes only the named alerts' `for:`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "monitoring" / "prometheus" / "rules"
spec = importlib.util.spec_from_file_location(
    "monitoring_rules", REPO / "plugins" / "filter" / "monitoring_rules.py"
)
monitoring_rules = importlib.util.module_from_spec(spec)
spec.loader.exec_module(monitoring_rules)


def bots_rules() -> dict:
    return yaml.safe_load((RULES / "bots.yml").read_text())


def rule(document: dict, alert: str) -> dict:
    return next(r for g in document["groups"] for r in g["rules"] if r.get("alert") == alert)


def test_alert_names_lists_every_shipped_alert():
    documents = [yaml.safe_load(path.read_text()) for path in sorted(RULES.glob("*.yml"))]
    names = monitoring_rules.alert_names(documents)
    assert {"BotDown", "HbotExporterDown", "ContainerKilled", "HostDown"} <= set(names)
    assert len(names) == len(set(names))


def test_only_the_named_alert_changes_and_the_source_is_untouched():
    original = bots_rules()
    changed = monitoring_rules.with_alert_for(original, {"BotDown": "10s"})
    assert rule(changed, "BotDown")["for"] == "10s"
    assert rule(original, "BotDown")["for"] == "1m"
    assert rule(changed, "HbotExporterDown")["for"] == rule(original, "HbotExporterDown")["for"]
    assert rule(changed, "BotErrorsLogRising") == rule(original, "BotErrorsLogRising")


def test_an_alert_without_for_gets_one():
    changed = monitoring_rules.with_alert_for(bots_rules(), {"BotErrorsLogRising": "30s"})
    assert rule(changed, "BotErrorsLogRising")["for"] == "30s"
