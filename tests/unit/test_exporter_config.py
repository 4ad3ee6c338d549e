"""Exporter config validation: every bad input is refused with the field named."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EXPORTER_DIR = Path(__file__).parents[2] / "monitoring" / "exporter"
sys.path.insert(0, str(EXPORTER_DIR))

from hbot_exporter.config import ConfigError, load_config, parse_config  # noqa: E402

EXAMPLE = EXPORTER_DIR / "exporter.example.yml"


def valid() -> dict:
    return {
        "mqtt": {"host": "mosquitto"},
        "bots": [
            {
                "name": "bot1",
                "db_path": "/opt/hbot/bot1/data/a.sqlite",
                "errors_log_path": "/opt/hbot/bot1/logs/errors.log",
                "mqtt_instance_id": "bot1",
            },
            {
                "name": "bot2",
                "db_path": "/opt/hbot/bot2/data/a.sqlite",
                "errors_log_path": "/opt/hbot/bot2/logs/errors.log",
                "mqtt_instance_id": "bot2",
            },
        ],
    }


def test_the_shipped_example_is_valid():
    config = load_config(EXAMPLE)
    assert [bot.name for bot in config.bots] == ["bot1"]
    assert config.bots[0].limits.max_inventory_base == {"BTC-USDT": 0.01}


def broken(change) -> dict:
    data = valid()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["bots"][1].pop("db_path"), "bots[1].db_path"),
        (lambda d: d["bots"][0].update(db_path="data/a.sqlite"), "bots[0].db_path"),
        (lambda d: d["bots"][1].update(name="bot1"), "bots[1].name"),
        (lambda d: d["bots"][1].update(mqtt_instance_id="bot1"), "bots[1].mqtt_instance_id"),
        (lambda d: d["bots"][1].update(db_path="/opt/hbot/bot1/data/a.sqlite"), "bots[1].db_path"),
        (lambda d: d["bots"][0].update(name="../etc"), "bots[0].name"),
        (lambda d: d["bots"][0].update(mqtt_instance_id="bot/#"), "bots[0].mqtt_instance_id"),
        (lambda d: d["bots"][0].update(limits={"no_fill_seconds": 0}), "bots[0].limits.no_fill_seconds"),
        (
            lambda d: d["bots"][0].update(limits={"max_drawdown_quote": -1}),
            "bots[0].limits.max_drawdown_quote",
        ),
        (lambda d: d.update(listen_port=70000), "listen_port"),
        (lambda d: d.update(max_rows_per_scrape=1), "max_rows_per_scrape"),
        (lambda d: d.update(bots=[]), "bots"),
        (lambda d: d.pop("mqtt"), "mqtt"),
        (lambda d: d["mqtt"].update(password="secret"), "mqtt: username is required"),
        (lambda d: d["mqtt"].update(max_payload_bytes=10), "mqtt.max_payload_bytes"),
        (lambda d: d.update(scrape_everything=True), "scrape_everything"),
    ],
)
def test_bad_config_names_the_field(change, field):
    with pytest.raises(ConfigError) as error:
        parse_config(broken(change))
    assert field in str(error.value)


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError, match="mapping"):
        parse_config(["bots"])


def test_password_comes_from_a_file_or_the_environment(tmp_path, monkeypatch):
    secret = tmp_path / "mqtt_password"
    secret.write_text("s3cret\n")
    data = valid()
    data["mqtt"].update(username="exporter", password_file=str(secret))
    assert parse_config(data).mqtt.resolved_password() == "s3cret"
    monkeypatch.setenv("HBOT_EXPORTER_MQTT_PASSWORD", "from-env")
    data["mqtt"].pop("password_file")
    assert parse_config(data).mqtt.resolved_password() == "from-env"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hbot_exporter", *args],
        capture_output=True,
        text=True,
        cwd=EXPORTER_DIR,
        timeout=60,
    )


def test_check_config_cli(tmp_path):
    assert run_cli("--config", str(EXAMPLE), "--check-config").returncode == 0
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(broken(lambda d: d["bots"][0].pop("errors_log_path"))))
    result = run_cli("--config", str(bad), "--check-config")
    assert result.returncode == 2
    assert "bots[0].errors_log_path: Field required" in result.stderr
    result = run_cli("--config", str(tmp_path / "absent.yml"), "--check-config")
    assert result.returncode == 2 and "cannot read exporter config" in result.stderr
