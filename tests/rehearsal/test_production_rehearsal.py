"""The production path, rehearsed as an operator walks it (README, "Run your bots on your own VPS").

`inventories/production/` is copied as a user copies it, and only what the README says to change is
changed: the host addresses (two fresh sandbox VPSes), the admin key, the secrets (in a vault file,
encrypted with ansible-vault) and the pull setting, plus sandbox/limits.yml, which lists, with reasons,
what a sandbox VPS cannot do. Image names are not changed: the sandbox loads its images into each VPS
under the very tags production pulls. Then, in order:

1. the untouched copy is refused before anything connects, with every placeholder named;
2. `playbooks/site.yml` converges both hosts: the bot runs on the official-layout image, with the
   role's helpers mounted, and each host's exporter reads its bot;
3. `make upgrade INVENTORY=... BOTS=bitget_mm1` rolls the live bot to a new version across both hosts, one
   host at a time, and leaves the paper bot beside it alone;
4. a release whose bot cannot start stops the rollout at the first host (rolled back there) and leaves
   the later host untouched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "sandbox"))

import sandboxctl  # noqa: E402

HOSTS = [("mm-vps-1", 2611), ("mm-vps-2", 2612)]  # named as in the example's hosts.yml
BOT = "bitget_mm1"  # the example's bot, as shipped
PAPER_BOT = "bitget_paper1"  # the example's paper bot (Hummingbot's paper engine on bitget's public data)
IMAGE = "hummingbot/hummingbot:version-2.12.0"  # the example's image, as shipped
NEXT, BROKEN = f"{IMAGE}-next", f"{IMAGE}-broken"
PYTHON = "/opt/conda/envs/hummingbot/bin/python"


def ansible(*args: str, env: dict | None = None, timeout: float = 1800) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name(args[0])), *args[1:]]
    plain = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=plain, timeout=timeout)


def play(inventory: Path, playbook: str, env: dict, timeout: float = 1800) -> subprocess.CompletedProcess:
    return ansible("ansible-playbook", "-i", str(inventory / "hosts.yml"), playbook, env=env, timeout=timeout)


def in_vps(host: str, command: str) -> str:
    return sandboxctl.out("docker", "exec", sandboxctl.container(host), "sh", "-c", command)


def bot_state(host: str, bot: str = BOT) -> dict:
    return json.loads(in_vps(host, f"docker inspect hbot-{bot}"))[0]


def started(host: str, bot: str = BOT) -> str:
    probe = subprocess.run(
        [
            "docker",
            "exec",
            sandboxctl.container(host),
            "docker",
            "exec",
            f"hbot-{bot}",
            PYTHON,
            "bin/hbot_healthcheck.py",
            "--started",
        ],
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip()


def started_verdict(host: str, bot: str = BOT) -> str | None:
    """The healthcheck's "started: ..." line, or None while it is not there yet. One probe per call:
    a `docker exec` that fails under load (runc's "read init-p: connection reset") is a retry, not a
    verdict."""
    verdict = started(host, bot)
    return verdict if verdict.startswith("started:") else None


def wait_for(check, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(5)
    pytest.fail(f"{what} within {timeout:.0f}s")


def copy_of_production(where: Path) -> Path:
    """`cp -r inventories/production inventories/mine`."""
    shutil.copytree(REPO / "inventories" / "production", where)
    return where


@pytest.fixture(scope="module")
def vault_password(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vault") / "password"
    path.write_text(secrets.token_urlsafe(24) + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def hosts():
    started_hosts = sandboxctl.up(HOSTS, "trixie")
    yield started_hosts
    sandboxctl.down([name for name, _ in HOSTS])


def secret_for(field: str) -> str:
    if field.endswith("telegram_bot_token"):
        return f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(26)}"
    if field.endswith("telegram_chat_id"):
        return f"-100{secrets.randbelow(10**10):010d}"
    return secrets.token_urlsafe(24)


def fill(value, field: str):
    if isinstance(value, dict):
        return {key: fill(item, f"{field}.{key}") for key, item in value.items()}
    return secret_for(field)


@pytest.fixture(scope="module")
def mine(tmp_path_factory, hosts, vault_password) -> Path:
    """The operator's copy, with only the README's changes."""
    inventory = copy_of_production(tmp_path_factory.mktemp("inventories") / "mine")
    # Host addresses: one block per VPS, as the example's comment says.
    hosts_file = inventory / "hosts.yml"
    text = hosts_file.read_text()
    block = re.search(r"(?ms)^        mm-vps-1:\n(?:          .*\n)+", text).group(0)
    blocks = []
    for name, port in HOSTS:
        blocks.append(
            block.replace("mm-vps-1:", f"{name}:")
            .replace("203.0.113.10", "127.0.0.1")
            .replace("ansible_port: 22", f"ansible_port: {port}")
            .replace("ansible_user: ubuntu", f"ansible_user: {sandboxctl.ADMIN_USER}")
            .replace("~/.ssh/id_ed25519", str(sandboxctl.STATE / "id_ed25519"))
            + f"          ansible_ssh_common_args: -o UserKnownHostsFile={sandboxctl.STATE / 'known_hosts'}\n"
        )
    hosts_file.write_text(text.replace(block, "".join(blocks)))
    # The admin key.
    main = inventory / "group_vars" / "all" / "main.yml"
    public_key = (sandboxctl.STATE / "id_ed25519.pub").read_text().strip()
    main.write_text(re.sub(r'(?m)^  - "ssh-ed25519 [^"]*"$', f'  - "{public_key}"', main.read_text()))
    # The secrets, from vault.yml.example, then encrypted.
    vault = inventory / "group_vars" / "all" / "vault.yml"
    example = yaml.safe_load(vault.with_name("vault.yml.example").read_text())
    vault.write_text(yaml.safe_dump({key: fill(value, key) for key, value in example.items()}))
    password = {"ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password)}
    done = ansible("ansible-vault", "encrypt", str(vault), env=password)
    assert done.returncode == 0, done.stderr
    # The pull setting and what a sandbox VPS cannot do (each with its reason).
    shutil.copy(REPO / "sandbox" / "limits.yml", inventory / "group_vars" / "all" / "sandbox_limits.yml")
    return inventory


@pytest.fixture(scope="module")
def env(vault_password) -> dict:
    return {"ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password)}


def test_the_untouched_copy_is_refused_before_anything_connects(tmp_path):
    untouched = copy_of_production(tmp_path / "mine")
    done = ansible("ansible-playbook", "-i", str(untouched / "hosts.yml"), "playbooks/site.yml")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    for named in (
        "hosts.yml:9: all.children.vps.hosts.mm-vps-1.ansible_host: 203.0.113.10 is a documentation address",
        "group_vars/all/main.yml:4: hardening_admin_authorized_keys[0]: still the example's placeholder",
        "hummingbot_config_password: vault_hummingbot_config_password is not defined",
        "hummingbot_credentials: vault_hummingbot_credentials is not defined",
        "monitoring_alert_telegram.bot_token: vault_monitoring_telegram_bot_token is not defined",
    ):
        assert named in output, f"not named: {named}\n{output[-3000:]}"
    assert "Gathering Facts" not in output and "UNREACHABLE" not in output  # refused before connecting


@pytest.fixture(scope="module")
def converged(mine, env) -> subprocess.CompletedProcess:
    """As `make demo` does: the host layer first (the stand-in registry needs Docker on the VPS), the
    images under production's tags, then site.yml, which checks everything and converges every layer."""
    host = play(mine, "playbooks/host.yml", env)
    assert host.returncode == 0, host.stdout[-3000:] + host.stderr[-2000:]
    for images in ("sandbox/bot_images.yml", "sandbox/monitoring_images.yml"):
        loaded = play(mine, images, env)
        assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-2000:]
    return play(mine, "playbooks/site.yml", env, timeout=2700)


