"""The bots layer: folders, built-ins, mounts, secrets, compose state, and a bot that really boots."""

from __future__ import annotations

import json
import shlex
import time

import pytest
from conftest import PYTHON, Bot, in_bot

BOT_DIRS = {
    "": 0o750,
    "conf": 0o700,
    "conf/connectors": 0o700,
    "conf/controllers": 0o750,
    "conf/scripts": 0o750,
    "conf/strategies": 0o750,
    "logs": 0o750,
    "data": 0o750,
    "certs": 0o700,
    "scripts": 0o755,
    "controllers": 0o755,
}


# --- Folders, built-ins and file modes ---------------------------------------------------------


@pytest.mark.parametrize(("relative", "mode"), sorted(BOT_DIRS.items()))
def test_bot_folders_exist_with_their_modes(host, bot, relative, mode):
    folder = host.file(f"{bot.dir}/{relative}".rstrip("/"))
    with host.sudo():
        assert folder.is_directory
        assert folder.user == "root"
        assert folder.mode == mode


def test_built_ins_were_copied_out_of_the_image(host, bot):
    """The image's own scripts/ and controllers/ land in the bot's folders (mounted over the image's)."""
    with host.sudo():
        assert host.file(f"{bot.dir}/scripts/sandbox_builtin.py").is_file
        assert host.file(f"{bot.dir}/controllers/market_making/__init__.py").is_file
        manifest = json.loads(host.file(f"{bot.dir}/.hbot-builtins.json").content_string)
    assert "scripts/sandbox_builtin.py" in manifest["files"]
    assert "scripts/hbot_v2_controllers.py" not in manifest["files"]  # the role's, not the image's
    assert manifest["image"].startswith("sha256:")


def test_bot_runs_the_official_image_unmodified_with_the_roles_helpers_mounted(host, bot):
    """The image is the tag production pulls; everything of this project comes in as read-only mounts."""
    config = bot.inspect()
    assert config["Config"]["Image"] == "hummingbot/hummingbot:version-2.12.0"
    image = json.loads(bot.sudo("docker image inspect hummingbot/hummingbot:version-2.12.0"))[0]
    assert config["Config"]["Cmd"][-1].endswith("./bin/hummingbot_quickstart.py 2>> ./logs/errors.log")
    assert image["Config"]["Cmd"][-1] == (
        "conda activate hummingbot && ./bin/hummingbot_quickstart.py 2>> ./logs/errors.log"
    )
    mounts = {m["Destination"]: m for m in config["Mounts"]}
    for path in ("scripts/hbot_v2_controllers.py", "bin/hbot_healthcheck.py"):
        mount = mounts[f"/home/hummingbot/{path}"]
        assert mount["RW"] is False, path
        assert mount["Source"] == f"/opt/hbot/.helpers/{path.split('/')[-1]}", path
    with host.sudo():
        helper = host.file("/opt/hbot/.helpers/hbot_v2_controllers.py")
        assert helper.user == "root" and helper.mode == 0o644
        assert "class HbotV2Controllers" in helper.content_string
    # Nothing of the role's is baked into the image: it holds no helper of ours.
    listing = bot.sudo(
        "docker run --rm --entrypoint ls hummingbot/hummingbot:version-2.12.0 bin scripts /opt/conda/envs"
    )
    assert "hbot_" not in listing and "hummingbot" in listing


def test_secret_files_are_0600_in_0700_folders(host, bot):
    with host.sudo():
        for path in ("conf/.password_verification", "conf/connectors/binance.yml", "conf/conf_client.yml"):
            secret = host.file(f"{bot.dir}/{path}")
            assert secret.mode == 0o600, path
            assert secret.user == "root", path
        password = host.file(f"/opt/hbot/.secrets/{bot.name}.password")
        assert (password.mode, password.user) == (0o400, "root")
        assert host.file("/opt/hbot/.secrets").mode == 0o700
        assert not host.file(f"/opt/hbot/.secrets/{bot.name}.env").exists


def test_connector_keys_are_encrypted_with_hummingbots_crypto(bot):
    connector = bot.read("conf/connectors/binance.yml")
    assert "connector: binance" in connector
    line = next(ln for ln in connector.splitlines() if ln.startswith("binance_api_key:"))
    encrypted = line.split(":", 1)[1].strip()
    keyfile = json.loads(bytes.fromhex(encrypted))  # hex of an Ethereum v3 keyfile, as Hummingbot writes it
    assert keyfile["crypto"]["cipher"] == "aes-128-ctr"


