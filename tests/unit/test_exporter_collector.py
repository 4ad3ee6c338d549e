"""The collector keeps serving when a source reader itself breaks, and reports that source down."""

import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

sys.path[:0] = [
    str(Path(__file__).parent / "data"),
    str(Path(__file__).parents[2] / "monitoring" / "exporter"),
]

from exporter_fixtures import create_bot_db, sample_trading_day  # noqa: E402
from hbot_exporter.collector import HbotCollector, build_sources  # noqa: E402
from hbot_exporter.config import parse_config  # noqa: E402
from hbot_exporter.mqtt import MqttListener  # noqa: E402


def scrape(registry) -> dict[tuple[str, tuple], float]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_broken_reader_costs_only_its_bot(tmp_path, monkeypatch, caplog):
    for bot in ("good", "broken"):
        connection = create_bot_db(tmp_path / f"{bot}.sqlite")
        sample_trading_day(connection)
        connection.close()
    config = parse_config(
        {
            "mqtt": {"host": "127.0.0.1", "port": 1},  # never started: the broker counts as down
            "bots": [
                {
                    "name": bot,
                    "db_path": str(tmp_path / f"{bot}.sqlite"),
                    "errors_log_path": str(tmp_path / f"{bot}.log"),
                    "mqtt_instance_id": bot,
                }
                for bot in ("good", "broken")
            ],
        }
    )
    sources = build_sources(config)

    def explode():
        raise RuntimeError("reader bug")

    monkeypatch.setattr(sources[1].database, "refresh", explode)
    listener = MqttListener(config.mqtt, {"good": "good", "broken": "broken"}, config.max_label_values)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HbotCollector(config, sources, listener))
    samples = scrape(registry)
    assert samples[("hbot_exporter_db_up", (("bot", "good"),))] == 1
    assert samples[("hbot_exporter_db_up", (("bot", "broken"),))] == 0
    assert samples[("hbot_fills_total", (("bot", "good"), ("pair", "BTC-USDT"), ("side", "buy")))] == 2
    assert not any(name == "hbot_fills_total" and ("bot", "broken") in labels for name, labels in samples)
    assert samples[("hbot_exporter_mqtt_broker_up", ())] == 0
    assert "reader bug" in caplog.text
    # The state change is logged once, not on every scrape.
    caplog.clear()
    scrape(registry)
    assert "is down" not in caplog.text