def test_site_converges_both_hosts_from_the_copy(converged):
    assert converged.returncode == 0, converged.stdout[-5000:] + converged.stderr[-2000:]
    for name, _ in HOSTS:
        assert re.search(rf"^{name}\s*:.*failed=0", converged.stdout, re.M), name


@pytest.mark.parametrize("host", [name for name, _ in HOSTS])
def test_the_bot_runs_on_the_official_image_with_the_roles_helpers(converged, host):
    state = bot_state(host)
    assert state["Config"]["Image"] == IMAGE
    mounts = {m["Destination"]: m for m in state["Mounts"]}
    assert mounts["/home/hummingbot/scripts/hbot_v2_controllers.py"]["RW"] is False
    verdict = wait_for(
        lambda: started_verdict(host),
        f"{BOT} on {host} did not start",
    )
    assert "inventory_mm_btc" in verdict


@pytest.mark.parametrize("host", [name for name, _ in HOSTS])
def test_the_paper_bot_starts_on_the_paper_engine_with_no_keys(converged, host):
    """No exchange is reachable here, so it waits for bitget's trading rules, as it would for an outage."""
    verdict = wait_for(
        lambda: started_verdict(host, PAPER_BOT),
        f"{PAPER_BOT} on {host} did not start",
    )
    assert "inventory_mm_btc_paper" in verdict
    assert in_vps(host, f"ls /opt/hbot/{PAPER_BOT}/conf/connectors/ | wc -l").strip() == "0"
    log = in_vps(host, f"cat /opt/hbot/{PAPER_BOT}/logs/logs_hummingbot.log")
    assert "Paper trading on bitget_paper_trade (live market) for BTC-USDT" in log