def test_mqtt_bridge_is_configured(bot):
    client = bot.read("conf/conf_client.yml")
    assert "instance_id: bot1" in client
    assert "mqtt_host: mosquitto" in client
    assert "mqtt_autostart: true" in client


def test_controller_and_script_configs_are_written(bot):
    controller = bot.read("conf/controllers/fixed_spread.yml")
    assert "controller_name: fixed_spread" in controller
    assert "total_amount_quote: 10" in controller
    assert "id: fixed_spread" in controller
    script = bot.read("conf/scripts/bot1.yml")
    assert "controllers_config:\n- fixed_spread.yml" in script


# --- Compose state, mounts, limits -------------------------------------------------------------


def test_compose_project_runs_the_bot_and_the_broker(bot):
    services = {}
    for line in bot.sudo("docker compose -p hbot ps --all --format json").splitlines():
        entry = json.loads(line)
        services[entry["Service"]] = entry["State"]
    assert services == {"mosquitto": "running", "bot1": "running", "bot2": "running"}


def test_bots_on_one_host_have_their_own_folder_database_and_mqtt_id(host):
    """bot1 and bot2 share the host, the broker and the compose project, nothing else."""
    seen = {}
    for name in ("bot1", "bot2"):
        bot = Bot(host, name)
        labels = bot.inspect()["Config"]["Labels"]
        mounts = {m["Destination"]: m["Source"] for m in bot.inspect()["Mounts"]}
        client = bot.read("conf/conf_client.yml")
        seen[name] = {
            "data": mounts["/home/hummingbot/data"],
            "conf": mounts["/home/hummingbot/conf"],
            "database": labels["hbot.database"],
            "instance_id": next(
                line.split(":", 1)[1].strip() for line in client.splitlines() if "instance_id:" in line
            ),
        }
        assert seen[name]["data"] == f"/opt/hbot/{name}/data"
        assert seen[name]["database"] == f"/opt/hbot/{name}/data/{name}.sqlite"
        assert seen[name]["instance_id"] == name
        bot.wait_for_log("logs/logs_hummingbot.log", "Strategy hbot_v2_controllers started successfully")
        with host.sudo():
            assert host.file(seen[name]["database"]).is_file
    for key in ("data", "conf", "database", "instance_id"):
        assert seen["bot1"][key] != seen["bot2"][key], key
    assert Bot(host, "bot2").inspect()["HostConfig"]["NanoCpus"] == 500_000_000


def test_plugin_controller_and_shared_base_are_mounted_read_only(bot):
    mounts = {m["Destination"]: m for m in bot.inspect()["Mounts"]}
    for path in (
        "/home/hummingbot/controllers/market_making/fixed_spread.py",
        "/home/hummingbot/controllers/shared_base",
    ):
        assert mounts[path]["RW"] is False, path
        assert mounts[path]["Source"].startswith(f"{bot.dir}/plugins/"), path
    for folder in ("conf", "logs", "data", "certs", "scripts", "controllers"):
        assert mounts[f"/home/hummingbot/{folder}"]["Source"] == f"{bot.dir}/{folder}"
        assert mounts[f"/home/hummingbot/{folder}"]["RW"] is True


def test_bot_container_is_hardened_and_limited(bot):
    config = bot.inspect()
    host_config = config["HostConfig"]
    assert host_config["RestartPolicy"]["Name"] == "unless-stopped"
    assert "no-new-privileges:true" in host_config["SecurityOpt"]
    assert host_config["CapDrop"] == ["ALL"]
    assert host_config["NanoCpus"] == 1_000_000_000
    assert host_config["Memory"] == 1024**3
    assert host_config["PidsLimit"] == 512
    assert host_config["LogConfig"]["Type"] == "json-file"
    assert host_config["LogConfig"]["Config"]["max-size"] == "10m"


def test_the_config_password_is_in_no_container_config(host, bot):
    # The bot (which needs it to decrypt its keys) reads it from a root-only file at start; `docker inspect`
    # (anyone in the docker group, any tool with the socket) never shows it.
    with host.sudo():
        password = host.check_output(f"cat /opt/hbot/.secrets/{bot.name}.password")
    config = bot.inspect()
    assert len(password) >= 16
    assert password not in json.dumps(config)
    assert "CONFIG_PASSWORD" not in json.dumps(config["Config"]["Env"])


