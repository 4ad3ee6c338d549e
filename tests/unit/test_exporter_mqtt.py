"""The exporter against a real Mosquitto broker on loopback, and the full scrape it serves."""

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

sys.path[:0] = [
    str(Path(__file__).parent / "data"),
    str(Path(__file__).parents[2] / "monitoring" / "exporter"),
]

from exporter_fixtures import EXPORTER_DIR, create_bot_db, sample_trading_day  # noqa: E402
from hbot_exporter.collector import HbotCollector, build_sources  # noqa: E402
from hbot_exporter.config import parse_config  # noqa: E402
from hbot_exporter.mqtt import MqttListener  # noqa: E402

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
pytestmark = pytest.mark.skipif(
    not Path(MOSQUITTO).exists(), reason="mosquitto is not installed (apt-get install mosquitto)"
)
ALLOWED_LABELS = {"bot", "mode", "controller", "market", "pair", "side"}
ORDER_STATUSES = {"created", "filled", "completed", "cancelled", "failed", "expired", "other"}
PERFORMANCE = {
    "pmm_btc": {
        "performance": {
            "realized_pnl_quote": "1.25",
            "unrealized_pnl_quote": -0.5,
            "global_pnl_quote": 0.75,
            "global_pnl_pct": 0.0075,
            "volume_traded": "320.5",
            "positions_summary": [],
            "close_type_counts": {},
        },
        "custom_info": {
            "reference_price": 100.0,
            "buy_prices": [99.5, 99.0],
            "sell_prices": [100.4, 101.0],
            "spread_floor": 0.002,
            "inventory_ratio": -0.4,
            "skew": 0.001,
            "quote_buy": True,
            "quote_sell": False,
            "buy_unfunded": True,
            "sell_unfunded": False,
            "flatten_quote": 0.0,
            "unwind_base": 0.25,
            "killed": False,
            "net_delta_base": 0.05,
            "hedge_position_base": -1.2,
            "hedge_pnl_quote": "3.5",
            "funding_paid_quote": -0.25,
            "reasons": ["sell side paused"],
            "kill_reason": "",
        },
    }
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    def __init__(self, tmp_path: Path, port: int):
        self.port = port
        self.config = tmp_path / "mosquitto.conf"
        self.config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> "Broker":
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path, free_port()).start()
    yield broker
    broker.stop()


@contextlib.contextmanager
def publisher(port: int) -> Iterator[paho.Client]:
    """A fake bot's MQTT client, connected for the `with` block."""
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="fake-bot")
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        yield client
    finally:
        client.disconnect()


def publish(client: paho.Client, topic: str, payload) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    client.publish(topic, data, qos=1).wait_for_publish(timeout=5)


def bot_reports_heartbeat_and_performance(port: int, listener) -> None:
    """A bot's heartbeat and one performance report, received by the exporter's listener."""
    with publisher(port) as bot:
        publish(bot, "hbot/inst1/hb", {"ts": 1})
        publish(bot, "hbot/inst1/performance", PERFORMANCE)
        wait_for(lambda: listener.snapshot()["bot1"].last_performance is not None)


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_100.0

    def __call__(self) -> float:
        return self.now


def make_config(tmp_path: Path, port: int, **extra) -> dict:
    return {
        "mqtt": {"host": "127.0.0.1", "port": port, "client_id": f"exporter-{port}"},
        "bots": [
            {
                "name": "bot1",
                "db_path": str(tmp_path / "bot1.sqlite"),
                "errors_log_path": str(tmp_path / "errors.log"),
                "mqtt_instance_id": "inst1",
                "limits": {"max_drawdown_quote": 5, "max_inventory_base": {"BTC-USDT": 0.3}},
            }
        ],
        **extra,
    }


@pytest.fixture
def exporter(tmp_path, broker):
    """A started listener, the collector on a registry and a fake clock, against the sample database."""
    connection = create_bot_db(tmp_path / "bot1.sqlite")
    sample_trading_day(connection)
    connection.close()
    (tmp_path / "errors.log").write_text("boom\nbang\n")
    config = parse_config(make_config(tmp_path, broker.port))
    clock = Clock()
    listener = MqttListener(config.mqtt, {"inst1": "bot1"}, config.max_label_values, clock=clock)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HbotCollector(config, build_sources(config), listener, clock=clock))
    listener.start()
    wait_for(lambda: listener.connected)
    yield listener, registry, clock
    listener.stop()


