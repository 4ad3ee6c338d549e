"""The monitoring layer against a real bot paper-trading the flagship on a replayed market: MQTT
state, files read by ACL, every panel's query with data from the bot's own fills, PnL and quotes, and
alert round trips to the webhook: a drawdown from real losses, a market that stops (cannot trade, with
its reason), a stopped bot container.

Order matters within this file: the panels run while the bot trades, the round trips end it.
"""

from __future__ import annotations

import json
import re
import time

from conftest import REPO, run_playbook, sink_entries

BOT = "bot1"
# The sandbox's paper bot runs the flagship; a panel titled for another controller, e.g. "Hedge
# (hedged_mm): ...", can only have data where that controller runs (hedged_mm needs a perpetual, which
# Hummingbot's paper connectors are not): its queries must run, its data is not required here.
SANDBOX_CONTROLLERS = {"inventory_mm"}


def panel_controller(panel: str) -> str | None:
    """The controller a panel's title says it is for, "(name)" with a registered name; None otherwise."""
    from controllers.plugin_system.registry import load_registry

    match = re.search(r"\((\w+)\)", panel)
    return match.group(1) if match and match.group(1) in load_registry().names() else None


BOT_CONTAINER = "hbot-bot1"
BOT_DATA = "/opt/hbot/bot1/data"
BOT_CLIENT_CONFIG = "/opt/hbot/bot1/conf/conf_client.yml"
HALT_FILE = "/opt/hbot/bot1/data/replay/halt"  # the replay market's outage switch
# Host and container panels that must show data in the sandbox (the rest may be legitimately empty,
# e.g. no OOM kill in the last hour). "Memory against its limit" had data in one run and none in the
# next (cAdvisor's container_spec_memory_limit_bytes, not yet understood); the rule on the same series is
# proven by test_faults.py's memory hog.
HOST_AND_CONTAINER_MUSTS = {
    "host/CPU busy",
    "host/Memory used",
    "host/Load (1m)",
    "host/Network",
    "containers/CPU per container",
    "containers/Memory per container",
    "containers/Seconds since last seen",
    "containers/Scrape targets up",
    "containers/Restarts (15m)",
}


def value_of(stack, promql: str) -> float | None:
    result = stack.query(promql)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def sink_notifications(host) -> list[dict]:
    """Every notification the test's webhook receiver got, oldest first."""
    return [entry["body"] for entry in sink_entries(host)]


def bot_alerts(notifications: list[dict], status: str, alertname: str = "BotDown") -> list[dict]:
    return [
        alert
        for notification in notifications
        for alert in notification.get("alerts", [])
        if alert["labels"].get("alertname") == alertname
        and alert["labels"].get("bot") == BOT
        and alert["status"] == status
    ]


def test_the_exporter_follows_the_live_bot_over_mqtt(stack):
    # The bot's heartbeat reaches the exporter through the broker with the read-only monitor account.
    stack.wait_for(lambda: value_of(stack, f'hbot_up{{bot="{BOT}"}}') == 1, timeout=240, what="hbot_up 1")
    assert value_of(stack, "hbot_exporter_mqtt_broker_up") == 1
    assert value_of(stack, f'hbot_exporter_mqtt_up{{bot="{BOT}"}}') == 1
    assert value_of(stack, f'hbot_heartbeat_age_seconds{{bot="{BOT}"}}') < 30
    assert value_of(stack, f'hbot_performance_report_age_seconds{{bot="{BOT}"}}') < 30
    # The runner's per-controller status and live executors (quotes on the replayed book), as paper.
    assert value_of(stack, f'hbot_controller_running{{bot="{BOT}",mode="paper"}}') == 1
    stack.wait_for(
        lambda: (value_of(stack, f'hbot_controller_open_executors{{bot="{BOT}"}}') or 0) > 0,
        timeout=180,
        what="open executors of the paper-trading controller",
    )