@pytest.mark.parametrize("host", [name for name, _ in HOSTS])
def test_the_two_bots_on_bitget_split_its_rate_limits(converged, host):
    """Both reach bitget from the host's one IP (the paper bot reads its live order books)."""
    for bot in (BOT, PAPER_BOT):
        client = in_vps(host, f"cat /opt/hbot/{bot}/conf/conf_client.yml")
        assert "\nrate_limits_share_pct: 50.0\n" in client, bot


@pytest.mark.parametrize("host", [name for name, _ in HOSTS])
@pytest.mark.parametrize(("bot", "mode"), [(BOT, "live"), (PAPER_BOT, "paper")])
def test_each_hosts_exporter_reads_its_bots_and_their_mode(converged, host, bot, mode):
    """As Prometheus on that host sees it (queried on the VPS's loopback, where it listens). A paper
    bot's series say mode="paper", so its PnL is never read as real money."""
    query = f'hbot_exporter_db_up{{bot="{bot}",mode="{mode}"}}'
    ask = (
        'python3 -c "import json, sys, urllib.parse, urllib.request; print(json.dumps(json.load('
        "urllib.request.urlopen('http://127.0.0.1:9090/api/v1/query?query='"
        " + urllib.parse.quote(sys.argv[1])))['data']['result']))\""
        f" '{query}'"
    )

    def database_read():
        result = json.loads(in_vps(host, ask))
        return result and result[0]["value"][1] == "1"

    wait_for(database_read, f"Prometheus on {host} never saw its exporter read {bot}'s database ({mode})")


@pytest.fixture(scope="module")
def new_versions(converged, mine, env):
    built = play(mine, "tests/molecule/bots/test_images.yml", env)
    assert built.returncode == 0, built.stdout[-3000:]


def make_upgrade(mine: Path, env: dict, image: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "upgrade", f"INVENTORY={mine / 'hosts.yml'}", f"IMAGE={image}",
         *options],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=1800,
        env={**os.environ, **env, "ANSIBLE_NOCOLOR": "1"},
    )


def test_make_upgrade_rolls_across_both_hosts(new_versions, mine, env):
    # The live bot only (BOTS=): the bots scenario rolls two bots of one host in order; here the rollout
    # crosses hosts, and the paper bot beside it stays where it was.
    paper_before = {name: bot_state(name, PAPER_BOT) for name, _ in HOSTS}
    done = make_upgrade(mine, env, NEXT, f"BOTS={BOT}")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    order = [done.stdout.find(f"[{name}]") for name, _ in HOSTS]
    assert -1 < order[0] < order[1]  # one host after the other
    for name, _ in HOSTS:
        assert bot_state(name)["Config"]["Image"] == NEXT, name
        wait_for(lambda host=name: started_verdict(host), f"{BOT} on {name} did not start on {NEXT}")
        paper = bot_state(name, PAPER_BOT)
        assert (paper["Config"]["Image"], paper["State"]["StartedAt"]) == (
            paper_before[name]["Config"]["Image"], paper_before[name]["State"]["StartedAt"]), name


def test_a_release_that_cannot_start_stops_at_the_first_host(new_versions, mine, env):
    later_before = bot_state(HOSTS[1][0])["State"]["StartedAt"]
    done = make_upgrade(mine, env, BROKEN)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"UPGRADE FAILED: bot {BOT} did not come up on {BROKEN}" in output, output[-4000:]
    first, later = HOSTS[0][0], HOSTS[1][0]
    assert bot_state(first)["Config"]["Image"] == NEXT  # rolled back there
    wait_for(lambda: started_verdict(first), f"{BOT} on {first} did not start again")
    assert bot_state(later)["Config"]["Image"] == NEXT  # the later host untouched
    assert bot_state(later)["State"]["StartedAt"] == later_before
    assert not re.search(rf"^{later}\s*:.*changed=[1-9]", output, re.M)
