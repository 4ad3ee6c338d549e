"""hbot-container-facts (roles/monitoring/files): what it makes of Docker's inspect output and /proc.

The service runs on the host beside Docker; the monitoring scenario proves it live (cAdvisor's series
named through it, a stopped bot's ContainerKilled). These cases pin the parsing it cannot show there:
both cgroup versions, loopback, label escaping, stopped containers.
"""

from __future__ import annotations

from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_loader = SourceFileLoader("hbot_container_facts", str(REPO / "roles/monitoring/files/hbot-container-facts"))
facts = module_from_spec(spec_from_loader(_loader.name, _loader))
_loader.exec_module(facts)

V2 = "0::/system.slice/docker-abc.scope\n"
V1 = "12:pids:/docker/abc\n5:memory:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n"
# /proc/<pid>/net/dev: two header lines, then per interface 8 receive and 8 transmit counters.
NET_DEV = "Inter-| Receive | Transmit\n face |bytes ... |bytes ...\n" + "".join(
    f"{name}: {received} 5 0 0 0 0 0 0 {sent} 5 0 0 0 0 0 0\n"
    for name, received, sent in (("lo", 500, 500), ("eth0", 1200, 800))
)


def inspected(name: str, running: bool, pid: int = 42, labels: dict | None = None, health: str = "") -> dict:
    state = {"Running": running, "Pid": pid if running else 0}
    if health:
        state["Health"] = {"Status": health, "FailingStreak": 0, "Log": [{"Output": "not exported"}]}
    return {"Name": f"/{name}", "Config": {"Labels": labels}, "State": state}


def test_the_cgroup_is_the_unified_path_or_else_the_memory_hierarchys():
    assert facts.cgroup_path(V2) == "/system.slice/docker-abc.scope"
    # cgroup v1 with systemd's hybrid layout: the memory hierarchy's path, not the empty unified "/".
    assert facts.cgroup_path(V1.replace("0::/\n", "")) == "/docker/abc"
    assert facts.cgroup_path("") is None  # the process is gone


def test_network_bytes_leave_loopback_out():
    assert facts.network_bytes(NET_DEV) == {"eth0": (1200, 800)}
    assert facts.network_bytes("") == {}


def test_a_running_container_is_named_by_its_cgroup_and_a_stopped_one_only_said_stopped():
    files = {"cgroup": V2, "net/dev": NET_DEV}
    text = facts.render(
        [
            inspected(
                "hbot-bot1",
                True,
                labels={"com.docker.compose.project": "hbot", "com.docker.compose.service": "bot1"},
            ),
            inspected("hbot-prepare-bot1", False),
        ],
        read=lambda pid, name: files[name],
    )
    lines = set(text.splitlines())
    bot = 'name="hbot-bot1",compose_project="hbot",compose_service="bot1"'
    assert f'hbot_container_info{{id="/system.slice/docker-abc.scope",{bot}}} 1' in lines
    assert f"hbot_container_running{{{bot}}} 1" in lines
    assert f'hbot_container_network_receive_bytes_total{{{bot},interface="eth0"}} 1200' in lines
    assert f'hbot_container_network_transmit_bytes_total{{{bot},interface="eth0"}} 800' in lines
    stopped = 'name="hbot-prepare-bot1",compose_project="",compose_service=""'
    assert f"hbot_container_running{{{stopped}}} 0" in lines
    assert not [
        line
        for line in lines
        if "hbot-prepare-bot1" in line and not line.startswith("hbot_container_running")
    ]


def test_label_values_are_escaped():
    text = facts.render([inspected('odd"name\\x', False)], read=lambda pid, name: "")
    assert 'hbot_container_running{name="odd\\"name\\\\x",compose_project="",compose_service=""} 0' in text


def test_every_metric_has_help_and_type_even_with_no_container():
    text = facts.render([], read=lambda pid, name: "")
    assert text.count("# HELP ") == text.count("# TYPE ") == len(facts.HELP)


def test_health_is_exported_once_docker_has_decided_and_names_a_bot_container():
    bot_labels = {
        "com.docker.compose.project": "hbot",
        "com.docker.compose.service": "bot1",
        "hbot.bot": "bot1",
    }
    text = facts.render(
        [
            inspected(
                "hbot-monitoring-prometheus-1",
                True,
                labels={"com.docker.compose.project": "hbot-monitoring"},
                health="unhealthy",
            ),
            inspected("hbot-bot1", True, labels=bot_labels, health="healthy"),
            inspected("hbot-monitoring-alertmanager-1", True, health="starting"),
            inspected("no-healthcheck", True),
            inspected("stopped", False, health="unhealthy"),
        ],
        read=lambda pid, name: "",
    )
    healthy = sorted(line for line in text.splitlines() if line.startswith("hbot_container_healthy{"))
    assert healthy == [
        'hbot_container_healthy{name="hbot-bot1",compose_project="hbot",compose_service="bot1",bot="bot1"} 1',
        'hbot_container_healthy{name="hbot-monitoring-prometheus-1",compose_project="hbot-monitoring",'
        'compose_service="",bot=""} 0',
    ]
    assert "not exported" not in text  # the healthcheck's output (a command's text) never leaves the socket