def test_the_exporter_reads_the_bots_files_by_acl_and_not_its_keys(stack, host):
    # The real database name the bots role gives it, read by the exporter's UID.
    assert value_of(stack, f'hbot_exporter_db_up{{bot="{BOT}"}}') == 1
    with host.sudo():
        image, user = host.check_output(
            "docker inspect -f '{{.Config.Image}} {{.Config.User}}' hbot-monitoring-hbot-exporter-1"
        ).split()
        readable = f"test -r {BOT_DATA}/{BOT}.sqlite && ls /opt/hbot/{BOT}/logs >/dev/null"
        closed = f"! ls /opt/hbot/{BOT}/conf 2>/dev/null && ! ls /opt/hbot/.secrets 2>/dev/null"
        probe = host.run(
            "docker run --rm --network none --user %s -v /opt/hbot:/opt/hbot:ro --entrypoint sh %s -c %s",
            user,
            image,
            f"{readable} && {closed}",
        )
        assert probe.rc == 0, f"exporter UID: {probe.stdout} {probe.stderr}"
        assert host.file(f"/opt/hbot/{BOT}/conf").mode == 0o700
        acl = host.check_output("getfacl -p %s", BOT_DATA)
    assert "user:hbot-exporter:r-x" in acl and "default:user:hbot-exporter:r-x" in acl, acl


