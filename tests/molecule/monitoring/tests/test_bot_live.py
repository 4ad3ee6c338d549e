"""The monitoring layer against the live bot: MQTT state, files read by ACL, every panel's query with
data, and an alert round trip from a stopped bot container to the webhook and back.

Order matters within this file: the panels run while the bot is up, the round trip stops it last.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from conftest import REPO, Stack, run_playbook

BOT = "bot1"
BOT_CONTAINER = "hbot-bot1"
BOT_DATA = "/opt/hbot/bot1/data"
ALERTS_FILE = "/var/lib/alert-sink/alerts.jsonl"
SEEDER = Path(__file__).resolve().parents[1] / "seed_trades.py"
BOT_CLIENT_CONFIG = "/opt/hbot/bot1/conf/conf_client.yml"
# What a quoting controller publishes (Hummingbot's performance report with the shared base's
# custom_info). The live bot cannot quote without an exchange, so the test publishes this for a
# controller named "quoting_double": a TEST DOUBLE of a quoting bot, read by the real exporter.
DOUBLE_SELL_SPREAD = 'hbot_controller_quote_spread_ratio{controller="quoting_double",side="sell"}'
QUOTING_DOUBLE = {
    "quoting_double": {
        "status": "RUNNING",
        "open_executors": 2,
        "performance": {"realized_pnl_quote": 0, "unrealized_pnl_quote": 0, "volume_traded": 0},
        "custom_info": {
            "reference_price": 2000.0,
            "spread_floor": 0.002,
            "quote_buy": 1,
            "quote_sell": 1,
            "buy_prices": [1992.0],
            "sell_prices": [2010.0],
        },
    }
}
# Host and container panels that must show data in the sandbox (the rest may be legitimately empty,
# e.g. no OOM kill in the last hour).
HOST_AND_CONTAINER_MUSTS = {
    "host/CPU busy",
    "host/Memory used",
    "host/Load (1m)",
    "host/Network",
    "containers/CPU per container",
    "containers/Memory per container",
    "containers/Seconds since last seen",
    "containers/Scrape targets up",
}


def value_of(stack, promql: str) -> float | None:
    result = stack.query(promql)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def sink_notifications(host) -> list[dict]:
    """Every notification the test's webhook receiver got, oldest first."""
    with host.sudo():
        result = host.run("cat %s", ALERTS_FILE)
    return [json.loads(line)["body"] for line in result.stdout.splitlines() if line.strip()]


def bot_down_notifications(notifications: list[dict], status: str) -> list[dict]:
    return [
        alert
        for notification in notifications
        for alert in notification.get("alerts", [])
        if alert["labels"].get("alertname") == "BotDown"
        and alert["labels"].get("bot") == BOT
        and alert["status"] == status
    ]


@pytest.fixture(scope="module")
def seeded(host):
    """Fills, orders and executors written into the live bot's database: a TEST DOUBLE for the
    exchange (none is reachable here), through the bot image's own Hummingbot models."""
    return seed_trades(host)


def seed_trades(host) -> dict:
    import sandboxctl

    with host.sudo():
        image = host.check_output("docker inspect -f '{{.Config.Image}}' %s", BOT_CONTAINER)
    name = host.ansible.get_variables()["inventory_hostname"]
    subprocess.run(
        ["docker", "cp", str(SEEDER), f"{sandboxctl.container(name)}:/usr/local/lib/seed_trades.py"],
        check=True,
    )
    run_id = uuid.uuid4().hex[:8]
    with host.sudo():
        out = host.check_output(
            "docker run --rm --network none -v %s:/data -v /usr/local/lib/seed_trades.py:/seed.py:ro"
            # The official image's env; Hummingbot is imported from its source tree, as in the image.
            " -e PYTHONPATH=/home/hummingbot --entrypoint /opt/conda/envs/hummingbot/bin/python"
            " %s /seed.py /data/%s.sqlite %s",
            BOT_DATA,
            image,
            BOT,
            run_id,
        )
    return json.loads(out.splitlines()[-1])