def test_broker_has_no_published_port_and_only_an_internal_network(bot):
    broker = json.loads(bot.sudo("docker inspect hbot-mosquitto-1"))[0]
    assert not broker["HostConfig"]["PortBindings"]
    assert list(broker["NetworkSettings"]["Networks"]) == ["hbot_mqtt"]
    network = json.loads(bot.sudo("docker network inspect hbot_mqtt"))[0]
    assert network["Internal"] is True


def test_broker_is_hardened_and_limited(bot):
    """docker-bench 5.13 and 5.29 for the broker: read-only root, a process limit (docs/docker-bench.md)."""
    host_config = json.loads(bot.sudo("docker inspect hbot-mosquitto-1"))[0]["HostConfig"]
    assert host_config["ReadonlyRootfs"] is True
    assert host_config["PidsLimit"] == 64
    assert host_config["CapDrop"] == ["ALL"]
    assert "no-new-privileges:true" in host_config["SecurityOpt"]


def test_broker_healthcheck_is_a_real_mqtt_round_trip_that_passes(bot):
    """docker-bench 5.27: Docker runs the broker's check (mosquitto_sub on its loopback listener)."""
    deadline = time.monotonic() + 120
    while (
        status := bot.sudo("docker inspect -f '{{.State.Health.Status}}' hbot-mosquitto-1").strip()
    ) != "healthy":
        assert time.monotonic() < deadline, f"broker health: {status}"
        time.sleep(5)
    log = json.loads(bot.sudo("docker inspect -f '{{json .State.Health.Log}}' hbot-mosquitto-1"))
    # The last check's output is the broker's $SYS uptime ("N seconds"), read over MQTT.
    assert log and log[-1]["ExitCode"] == 0 and log[-1]["Output"].strip().endswith("seconds"), log[-1:]


def test_containers_on_the_default_bridge_cannot_reach_each_other(bot):
    """icc off (docker-bench 2.2): a server on docker0 answers the host but not a container beside it."""
    image = bot.sudo("docker inspect --format '{{.Config.Image}}' hbot-bot1").strip()
    on_bridge = f"--network bridge --entrypoint {PYTHON} {image}"
    fetch = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5); print('answered')"
    host = bot.host
    with host.sudo():
        host.run("docker rm -f hbot-icc-server")
        host.check_output(f"docker run -d --name hbot-icc-server {on_bridge} -m http.server 8000")
        try:
            address = host.check_output(
                "docker inspect --format '{{.NetworkSettings.IPAddress}}' hbot-icc-server"
            ).strip()
            url = f"http://{address}:8000/"
            deadline = time.monotonic() + 60
            while host.run(f'python3 -c "{fetch}" {url}').stdout.strip() != "answered":
                assert time.monotonic() < deadline, "the server on docker0 never answered the host"
                time.sleep(2)
            beside = host.run(f'docker run --rm {on_bridge} -c "{fetch}" {url}')
        finally:
            host.run("docker rm -f hbot-icc-server")
    assert beside.rc != 0 and "answered" not in beside.stdout, beside.stdout + beside.stderr


def test_dockers_own_files_are_audited_for_changes(host):
    """docker-bench 1.1.x: auditd watches Docker's binaries, units and config files (loaded on a VPS; a
    container has no audit subsystem, so here the rules file is what can be checked)."""
    with host.sudo():
        rules = host.file("/etc/audit/rules.d/91-hbot-docker.rules").content_string.splitlines()
    watched = [line.split()[1] for line in rules if line.startswith("-w ")]
    for path in (
        "/usr/sbin/dockerd",
        "/usr/bin/containerd",
        "/usr/sbin/runc",
        "/etc/containerd/config.toml",
        "/usr/lib/systemd/system/docker.service",
    ):
        assert path in watched, path
    assert all(line.endswith(" -p wa -k docker") for line in rules if line.startswith("-w "))
    # Nothing that is absent at boot, under Docker's storage, or already watched by the hardening role.
    assert not [path for path in watched if path.startswith(("/run/", "/var/lib/docker", "/etc/docker"))]


def mqtt_client(bot, script: str):
    """Mosquitto's own clients (`script`, a shell command) in a container of their own on the internal
    network, as monitoring connects."""
    image = bot.sudo("docker inspect --format '{{.Config.Image}}' hbot-mosquitto-1").strip()
    with bot.host.sudo():
        return bot.host.run(f"docker run --rm --network hbot_mqtt {image} sh -c {shlex.quote(script)}")