def dashboard_queries():
    for path in sorted((REPO / "monitoring" / "grafana" / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                yield f"{path.stem}/{panel['title']}", target["expr"]


def test_the_controllers_live_quote_spreads_are_exported(stack):
    """inventory_mm's own quotes on the replayed book, as it reports them over MQTT."""
    spreads = {}
    for side in ("buy", "sell"):
        query = f'hbot_controller_quote_spread_ratio{{bot="{BOT}",mode="paper",side="{side}"}}'
        spreads[side] = stack.wait_for(lambda q=query: value_of(stack, q), timeout=180, what=f"{side} spread")
    assert all(0 < spread < 0.05 for spread in spreads.values()), spreads


def test_every_panel_query_runs_and_the_bot_panels_have_data(stack):
    # The bot's own fills on both sides, scraped, before the panels are checked.
    for side in ("buy", "sell"):
        stack.wait_for(
            lambda s=side: value_of(stack, f'hbot_fills_total{{bot="{BOT}",mode="paper",side="{s}"}}'),
            timeout=300,
            what=f"{side} fills of the paper-trading bot scraped",
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
    bot_panels = {
        panel
        for panel in with_data
        if panel.startswith("bots/") and panel_controller(panel) in (None, *SANDBOX_CONTROLLERS)
    }
    assert len(bot_panels) >= 10
    assert not bot_panels & set(empty), f"bot panels without data: {sorted(bot_panels & set(empty))}"
    assert not HOST_AND_CONTAINER_MUSTS & set(empty), sorted(HOST_AND_CONTAINER_MUSTS & set(empty))


def test_cadvisor_sees_the_bot_container_named_from_the_host(stack):
    """cAdvisor has no Docker socket: its series name the bot's cgroup, which hbot-container-facts (on the
    host) names. Both sides are real: the join finds the bot's memory, and its network comes from the host."""
    named = f'hbot_container_info{{name="{BOT_CONTAINER}"}}'
    memory = value_of(stack, f"container_memory_working_set_bytes * on (host, id) group_left (name) {named}")
    assert memory and memory > 0
    assert "docker" in stack.query(named)["data"]["result"][0]["metric"]["id"]  # a cgroup path, by name
    assert value_of(stack, f'hbot_container_running{{name="{BOT_CONTAINER}",compose_project="hbot"}}') == 1
    received = f'sum(hbot_container_network_receive_bytes_total{{name="{BOT_CONTAINER}"}})'
    assert (value_of(stack, received) or 0) > 0  # it reads the replayed market over its network


def test_after_a_restore_the_exporter_reads_the_new_data_folder(stack, host):
    """restore.yml replaces data/ whole (a new folder, without the exporter's ACL); the play gives
    the ACL back, and the exporter then reads the restored database, the bot's fills after it included."""
    with host.sudo():
        folder_before = host.check_output("stat -c %%i %s", BOT_DATA)
    backup = run_playbook("backup.yml", "-e", f"bots={BOT}")
    assert backup.returncode == 0, backup.stdout[-3000:]
    restore = run_playbook("restore.yml", "-e", f"bot={BOT}")
    assert restore.returncode == 0, restore.stdout[-3000:]
    assert "restored conf and data from" in restore.stdout
    with host.sudo():
        assert host.check_output("stat -c %%i %s", BOT_DATA) != folder_before
        acl = host.check_output("getfacl -p %s", BOT_DATA)
    assert "user:hbot-exporter:r-x" in acl and "default:user:hbot-exporter:r-x" in acl, acl
    fills = f'sum(hbot_fills_total{{bot="{BOT}"}})'
    restored = value_of(stack, fills) or 0
    stack.wait_for(
        lambda: (value_of(stack, fills) or 0) > restored,
        timeout=300,
        what="the bot's fills after the restore scraped",
    )
    assert value_of(stack, f'hbot_exporter_db_up{{bot="{BOT}"}}') == 1


def test_real_losses_page_as_a_paper_drawdown(stack, host):
    """The bot's own PnL falls further below its peak than its max_drawdown_quote: the alert reaches the
    webhook, marked paper."""
    firing = stack.wait_for(
        lambda: bot_alerts(sink_notifications(host), "firing", "BotDrawdownBeyondLimit"),
        timeout=900,
        every=10,
        what="BotDrawdownBeyondLimit delivered to the webhook",
    )
    assert firing[0]["labels"]["mode"] == "paper"
    assert firing[0]["labels"]["severity"] == "critical"


def test_a_halted_market_pages_cannot_trade_with_its_reason_and_resolves(stack, host):
    """The replayed exchange goes silent (its halt file): the bot keeps running and answering MQTT,
    but its connector is not ready; BotCannotTrade reaches the webhook naming the bot and the reason,
    and resolves once the market is back."""
    before = len(sink_notifications(host))
    halted = time.monotonic()
    try:
        with host.sudo():
            host.check_output("touch %s", HALT_FILE)
        firing = stack.wait_for(
            lambda: bot_alerts(sink_notifications(host)[before:], "firing", "BotCannotTrade"),
            timeout=420,
            every=5,
            what="BotCannotTrade delivered to the webhook",
        )
        fired_after = time.monotonic() - halted
        assert value_of(stack, f'hbot_up{{bot="{BOT}"}}') == 1  # alive: only "cannot trade" says why
    finally:
        with host.sudo():
            host.check_output("rm -f %s", HALT_FILE)
    back = time.monotonic()
    labels = firing[0]["labels"]
    assert (labels["connector"], labels["reason"], labels["mode"]) == (
        "binance_paper_trade",
        "market_feed_alive",
        "paper",
    )
    assert (
        "cannot trade on binance_paper_trade (waiting for market_feed_alive)"
        in (firing[0]["annotations"]["summary"])
    )
    stack.wait_for(
        lambda: bot_alerts(sink_notifications(host)[before:], "resolved", "BotCannotTrade"),
        timeout=300,
        every=5,
        what="BotCannotTrade resolved at the webhook",
    )
    print(
        f"\nBotCannotTrade at the webhook {fired_after:.0f}s after the market halted;"
        f" resolved {time.monotonic() - back:.0f}s after it came back"
    )


def test_a_stopped_bot_pages_through_alertmanager_and_resolves_when_back(stack, host):
    before = len(sink_notifications(host))
    # Only this stop's alert counts: the restore test before this one may page and resolve on its own.
    stop_time = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    stopped = time.monotonic()
    try:
        with host.sudo():
            host.check_output("docker stop -t 5 %s", BOT_CONTAINER)

        def fired():
            notifications = bot_alerts(sink_notifications(host)[before:], "firing")
            return [alert for alert in notifications if alert["startsAt"][:19] >= stop_time]

        firing = stack.wait_for(fired, timeout=240, every=5, what="BotDown delivered to the webhook")
        fired_after = time.monotonic() - stopped
        # The container's side, from the host's facts (cAdvisor alone cannot tell a stopped container).
        killed = f'ALERTS{{alertname="ContainerKilled",alertstate="firing",name="{BOT_CONTAINER}"}}'
        stack.wait_for(
            lambda: stack.query(killed)["data"]["result"], timeout=180, every=5, what="ContainerKilled firing"
        )
    finally:
        with host.sudo():
            host.check_output("docker start %s", BOT_CONTAINER)
    started = time.monotonic()
    assert firing[0]["labels"]["severity"] == "critical"
    assert firing[0]["labels"]["host"] == stack.name

    def resolved():
        notifications = bot_alerts(sink_notifications(host)[before:], "resolved")
        return [alert for alert in notifications if alert["startsAt"] == firing[0]["startsAt"]]

    stack.wait_for(resolved, timeout=420, every=5, what="BotDown resolved at the webhook")
    resolved_after = time.monotonic() - started
    print(
        f"\nBotDown at the webhook {fired_after:.0f}s after the stop;"
        f" resolved {resolved_after:.0f}s after the start"
    )
    assert value_of(stack, f'hbot_up{{bot="{BOT}"}}') == 1