@pytest.fixture(scope="module")
def quoting_double(host):
    """Publish QUOTING_DOUBLE once, on the bot's performance topic, with the bot's own broker account."""
    import yaml

    stack = Stack(host)

    with host.sudo():
        client = yaml.safe_load(host.file(BOT_CLIENT_CONFIG).content_string)
    with host.sudo():  # the exporter's runtime, built on the host, has paho-mqtt
        exporter_image = host.check_output(
            "docker inspect --format '{{.Config.Image}}' hbot-monitoring-hbot-exporter-1"
        )
    bridge = client["mqtt_bridge"]
    topic = f"{bridge['mqtt_namespace']}/{client['instance_id']}/performance"
    publish = (
        "import json, os, paho.mqtt.publish as p; "
        "p.single(os.environ['TOPIC'], os.environ['PAYLOAD'], hostname=os.environ['BROKER'], port=1883, "
        "auth={'username': os.environ['MQTT_USER'], 'password': os.environ['MQTT_PASSWORD']})"
    )
    with host.sudo():
        host.check_output(
            "docker run --rm --network hbot_mqtt -e TOPIC=%s -e PAYLOAD=%s -e BROKER=%s -e MQTT_USER=%s"
            " -e MQTT_PASSWORD=%s --entrypoint python3 %s -c %s",
            topic,
            json.dumps(QUOTING_DOUBLE),
            bridge["mqtt_host"],
            bridge["mqtt_username"],
            bridge["mqtt_password"],
            exporter_image,
            publish,
        )
    stack.wait_for(
        lambda: value_of(stack, DOUBLE_SELL_SPREAD),
        timeout=90,
        what="the quoting double's spreads exported",
    )
    return QUOTING_DOUBLE


def test_the_exporter_follows_the_live_bot_over_mqtt(stack):
    # The bot's heartbeat reaches the exporter through the broker with the read-only monitor account.
    stack.wait_for(lambda: value_of(stack, f'hbot_up{{bot="{BOT}"}}') == 1, timeout=240, what="hbot_up 1")
    assert value_of(stack, "hbot_exporter_mqtt_broker_up") == 1
    assert value_of(stack, f'hbot_exporter_mqtt_up{{bot="{BOT}"}}') == 1
    assert value_of(stack, f'hbot_heartbeat_age_seconds{{bot="{BOT}"}}') < 30
    assert value_of(stack, f'hbot_performance_report_age_seconds{{bot="{BOT}"}}') < 30
    # The runner's per-controller status and live executor count (none: no exchange to trade on).
    assert value_of(stack, f'hbot_controller_running{{bot="{BOT}"}}') == 1
    assert value_of(stack, f'hbot_controller_open_executors{{bot="{BOT}"}}') == 0


def test_the_exporter_reads_the_bots_files_by_acl_and_not_its_keys(stack, host):
    # The real database name the bots role gives it, read by the exporter's UID.
    assert value_of(stack, f'hbot_exporter_db_up{{bot="{BOT}"}}') == 1
    with host.sudo():
        image = host.check_output("docker inspect -f '{{.Config.Image}}' hbot-monitoring-hbot-exporter-1")
        readable = f"test -r {BOT_DATA}/{BOT}.sqlite && ls /opt/hbot/{BOT}/logs >/dev/null"
        closed = f"! ls /opt/hbot/{BOT}/conf 2>/dev/null && ! ls /opt/hbot/.secrets 2>/dev/null"
        probe = host.run(
            "docker run --rm --network none --user 65534:65534 -v /opt/hbot:/opt/hbot:ro"
            " --entrypoint sh %s -c %s",
            image,
            f"{readable} && {closed}",
        )
        assert probe.rc == 0, f"exporter UID: {probe.stdout} {probe.stderr}"
        assert host.file(f"/opt/hbot/{BOT}/conf").mode == 0o700
        acl = host.check_output("getfacl -pn %s", BOT_DATA)
    assert "user:65534:r-x" in acl and "default:user:65534:r-x" in acl, acl


