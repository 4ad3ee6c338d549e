"""The monitoring layer, live in the sandbox: what runs, what is reachable, what is scraped."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
import yaml
from conftest import PROJECT, REPO, inspect, run_playbook

SERVICES = {"prometheus", "alertmanager", "node-exporter", "hbot-exporter", "cadvisor"}
PUBLISHED = {9090, 9093}  # Grafana (3000) is off in the sandbox


def test_compose_project_runs_every_service_and_skips_grafana(stack):
    containers = {
        c["Labels"].split("com.docker.compose.service=")[1].split(",")[0]: c for c in stack.containers()
    }
    assert set(containers) == SERVICES, f"services: {sorted(containers)}"
    for name, container in containers.items():
        assert container["State"] == "running", f"{name}: {container['State']} {container['Status']}"


def test_published_ports_are_bound_to_loopback_only(stack, host):
    for container in stack.containers():
        for binding in filter(None, (p.strip() for p in container["Ports"].split(","))):
            if "->" in binding:
                assert binding.startswith("127.0.0.1:"), f"{container['Names']}: {binding}"
    with host.sudo():
        listening = host.check_output("ss -Hltn")
    sockets = [line.split()[3] for line in listening.splitlines()]
    for port in PUBLISHED:
        bound = [s for s in sockets if s.rsplit(":", 1)[1] == str(port)]
        assert bound == [f"127.0.0.1:{port}"], f"port {port}: {bound}"
    # The exporters are scraped on the compose network only.
    for port in (9100, 9400, 3000, 8080):
        on_host = [s for s in sockets if s.rsplit(":", 1)[1] == str(port)]
        assert not on_host, f"{port} is listening on the host: {on_host}"


def test_prometheus_scrapes_the_real_exporter_and_node_exporter(stack):
    def all_up():
        targets = stack.api("/api/v1/targets?state=active")["data"]["activeTargets"]
        health = {t["labels"]["job"]: t["health"] for t in targets}
        return health if health and all(h == "up" for h in health.values()) else None

    health = stack.wait_for(all_up, timeout=120, what="every target up")
    assert {"node", "hbot-exporter", "prometheus", "alertmanager", "cadvisor"} <= set(health)
    # Real samples from each: the host's memory, and the bot exporter's own view of bot1.
    memory = stack.query('node_memory_MemTotal_bytes{job="node"}')["data"]["result"]
    assert memory and float(memory[0]["value"][1]) > 0
    bot = stack.query('hbot_exporter_db_up{bot="bot1", job="hbot-exporter"}')["data"]["result"]
    assert bot and bot[0]["metric"]["host"] == stack.name


def health(host, container: str) -> str:
    return inspect(host, container, "{{if .State.Health}}{{.State.Health.Status}}{{end}}")


def healthy_in_prometheus(stack, container: str) -> float | None:
    result = stack.query(f'hbot_container_healthy{{name="{container}",bot=""}}')["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_every_monitoring_container_has_a_healthcheck_that_passes_and_prometheus_knows(stack, host):
    names = [container["Names"] for container in stack.containers()]
    assert len(names) == len(SERVICES)
    for name in names:
        # Its healthcheck runs inside it with the client its image carries (wget, or the exporter's python3).
        stack.wait_for(
            lambda name=name: health(host, name) == "healthy", timeout=180, every=5, what=f"{name} healthy"
        )
        stack.wait_for(
            lambda name=name: healthy_in_prometheus(stack, name) == 1,
            timeout=60,
            what=f"hbot_container_healthy of {name} at 1",
        )


def test_a_hung_service_turns_unhealthy_and_pages_then_recovers(stack, host):
    """cAdvisor stopped with SIGSTOP: still running, answering nothing. Docker's healthcheck fails, the
    host's facts say so, and ContainerUnhealthy fires (the scenario shortens its `for:`); SIGCONT heals it."""
    name = f"{PROJECT}-cadvisor-1"
    with host.sudo():
        host.check_output("docker kill --signal STOP %s", name)
    try:
        stack.wait_for(
            lambda: health(host, name) == "unhealthy", timeout=180, every=5, what=f"{name} unhealthy"
        )
        assert inspect(host, name, "{{.State.Status}}") == "running"
        stack.wait_for(lambda: healthy_in_prometheus(stack, name) == 0, timeout=60, what="the facts at 0")
        firing = f'ALERTS{{alertname="ContainerUnhealthy",alertstate="firing",name="{name}"}}'
        stack.wait_for(lambda: stack.query(firing)["data"]["result"], timeout=90, what="ContainerUnhealthy")
    finally:
        with host.sudo():
            host.run("docker kill --signal CONT %s", name)
    stack.wait_for(
        lambda: health(host, name) == "healthy", timeout=120, every=5, what=f"{name} healthy again"
    )
    stack.wait_for(
        lambda: not stack.query(firing)["data"]["result"], timeout=90, what="ContainerUnhealthy resolved"
    )


