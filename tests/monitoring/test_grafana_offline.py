"""Grafana's provisioning and dashboards, checked offline (no Grafana server binary is reachable
here: Debian does not package it and PyPI/npm carry only placeholders; see monitoring/README.md).

Every panel query is parsed by the real promtool (as a recording rule), so a PromQL typo fails
here rather than on an operator's screen.

    pytest -q tests/monitoring/test_grafana_offline.py     # the promtool part needs Docker
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "monitoring" / "grafana"
COMPOSE = REPO / "roles" / "monitoring" / "templates" / "compose.yml.j2"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))


def provisioned_datasource_uids() -> set[str]:
    document = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    return {source["uid"] for source in document["datasources"]}


def panel_targets():
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                yield path.stem, panel, target


def test_dashboards_have_unique_uids_titles_and_panel_ids():
    dashboards = [json.loads(path.read_text()) for path in DASHBOARDS]
    assert {path.stem for path in DASHBOARDS} == {"host", "containers", "bots"}
    assert len({d["uid"] for d in dashboards}) == len(dashboards)
    assert len({d["title"] for d in dashboards}) == len(dashboards)
    for dashboard in dashboards:
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), dashboard["title"]


def test_every_panel_and_target_uses_the_provisioned_datasource():
    uids = provisioned_datasource_uids()
    for dashboard, panel, target in panel_targets():
        for source in (panel["datasource"], target["datasource"]):
            assert source["uid"] in uids, f"{dashboard}/{panel['title']}: datasource {source}"


def test_the_dashboard_provider_reads_the_folder_the_role_mounts():
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "hbot.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert f"/grafana/dashboards:{path}:ro" in COMPOSE.read_text()


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs Docker")
def test_every_panel_query_parses_with_the_real_promtool(tmp_path):
    rules = [
        {"record": f"panel:{dashboard}:{index}", "expr": target["expr"].replace("$host", ".*")}
        for index, (dashboard, _, target) in enumerate(panel_targets())
    ]
    assert len(rules) >= 20
    (tmp_path / "panels.yml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    tmp_path.chmod(0o755)
    (tmp_path / "panels.yml").chmod(0o644)
    image = subprocess.run(
        ["python3", str(REPO / "sandbox" / "sandboxctl.py"), "build", "--kind", "prometheus"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    check = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            f"{tmp_path}:/check:ro",
            "--entrypoint",
            "promtool",
        ]
        + [image, "check", "rules", "/check/panels.yml"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"SUCCESS: {len(rules)} rules found" in check.stdout