def dashboard_queries():
    for path in sorted((REPO / "monitoring" / "grafana" / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                yield f"{path.stem}/{panel['title']}", target["expr"]


def test_a_quoting_controllers_spreads_are_exported(stack, quoting_double):
    custom = quoting_double["quoting_double"]["custom_info"]
    sell = value_of(stack, DOUBLE_SELL_SPREAD)
    buy = value_of(stack, 'hbot_controller_quote_spread_ratio{controller="quoting_double",side="buy"}')
    assert sell == pytest.approx(custom["sell_prices"][0] / custom["reference_price"] - 1)
    assert buy == pytest.approx(1 - custom["buy_prices"][0] / custom["reference_price"])


def test_every_panel_query_runs_and_the_bot_panels_have_data(stack, seeded, quoting_double):
    # The exporter has read the seeded rows before the panels are checked.
    stack.wait_for(
        lambda: (value_of(stack, f'sum(hbot_fills_total{{bot="{BOT}"}})') or 0) >= seeded["fills"],
        timeout=90,
        what="the seeded fills scraped",
    )
    stack.wait_for(
        lambda: value_of(stack, f'count(count_over_time(hbot_fills_total{{bot="{BOT}"}}[5m]) >= 2)'),
        timeout=90,
        what="two scrapes of the fills (rate() needs them)",
    )
    queries = list(dashboard_queries())
    assert len(queries) >= 20
    with_data: dict[str, bool] = {}
    for panel, expr in queries:
        answer = stack.query(expr.replace("$host", ".*"))
        assert answer["status"] == "success", f"{panel}: {expr}: {answer}"
        with_data[panel] = with_data.get(panel, False) or bool(answer["data"]["result"])
    empty = sorted(panel for panel, has in with_data.items() if not has)
    print(f"\n{len(queries)} queries in {len(with_data)} panels ran; without data: {empty}")
    bot_panels = {panel for panel in with_data if panel.startswith("bots/")}
    assert not bot_panels & set(empty), f"bot panels without data: {sorted(bot_panels & set(empty))}"
    assert not HOST_AND_CONTAINER_MUSTS & set(empty), sorted(HOST_AND_CONTAINER_MUSTS & set(empty))


def test_cadvisor_sees_the_bot_container(stack):
    memory = value_of(stack, f'container_memory_working_set_bytes{{name="{BOT_CONTAINER}"}}')
    assert memory and memory > 0


def test_after_a_restore_the_exporter_reads_the_new_data_folder(stack, host, seeded):
    """restore.yml replaces data/ whole (a new folder, without the exporter's ACL); the play gives
    the ACL back, and the exporter then reads the restored database, fills written after included."""
    with host.sudo():
        folder_before = host.check_output("stat -c %%i %s", BOT_DATA)
    backup = run_playbook("backup.yml", "-e", f"bots={BOT}")
    assert backup.returncode == 0, backup.stdout[-3000:]
    restore = run_playbook("restore.yml", "-e", f"bot={BOT}")
    assert restore.returncode == 0, restore.stdout[-3000:]
    assert "restored conf and data from" in restore.stdout
    with host.sudo():
        assert host.check_output("stat -c %%i %s", BOT_DATA) != folder_before
        acl = host.check_output("getfacl -pn %s", BOT_DATA)
    assert "user:65534:r-x" in acl and "default:user:65534:r-x" in acl, acl
    fills = f'sum(hbot_fills_total{{bot="{BOT}"}})'
    restored = value_of(stack, fills) or 0
    more = seed_trades(host)
    stack.wait_for(
        lambda: (value_of(stack, fills) or 0) >= restored + more["fills"],
        timeout=90,
        what="fills written into the restored database scraped",
    )
    assert value_of(stack, f'hbot_exporter_db_up{{bot="{BOT}"}}') == 1


def test_a_stopped_bot_pages_through_alertmanager_and_resolves_when_back(stack, host):
    before = len(sink_notifications(host))
    # Only this stop's alert counts: the restore test before this one may page and resolve on its own.
    stop_time = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    stopped = time.monotonic()
    try:
        with host.sudo():
            host.check_output("docker stop -t 5 %s", BOT_CONTAINER)

        def fired():
            notifications = bot_down_notifications(sink_notifications(host)[before:], "firing")
            return [alert for alert in notifications if alert["startsAt"][:19] >= stop_time]

        firing = stack.wait_for(fired, timeout=240, every=5, what="BotDown delivered to the webhook")
        fired_after = time.monotonic() - stopped
    finally:
        with host.sudo():
            host.check_output("docker start %s", BOT_CONTAINER)
    started = time.monotonic()
    assert firing[0]["labels"]["severity"] == "critical"
    assert firing[0]["labels"]["host"] == stack.name

    def resolved():
        notifications = bot_down_notifications(sink_notifications(host)[before:], "resolved")
        return [alert for alert in notifications if alert["startsAt"] == firing[0]["startsAt"]]

    stack.wait_for(resolved, timeout=420, every=5, what="BotDown resolved at the webhook")
    resolved_after = time.monotonic() - started
    print(
        f"\nBotDown at the webhook {fired_after:.0f}s after the stop;"
        f" resolved {resolved_after:.0f}s after the start"
    )
    assert value_of(stack, f'hbot_up{{bot="{BOT}"}}') == 1
