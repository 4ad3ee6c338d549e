"""Whether a bot can trade, from its logs/health.json: a bot with no market still answers MQTT, so
this file (and its reason) is what the "cannot trade" alerts read."""

import json
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

sys.path[:0] = [
    str(Path(__file__).parent / "data"),
    str(Path(__file__).parents[2] / "monitoring" / "exporter"),
]

from hbot_exporter.collector import HbotCollector, build_sources  # noqa: E402
from hbot_exporter.config import parse_config  # noqa: E402
from hbot_exporter.health import parse_health, read_health  # noqa: E402

NOW = 10_000.0
HEALTH = {
    "updated": NOW - 3,
    "ready": False,
    "not_ready_since": NOW - 200,
    "connectors": {
        "binance_paper_trade": {"ready": False, "network": "CONNECTED", "waiting_for": ["market_feed_alive"]},
        "bitget": {"ready": False, "network": "NOT_CONNECTED", "waiting_for": []},
        "bybit": {"ready": True, "network": "CONNECTED", "waiting_for": []},
    },
    "controllers": {"mm": "RUNNING"},
    "quotes": {"mm": {"open_quotes": 0, "last_quote_at": NOW - 700}, "idle": {"open_quotes": 2}},
    "order_failures": 4,
    "insufficient_balance": 2,
}


def scrape(tmp_path, document) -> dict:
    (tmp_path / "logs").mkdir(exist_ok=True)
    if document is not None:
        (tmp_path / "logs" / "health.json").write_text(json.dumps(document))
    config = parse_config(
        {
            "mqtt": {"host": "127.0.0.1", "port": 1},
            "bots": [
                {
                    "name": "bot1",
                    "db_path": str(tmp_path / "bot1.sqlite"),
                    "errors_log_path": str(tmp_path / "logs" / "errors.log"),
                    "mqtt_instance_id": "bot1",
                    "limits": {"no_quote_seconds": 600},
                }
            ],
        }
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HbotCollector(config, build_sources(config), None, clock=lambda: NOW))
    samples = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            labels = {k: v for k, v in sample.labels.items() if k not in ("bot", "mode")}
            samples[(sample.name, tuple(sorted(labels.items())))] = sample.value
    return samples


def test_a_bot_that_cannot_trade_is_exported_with_its_reason(tmp_path):
    samples = scrape(tmp_path, HEALTH)
    assert samples[("hbot_exporter_health_up", ())] == 1
    assert samples[("hbot_health_age_seconds", ())] == 3
    assert samples[("hbot_not_ready_seconds", ())] == 200
    assert samples[("hbot_connector_ready", (("connector", "binance_paper_trade"),))] == 0
    assert samples[("hbot_connector_ready", (("connector", "bybit"),))] == 1
    not_ready = {
        labels: value for (name, labels), value in samples.items() if name == "hbot_connector_not_ready"
    }
    assert not_ready == {
        (("connector", "binance_paper_trade"), ("reason", "market_feed_alive")): 1,
        (("connector", "bitget"), ("reason", "network_NOT_CONNECTED")): 1,
    }
    assert samples[("hbot_controller_last_quote_age_seconds", (("controller", "mm"),))] == 700
    assert samples[("hbot_controller_open_quotes", (("controller", "idle"),))] == 2
    assert ("hbot_controller_last_quote_age_seconds", (("controller", "idle"),)) not in samples
    assert samples[("hbot_order_failures_total", ())] == 4
    assert samples[("hbot_insufficient_balance_total", ())] == 2
    assert samples[("hbot_limit_no_quote_seconds", ())] == 600


def test_a_ready_bot_has_no_not_ready_series(tmp_path):
    ready = {**HEALTH, "not_ready_since": None, "connectors": {"bybit": HEALTH["connectors"]["bybit"]}}
    samples = scrape(tmp_path, ready)
    assert samples[("hbot_not_ready_seconds", ())] == 0
    assert not any(name == "hbot_connector_not_ready" for name, _ in samples)


def test_a_missing_or_broken_file_marks_only_the_source_down(tmp_path):
    assert scrape(tmp_path, None)[("hbot_exporter_health_up", ())] == 0
    assert not read_health(tmp_path / "none.json").up
    (tmp_path / "bad.json").write_text("{not json")
    assert "unreadable" in read_health(tmp_path / "bad.json").error
    (tmp_path / "big.json").write_text(" " * (300 * 1024))
    assert "over" in read_health(tmp_path / "big.json").error


def test_malformed_values_are_dropped_not_guessed():
    snapshot = parse_health(
        {
            "updated": "yesterday",
            "not_ready_since": float("nan"),
            "connectors": {"x": "ready", "y": {"ready": "yes", "waiting_for": ["a", 3]}},
            "quotes": {"mm": {"open_quotes": -1, "last_quote_at": True}},
            "order_failures": "many",
        }
    )
    assert snapshot.updated is None and snapshot.not_ready_since is None
    assert list(snapshot.connectors) == ["y"] and snapshot.connectors["y"].ready is False
    assert snapshot.connectors["y"].reason == "a"
    assert snapshot.quotes["mm"].open_quotes == 0 and snapshot.quotes["mm"].last_quote_at is None
    assert snapshot.order_failures == 0
    assert not parse_health([1, 2]).up