def test_no_monitoring_container_can_write_its_root_or_gain_privileges(stack, host):
    """Read-only roots and no-new-privileges, as the kernel enforces them on each running service."""
    for container in stack.containers():
        name = container["Names"]
        pid = inspect(host, name, "{{.State.Pid}}")
        with host.sudo():
            wrote = host.run("docker exec %s sh -c ': > /hbot-probe'", name)
            status = host.check_output("cat /proc/%s/status", pid)
        assert wrote.rc != 0 and "Read-only file system" in wrote.stderr, (name, wrote.rc, wrote.stderr)
        assert "NoNewPrivs:\t1" in status, (name, status)


def test_alertmanager_has_the_inventory_receiver_and_prometheus_sends_to_it(stack):
    status = stack.api("/api/v2/status", port=9093)
    # The running config (Alertmanager redacts the webhook URL, a secret, in its API).
    receivers = {r["name"]: r for r in yaml.safe_load(status["config"]["original"])["receivers"]}
    assert list(receivers) == ["heartbeat", "operators"]
    assert len(receivers["operators"]["webhook_configs"]) == 1
    assert receivers["operators"]["webhook_configs"][0]["send_resolved"] is True
    assert "telegram_configs" not in receivers["operators"]
    # The dead man's switch: its own receiver, never resolved (a heartbeat only ever says "alive").
    assert [hook["send_resolved"] for hook in receivers["heartbeat"]["webhook_configs"]] == [False]
    alertmanagers = stack.api("/api/v1/alertmanagers")["data"]["activeAlertmanagers"]
    assert [a["url"] for a in alertmanagers] == ["http://alertmanager:9093/api/v2/alerts"]