def bots_login(bot) -> str:
    """mosquitto_sub/pub options that log in with the bots' shared account, as conf_client.yml holds it."""
    client = bot.read("conf/conf_client.yml")
    password = next(ln.split(":", 1)[1].strip() for ln in client.splitlines() if "mqtt_password:" in ln)
    return f"-h mosquitto -u hbot -P {shlex.quote(password)}"


def test_broker_requires_a_password(bot):
    anonymous = mqtt_client(bot, "mosquitto_sub -h mosquitto -t 'hbot/#' -C 1 -W 3")
    assert anonymous.rc != 0
    assert "not authorised" in (anonymous.stdout + anonymous.stderr).lower()


# --- The bot really boots ----------------------------------------------------------------------


def test_password_login_succeeded(bot):
    """The official quickstart logs in with CONFIG_PASSWORD and starts the script (it logs no "login
    succeeded" of its own: a wrong password ends with "Invalid password." instead)."""
    log = bot.wait_for_log("logs/logs_hummingbot.log", "Starting script strategy: hbot_v2_controllers")
    assert "Invalid password" not in log


def test_plugin_controller_is_loaded_and_the_strategy_started(bot):
    bot.wait_for_log("logs/logs_hummingbot.log", "Strategy hbot_v2_controllers started successfully")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        health = json.loads(bot.read("logs/health.json"))
        if health.get("controllers"):
            break
        time.sleep(5)
    assert health["controllers"] == {"fixed_spread": "RUNNING"}


def test_unreachable_exchange_is_reported_not_crash_looped(bot):
    """No exchange is reachable here: the bot says so in its log and its health, and keeps running."""
    log = bot.wait_for_log("logs/logs_bot1.log", "EXCHANGE UNREACHABLE: binance not ready")
    assert "no orders are placed" in log
    health = json.loads(bot.read("logs/health.json"))
    assert health["ready"] is False
    assert health["connectors"]["binance"]["network"] != "CONNECTED"
    state = bot.inspect()["State"]
    assert state["Running"] is True
    assert bot.inspect()["RestartCount"] == 0
    probe = bot.sudo(f"docker exec hbot-bot1 {PYTHON} bin/hbot_healthcheck.py || true")
    assert probe.startswith("unhealthy: exchange unreachable"), probe


def test_bot_publishes_its_performance_over_mqtt(bot):
    """What monitoring reads: hbot/bot1/performance, with the controller in it."""
    received = mqtt_client(bot, f"mosquitto_sub {bots_login(bot)} -t hbot/bot1/performance -C 1 -W 60")
    assert received.rc == 0, received.stderr
    assert "fixed_spread" in json.loads(received.stdout)


def test_the_bot_answers_no_mqtt_command(bot):
    """Hummingbot's remote commands are off (hummingbot_mqtt_commands): asked for its status over MQTT with
    the bots' own account, as Hummingbot's RPC expects it, the bot stays silent. With the commands on, it
    answers within a second (checked by hand: `{"status": 400, "msg": "'HummingbotApplication' object has
    no attribute 'strategy'"}`), and the same account could send `stop` or `config` instead."""
    login = bots_login(bot)
    reply = "hbot/probe/reply"
    request = json.dumps({"header": {"reply_to": reply}, "data": {}})
    ask = f"mosquitto_pub {login} -q 1 -t hbot/bot1/status -m {shlex.quote(request)}"
    # Asked three times within the window, so that one request lost before the subscription is not a pass.
    asked = mqtt_client(bot, f"mosquitto_sub {login} -t {reply} -C 1 -W 10 & sleep 2; "
                             f"{ask}; sleep 2; {ask}; sleep 2; {ask}; wait $!")
    assert asked.stdout.strip() == "", f"the bot answered an MQTT command: {asked.stdout}"
    assert "Timed out" in asked.stderr, asked.stderr  # mosquitto_sub waited the whole 10 s, logged in
    assert bot.inspect()["State"]["Running"] is True


def test_errors_log_receives_stderr(bot):
    with bot.host.sudo():
        assert bot.host.file(f"{bot.dir}/logs/errors.log").exists


