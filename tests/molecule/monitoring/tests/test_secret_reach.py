"""Secrets out of monitoring's reach (#14): each monitoring container runs as its own user, with no
capability, and as that user reads only its own secrets: not the bot's config password or keys, not
the broker's accounts, not another service's secrets or data.

The reads run on the host as the container's own UID, GID and (empty) groups: bind mounts keep the
host's owners and modes, and no user namespace maps them, so that is exactly what the container (or
anything that breaks into it) can read through any mount it has.
"""

from __future__ import annotations

import json

import pytest
from conftest import PROJECT

BOT = "bot1"
# Secret (a file, or a folder whose listing is the secret) -> the one service allowed to read it.
SECRETS = {
    f"/opt/hbot/.secrets/{BOT}.password": None,  # the bot's config password, which decrypts its keys
    f"/opt/hbot/{BOT}/conf/.password_verification": None,
    f"/opt/hbot/{BOT}/conf/connectors": None,  # the encrypted exchange keys
    f"/opt/hbot/{BOT}/conf/conf_client.yml": None,  # the bot's MQTT password
    "/opt/hbot/mosquitto/passwd": None,  # the broker's accounts
    "/opt/hbot-monitoring/alertmanager/alertmanager.yml": "alertmanager",  # the receivers' secrets
    "/opt/hbot-monitoring/secrets/mqtt_password": "hbot-exporter",  # the broker's read-only account
    "/opt/hbot-monitoring/data/prometheus": "prometheus",
    "/opt/hbot-monitoring/data/alertmanager": "alertmanager",
}
# Host paths through which a container would reach every other container (and so the keys).
DOCKER_PATHS = ("/var/run", "/run", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker", "/")


@pytest.fixture(scope="module")
def services(host) -> dict[str, dict]:
    """Each running service of the monitoring project: its configured user, its process's capabilities and
    the host paths it mounts."""
    found = {}
    with host.sudo():
        names = host.check_output(
            "docker ps --filter label=com.docker.compose.project=%s --format '{{.Names}}'", PROJECT
        ).split()
        for name in names:
            config = json.loads(host.check_output("docker inspect %s", name))[0]
            status = host.check_output("cat /proc/%s/status", str(config["State"]["Pid"]))
            caps = next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff:"))
            found[config["Config"]["Labels"]["com.docker.compose.service"]] = {
                "user": config["Config"]["User"],
                "caps": caps,
                "mounts": {mount["Source"] for mount in config["Mounts"]},
            }
    return found


def can_read(host, user: str, path: str) -> bool:
    uid, _, gid = user.partition(":")
    with host.sudo():
        reader = "ls" if host.file(path).is_directory else "cat"
        return (
            host.run("setpriv --reuid %s --regid %s --clear-groups -- %s %s", uid, gid, reader, path).rc == 0
        )


def test_every_monitoring_service_runs_as_its_own_user_with_no_capability(services):
    expected = {"prometheus", "alertmanager", "node-exporter", "hbot-exporter", "cadvisor"}
    assert expected <= set(services), services
    for name, service in services.items():
        assert service["user"] and service["user"].split(":")[0] not in ("0", "root"), (name, service)
        assert int(service["caps"], 16) == 0, (name, service)
    users = [s["user"] for s in services.values()]
    assert len(set(users)) == len(users), services  # one UID per service, none shared


def test_no_monitoring_service_mounts_the_docker_socket_or_the_host_root(services):
    """cAdvisor reads the containers' cgroups (/sys) only; node-exporter reads the host's / as its own
    user (only what any user may read, which the secret tests below prove)."""
    for name, service in services.items():
        reach = service["mounts"] & set(DOCKER_PATHS)
        assert reach == ({"/"} if name == "node-exporter" else set()), (name, service["mounts"])
    assert services["cadvisor"]["mounts"] == {"/sys"}, services["cadvisor"]


@pytest.mark.parametrize("path", sorted(SECRETS))
def test_only_the_owning_service_reads_a_secret(host, services, path):
    with host.sudo():
        assert host.file(path).exists, path  # a secret that is not there proves nothing
    readers = {name for name, s in services.items() if can_read(host, s["user"], path)}
    assert readers == ({SECRETS[path]} if SECRETS[path] else set()), (path, readers)