def test_alert_timing_comes_from_the_inventory(stack):
    # The scenario shortens BotDown's `for:` and Alertmanager's waits; other rules keep theirs.
    rules = {
        rule["name"]: rule
        for group in stack.api("/api/v1/rules")["data"]["groups"]
        for rule in group["rules"]
        if rule["type"] == "alerting"
    }
    assert rules["BotDown"]["duration"] == 10
    assert rules["HbotExporterDown"]["duration"] == 120
    route = yaml.safe_load(stack.api("/api/v2/status", port=9093)["config"]["original"])["route"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("5s", "10s", "4h")
    routes = {route["receiver"] + ":" + ",".join(route["matchers"]): route for route in route["routes"]}
    assert routes['operators:severity="critical"']["group_wait"] == "5s"
    # The watchdog's route keeps its own pace whatever the inventory's alert timing.
    assert routes['heartbeat:alertname="Watchdog"']["repeat_interval"] == "1m"


def test_retention_comes_from_the_inventory(stack):
    flags = stack.api("/api/v1/status/flags")["data"]
    assert flags["storage.tsdb.retention.time"] == "15d"


def test_a_rule_change_reloads_prometheus_instead_of_restarting_it(stack):
    started = stack.started_at("prometheus")
    rules = {
        "sandbox_probe.yml": {
            "groups": [{"name": "sandbox-probe", "rules": [{"record": "sandbox:probe", "expr": "vector(1)"}]}]
        }
    }
    try:
        run = run_playbook("monitoring.yml", "-e", json.dumps({"monitoring_extra_rules": rules}))
        assert run.returncode == 0, run.stdout[-3000:]
        assert re.search(r"RUNNING HANDLER \[monitoring : Reload Prometheus\]", run.stdout)

        def loaded():
            groups = stack.api("/api/v1/rules")["data"]["groups"]
            return [g["name"] for g in groups if g["name"] == "sandbox-probe"]

        stack.wait_for(loaded, timeout=30, what="the new rule group loaded")
        assert stack.started_at("prometheus") == started, "Prometheus was restarted, not reloaded"
    finally:
        run = run_playbook("monitoring.yml")
        assert run.returncode == 0, run.stdout[-3000:]
    assert stack.started_at("prometheus") == started


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"monitoring_bind_address": "0.0.0.0"}, "monitoring_bind_address: must be an IPv4 loopback"),
        ({"monitoring_retention": "15days"}, "monitoring_retention: must be a non-zero duration"),
        ({"monitoring_alert_telegram": {"chat_id": 42}}, "monitoring_alert_telegram.bot_token: is missing"),
        (
            {
                "monitoring_alert_email": {
                    "smarthost": "smtp.example.org:587",
                    "from": "a@example.org",
                    "username": "a@example.org",
                    "to": ["b@example.org"],
                }
            },
            "monitoring_alert_email.password: is missing",
        ),
        ({"monitoring_alert_for": {"BotDwn": "10s"}}, "monitoring_alert_for: keys must be alert names"),
    ],
    ids=["bind-address", "retention", "telegram-secret", "email-secret", "alert-for-unknown-alert"],
)
def test_bad_settings_fail_in_preflight_naming_the_field_before_any_change(stack, host, overrides, named):
    before = host.file("/opt/hbot-monitoring/compose.yml").sha256sum, stack.started_at("prometheus")
    run = run_playbook("monitoring.yml", "-e", json.dumps(overrides))
    assert run.returncode != 0
    assert named in run.stdout
    failed = re.findall(r"TASK \[monitoring : ([^\]]+)\]", run.stdout)[-1]
    assert failed.startswith("Check each"), f"failed after preflight, at: {failed}"
    assert (host.file("/opt/hbot-monitoring/compose.yml").sha256sum, stack.started_at("prometheus")) == before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_services_are_reachable_through_the_tunnel_and_not_from_another_host(stack, scanner):
    import urllib.request

    ports = {"HBOT_TUNNEL_PROMETHEUS": free_port(), "HBOT_TUNNEL_ALERTMANAGER": free_port()}
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    tunnel = subprocess.Popen(
        [str(REPO / "monitoring" / "tunnel.sh"), stack.name, inventory],
        env={**os.environ, **{k: str(v) for k, v in ports.items()}},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        for variable in ("HBOT_TUNNEL_PROMETHEUS", "HBOT_TUNNEL_ALERTMANAGER"):
            url = f"http://127.0.0.1:{ports[variable]}/-/ready"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        assert response.status == 200
                        break
                except OSError:
                    assert tunnel.poll() is None, tunnel.stderr.read()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1)
    finally:
        os.killpg(tunnel.pid, signal.SIGTERM)
        _, err = tunnel.communicate(timeout=10)
    assert f"http://127.0.0.1:{ports['HBOT_TUNNEL_PROMETHEUS']}/" in err

    # From a second machine on the same network: nothing but SSH answers.
    import sandboxctl

    target = sandboxctl.out(
        "docker",
        "inspect",
        "-f",
        f'{{{{(index .NetworkSettings.Networks "{sandboxctl.NETWORK}").IPAddress}}}}',
        sandboxctl.container(stack.name),
    )
    nmap = ["nmap", "-Pn", "-n", "-sT", "-p", "22,3000,8080,9090,9093,9100,9400", "-oX", "-", target]
    scan = subprocess.run(["docker", "exec", scanner, *nmap], capture_output=True, text=True, timeout=120)
    assert scan.returncode == 0, scan.stderr
    states = {p.get("portid"): p.find("state").get("state") for p in ET.fromstring(scan.stdout).iter("port")}
    print(f"\nnmap {stack.name} ({target}): {states}")
    assert states.pop("22") == "open"
    assert all(state != "open" for state in states.values()), states