def test_logs_past_the_rotation_size_are_rotated_and_the_bot_writes_on(bot):
    """logs/ is bounded: past hummingbot_logs_rotate_size (50M), the hourly timer's run rotates each log
    into a compressed copy and empties it in place; the bot's own log handler writes on in the same file
    (O_APPEND: new lines start at the top, no hole of NUL bytes)."""
    log = f"{bot.dir}/logs/logs_{bot.name}.log"
    errors = f"{bot.dir}/logs/errors.log"
    bot.sudo(f"sh -c 'yes x | head -c 60M >> {log}; yes x | head -c 60M >> {errors}'")
    assert "active" in bot.sudo("systemctl is-active hbot-logrotate.timer")
    bot.sudo("systemctl start hbot-logrotate.service")
    listing = bot.sudo(f"ls {bot.dir}/logs")
    assert f"logs_{bot.name}.log.1.gz" in listing and "errors.log.1.gz" in listing, listing
    with bot.host.sudo():
        assert bot.host.file(errors).size < 1_000_000
        assert bot.host.file(log).size < 1_000_000
    # The bot's next lines land in the emptied file, from its start.
    deadline = time.monotonic() + 120
    while bot.sudo(f"stat -c %s {log}") == "0" and time.monotonic() < deadline:
        time.sleep(3)
    head = bot.sudo(f"head -c 200 {log}")
    assert head.startswith("20") and "\x00" not in head and "x\nx\n" not in head, head


def test_docker_stop_winds_the_bot_down_instead_of_killing_it(bot):
    """Under the official image's CMD a shell is PID 1 and ignores SIGTERM, so every stop would end in
    SIGKILL after the grace period with the orders still on the book. The role execs Hummingbot as PID 1
    and its V2 script stops the strategy (executors, open orders) and exits on SIGTERM."""
    assert bot.inspect()["State"]["Pid"] > 0
    assert bot.sudo(f"docker exec {bot.container} cat /proc/1/comm").strip().startswith("python")
    bot.sudo(f"docker stop {bot.container}")
    state = bot.inspect()["State"]
    assert state["ExitCode"] == 0, state  # 137: killed after the grace period
    stopping = "Stop signal: stopping the strategy and cancelling open orders"
    log = bot.wait_for_log("logs/logs_bot1.log", stopping)
    assert "stop command initiated" in log
    bot.sudo(f"docker start {bot.container}")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        with bot.host.sudo():
            probe = f"docker exec {bot.container} {PYTHON} bin/hbot_healthcheck.py --started"
            verdict = bot.host.run(probe).stdout
        if verdict.startswith("started:"):
            return
        time.sleep(5)
    pytest.fail(f"{bot.name} did not start again: {verdict}")


# --- A paper bot on the replayed market -------------------------------------------------------------

PAPER_FILLS = """
import json, sqlite3
c = sqlite3.connect('data/bot2.sqlite')
fills = c.execute(
    'SELECT f.market, f.trade_type, f.order_type, f.price, o.price'
    ' FROM TradeFill f JOIN "Order" o ON o.id = f.order_id'
).fetchall()
executors = c.execute('SELECT COUNT(*) FROM Executors').fetchone()[0]
print(json.dumps({"fills": fills, "executors": executors}))
"""


def test_the_paper_bot_trades_the_replayed_market_through_hummingbots_paper_engine(host):
    """bot2 paper-trades the flagship on a replay of recorded candles, with no keys: its connector is
    ready with trading rules, Hummingbot's paper engine fills its quotes at their own prices, and its
    own database records the fills (market binance_PaperTrade) and the finished executors."""
    paper = Bot(host, "bot2")
    paper.wait_for_log("logs/logs_hummingbot.log", "Paper trading on binance_paper_trade (replay market)")
    deadline = time.monotonic() + 600
    seen = {}
    while time.monotonic() < deadline:
        seen = json.loads(in_bot(paper, PAPER_FILLS))
        if {fill[1] for fill in seen["fills"]} == {"BUY", "SELL"} and seen["executors"] > 0:
            break
        time.sleep(10)
    assert {fill[1] for fill in seen["fills"]} == {"BUY", "SELL"}, seen
    assert seen["executors"] > 0, seen
    for market, _, order_type, fill_price, order_price in seen["fills"]:
        assert market == "binance_PaperTrade"
        if order_type == "LIMIT":  # a resting quote fills at its own price, never better
            assert fill_price == order_price
    health = json.loads(paper.read("logs/health.json"))
    assert health["connectors"]["binance_paper_trade"]["ready"] is True, health
    assert health["controllers"] == {"eth_btc_mm": "RUNNING"}
    with host.sudo():
        assert not host.file(f"{paper.dir}/conf/connectors/binance.yml").exists  # no keys for paper
        assert host.file(f"{paper.dir}/data/replay/candles.csv").mode == 0o644