def scrape(registry) -> dict[tuple[str, frozenset], float]:
    samples = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            labels = dict(sample.labels)
            if "bot" in labels:  # every series of a bot says whose money it is
                assert labels.pop("mode") == "live", sample
            samples[(sample.name, frozenset(labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples[(name, frozenset(labels.items()))]


def scraped_after(exporter, broker, seconds: float) -> dict[tuple[str, frozenset], float]:
    """A scrape `seconds` after the bot's heartbeat and performance report reached the exporter."""
    listener, registry, clock = exporter
    bot_reports_heartbeat_and_performance(broker.port, listener)
    clock.now += seconds
    return scrape(registry)


def test_scrape_reports_every_source_with_hand_computed_values(exporter, broker):
    samples = scraped_after(exporter, broker, 5)
    assert value(samples, "hbot_up", bot="bot1") == 1
    assert value(samples, "hbot_heartbeat_age_seconds", bot="bot1") == 5
    for source in ("db", "mqtt", "errors_log"):
        assert value(samples, f"hbot_exporter_{source}_up", bot="bot1") == 1
    assert value(samples, "hbot_exporter_mqtt_broker_up") == 1
    # Trade database (see exporter_fixtures for the hand computation).
    assert value(samples, "hbot_fills_total", bot="bot1", market="bitget", pair="BTC-USDT", side="buy") == 2
    assert (
        value(
            samples, "hbot_fill_volume_quote_total", bot="bot1", market="bitget", pair="BTC-USDT", side="buy"
        )
        == 75.5
    )
    assert (
        value(
            samples, "hbot_fill_fees_quote_total", bot="bot1", market="bitget", pair="BTC-USDT", side="sell"
        )
        == 0.042
    )
    assert value(
        samples, "hbot_inventory_base", bot="bot1", market="bitget", pair="BTC-USDT"
    ) == pytest.approx(0.35)
    assert value(samples, "hbot_last_fill_age_seconds", bot="bot1") == pytest.approx(100.0)
    assert value(samples, "hbot_orders_open", bot="bot1", pair="ETH-USDT", side="buy") == 1
    assert (
        value(samples, "hbot_orders_total", bot="bot1", pair="ETH-USDT", side="sell", status="cancelled") == 1
    )
    assert value(samples, "hbot_executors_open", bot="bot1", controller="pmm_btc", pair="BTC-USDT") == 1
    assert (
        value(samples, "hbot_executor_realized_pnl_quote", bot="bot1", controller="pmm_btc", pair="BTC-USDT")
        == 1
    )
    assert value(samples, "hbot_errors_log_lines_total", bot="bot1") == 2
    # Live controller state from MQTT.
    controller = {"bot": "bot1", "controller": "pmm_btc"}
    assert value(samples, "hbot_controller_realized_pnl_quote", **controller) == 1.25
    assert value(samples, "hbot_controller_global_pnl_quote", **controller) == 0.75
    assert value(samples, "hbot_controller_volume_traded_quote", **controller) == 320.5
    assert value(samples, "hbot_controller_inventory_ratio", **controller) == -0.4
    assert value(samples, "hbot_controller_killed", **controller) == 0
    assert value(samples, "hbot_controller_flatten_unwind_base", **controller) == 0.25
    assert value(samples, "hbot_controller_net_delta_base", **controller) == 0.05
    assert value(samples, "hbot_controller_hedge_position_base", **controller) == -1.2
    assert value(samples, "hbot_controller_hedge_pnl_quote", **controller) == 3.5
    assert value(samples, "hbot_controller_funding_paid_quote", **controller) == -0.25
    assert value(samples, "hbot_controller_quoting", side="buy", **controller) == 1
    assert value(samples, "hbot_controller_quoting", side="sell", **controller) == 0
    assert value(samples, "hbot_controller_side_unfunded", side="buy", **controller) == 1
    assert value(samples, "hbot_controller_side_unfunded", side="sell", **controller) == 0
    assert value(samples, "hbot_controller_quote_spread_ratio", side="buy", **controller) == pytest.approx(
        0.005
    )
    assert value(samples, "hbot_limit_max_drawdown_quote", bot="bot1") == 5
    assert value(samples, "hbot_limit_max_inventory_base", bot="bot1", pair="BTC-USDT") == 0.3
    assert value(samples, "hbot_exporter_scrape_duration_seconds") > 0


def test_labels_stay_within_bot_controller_market_pair_side(exporter, broker):
    listener, registry, _ = exporter
    with publisher(broker.port) as bot:
        publish(bot, "hbot/inst1/performance", PERFORMANCE)
        wait_for(lambda: listener.snapshot()["bot1"].controllers)
    for (name, labels), _ in scrape(registry).items():
        if not name.startswith("hbot_"):
            continue
        names = {label for label, _ in labels}
        if name == "hbot_orders_total":  # the one extra label: a fixed set of order states
            assert dict(labels)["status"] in ORDER_STATUSES
            names.discard("status")
        assert names <= ALLOWED_LABELS, name


def test_heartbeat_missing_marks_the_bot_down_and_stale_pnl_disappears(exporter, broker):
    _, registry, clock = exporter
    samples = scraped_after(exporter, broker, 31)
    assert value(samples, "hbot_up", bot="bot1") == 0
    assert value(samples, "hbot_heartbeat_age_seconds", bot="bot1") == 31
    assert (
        "hbot_controller_global_pnl_quote",
        frozenset({"bot": "bot1", "controller": "pmm_btc"}.items()),
    ) in samples
    clock.now += 300
    assert not any(name.startswith("hbot_controller_") for name, _ in scrape(registry))


def test_never_seen_bot_has_infinite_heartbeat_age(exporter):
    _, registry, _ = exporter
    samples = scrape(registry)
    assert value(samples, "hbot_up", bot="bot1") == 0
    assert value(samples, "hbot_heartbeat_age_seconds", bot="bot1") == float("inf")


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"\xff\xfe",
        json.dumps(["a", "list"]).encode(),
        json.dumps({"pmm": "text"}).encode(),
        json.dumps({"pmm": {"performance": [1, 2]}}).encode(),
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=[
        "broken-json",
        "not-utf8",
        "list",
        "report-not-object",
        "performance-not-object",
        "oversized-nesting",
    ],
)
def test_malformed_performance_payload_is_counted_and_marks_mqtt_down(exporter, broker, payload):
    listener, registry, _ = exporter
    with publisher(broker.port) as bot:
        publish(bot, "hbot/inst1/performance", payload)
        wait_for(lambda: listener.snapshot()["bot1"].rejected_total == 1)
        samples = scrape(registry)
        assert value(samples, "hbot_exporter_mqtt_up", bot="bot1") == 0
        assert value(samples, "hbot_exporter_mqtt_rejected_messages_total", bot="bot1") == 1
        publish(bot, "hbot/inst1/performance", PERFORMANCE)
        wait_for(lambda: listener.snapshot()["bot1"].last_message_ok)
        assert value(scrape(registry), "hbot_exporter_mqtt_up", bot="bot1") == 1


def test_oversized_payload_is_refused_without_parsing(exporter, broker):
    listener, registry, _ = exporter
    huge = json.dumps(
        {"pmm_btc": {"performance": {"global_pnl_quote": 1}, "custom_info": {"x": "y" * 70_000}}}
    )
    with publisher(broker.port) as bot:
        publish(bot, "hbot/inst1/performance", huge.encode())
        wait_for(lambda: listener.snapshot()["bot1"].rejected_total == 1)
    assert listener.snapshot()["bot1"].controllers == {}
    assert value(scrape(registry), "hbot_exporter_mqtt_up", bot="bot1") == 0


def test_stopped_strategy_removes_its_controllers(exporter, broker):
    listener, registry, _ = exporter
    with publisher(broker.port) as bot:
        publish(bot, "hbot/inst1/performance", PERFORMANCE)
        wait_for(lambda: listener.snapshot()["bot1"].controllers)
        publish(bot, "hbot/inst1/performance", {"pmm_btc": {}})  # what on_stop publishes
        wait_for(lambda: not listener.snapshot()["bot1"].controllers)
    assert not any(name.startswith("hbot_controller_") for name, _ in scrape(registry))


def test_broker_down_then_back(tmp_path):
    port = free_port()
    config = parse_config(make_config(tmp_path, port, heartbeat_timeout_seconds=30))
    listener = MqttListener(config.mqtt, {"inst1": "bot1"}, config.max_label_values)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HbotCollector(config, build_sources(config), listener))
    listener.start()
    broker = Broker(tmp_path, port)
    try:
        done = threading.Event()
        results = []
        threading.Thread(target=lambda: (results.append(scrape(registry)), done.set()), daemon=True).start()
        assert done.wait(10), "a scrape blocked while the broker was down"
        samples = results[0]
        assert value(samples, "hbot_exporter_mqtt_broker_up") == 0
        assert value(samples, "hbot_exporter_mqtt_up", bot="bot1") == 0
        assert value(samples, "hbot_exporter_db_up", bot="bot1") == 0  # no database either
        assert value(samples, "hbot_exporter_errors_log_up", bot="bot1") == 0
        assert value(samples, "hbot_up", bot="bot1") == 0
        broker.start()
        wait_for(lambda: listener.connected, timeout=45)  # paho's reconnect backoff is capped at 30 s
        with publisher(port) as bot:
            publish(bot, "hbot/inst1/hb", {"ts": 1})
            wait_for(lambda: listener.snapshot()["bot1"].last_heartbeat is not None)
        samples = scrape(registry)
        assert value(samples, "hbot_exporter_mqtt_broker_up") == 1
        assert value(samples, "hbot_up", bot="bot1") == 1
    finally:
        listener.stop()
        broker.stop()


def test_exporter_process_serves_metrics(tmp_path, broker):
    connection = create_bot_db(tmp_path / "bot1.sqlite")
    sample_trading_day(connection)
    connection.close()
    port = free_port()
    config = make_config(tmp_path, broker.port, listen_port=port)
    config_path = tmp_path / "exporter.yml"
    config_path.write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [sys.executable, "-m", "hbot_exporter", "--config", str(config_path)],
        cwd=EXPORTER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "hbot_fills_total" not in body:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            except OSError:
                time.sleep(0.1)
        assert (
            'hbot_fills_total{bot="bot1",market="bitget",mode="live",pair="BTC-USDT",side="buy"} 2.0' in body
        )
        assert 'hbot_exporter_errors_log_up{bot="bot1",mode="live"} 0.0' in body  # no errors.log in this test
        assert "process_resident_memory_bytes" in body
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert process.returncode == 0, output
    assert "errors.log is down" in output


def test_an_execution_algorithms_progress_and_cost_are_exported(exporter, broker):
    """What the shared execution base reports (controllers/shared_base/strategies/execution_algos.py)."""
    listener, registry, _ = exporter
    report = {
        "twap_eth": {
            "status": "RUNNING",
            "performance": {},
            "custom_info": {
                "phase": "working",
                "completion": 0.5,
                "working_base": "0.01",
                "shortfall_bps": 12.5,
                "vwap_slippage_bps": -3.0,
                "held_position_orders": [{"amount": "1"}],  # not a scalar: never a series
            },
        }
    }
    with publisher(broker.port) as bot:
        publish(bot, "hbot/inst1/performance", report)
        wait_for(lambda: "twap_eth" in listener.snapshot()["bot1"].controllers)
    samples = scrape(registry)
    controller = {"bot": "bot1", "controller": "twap_eth"}
    assert value(samples, "hbot_controller_execution_completion_ratio", **controller) == 0.5
    assert value(samples, "hbot_controller_execution_working_base", **controller) == 0.01
    assert value(samples, "hbot_controller_execution_shortfall_bps", **controller) == 12.5
    assert value(samples, "hbot_controller_execution_vwap_slippage_bps", **controller) == -3.0
