"""Every alert rule in monitoring/ has a promtool unit test that makes it fire.

promtool itself runs the tests (monitoring/check.sh); this only proves none is missing, so a new
rule without a test fails `make unit` even where Docker is not available.
"""

from pathlib import Path

import pytest
import yaml

PROMETHEUS = Path(__file__).parents[2] / "monitoring" / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.yml"))


def rules() -> list[dict]:
    found = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                found.append({**rule, "file": path.name})
    return found


def alert_tests() -> list[tuple[Path, dict, dict]]:
    cases = []
    for path in TEST_FILES:
        document = yaml.safe_load(path.read_text())
        for test in document.get("tests", []):
            for case in test.get("alert_rule_test", []):
                cases.append((path, document, case))
    return cases


def test_there_are_rules_and_tests():
    assert RULE_FILES and TEST_FILES


def test_alert_names_are_unique():
    names = [rule["alert"] for rule in rules() if "alert" in rule]
    assert len(names) == len(set(names))


def test_every_rule_is_an_alert():
    # Recording rules would need promql_expr_test coverage; there are none yet, so refuse them.
    assert all("alert" in rule for rule in rules()), (
        "add a promql_expr_test check before using recording rules"
    )


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule.get("alert", rule.get("record")))
def test_rule_has_a_test_that_fires_it(rule):
    firing = [
        (path, document)
        for path, document, case in alert_tests()
        if case["alertname"] == rule["alert"] and case.get("exp_alerts")
    ]
    assert firing, f"{rule['file']}: alert {rule['alert']} has no promtool test expecting it to fire"
    for path, document in firing:
        loaded = {(path.parent / name).resolve() for name in document["rule_files"]}
        assert (PROMETHEUS / "rules" / rule["file"]).resolve() in loaded, (
            f"{path.name} tests {rule['alert']} without loading rules/{rule['file']}"
        )


def test_tests_only_name_existing_alerts():
    names = {rule["alert"] for rule in rules()}
    unknown = {case["alertname"] for _, _, case in alert_tests()} - names
    assert not unknown, f"tests for alerts that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule["alert"])
def test_rule_has_severity_and_summary(rule):
    # "none" only for the dead man's switch: routed to the heartbeat URL, it pages nobody.
    allowed = {"none"} if rule["alert"] == "Watchdog" else {"critical", "warning"}
    assert rule.get("labels", {}).get("severity") in allowed
    assert rule.get("annotations", {}).get("summary")
