"""The collector keeps serving when a source reader itself breaks, and reports that source down."""

import sys
from pathlib import Path

import pytest
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


def scrape(registry, modes=None) -> dict[tuple[str, tuple], float]:
    """Samples by name and labels; every series of a bot must carry its mode (live unless `modes` says)."""
    text = generate_latest(registry).decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = dict(sample.labels)
            if "bot" in labels:
                assert labels.pop("mode") == (modes or {}).get(labels["bot"], "live"), sample
            samples[(sample.name, tuple(sorted(labels.items())))] = sample.value
    return samples


def trading_bots(tmp_path, bots: dict[str, dict]):
    """An exporter config for these bots (name -> extra fields), each with a day of trades in its
    database; the broker is never started, so it counts as down."""
    for bot in bots:
        connection = create_bot_db(tmp_path / f"{bot}.sqlite")
        sample_trading_day(connection)
        connection.close()
    return parse_config(
        {
            "mqtt": {"host": "127.0.0.1", "port": 1},
            "bots": [
                {
                    "name": bot,
                    "db_path": str(tmp_path / f"{bot}.sqlite"),
                    "errors_log_path": str(tmp_path / f"{bot}.log"),
                    "mqtt_instance_id": bot,
                    **extra,
                }
                for bot, extra in bots.items()
            ],
        }
    )


def test_a_broken_reader_costs_only_its_bot(tmp_path, monkeypatch, caplog):
    config = trading_bots(tmp_path, {"good": {}, "broken": {}})
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
    assert (
        samples[
            (
                "hbot_fills_total",
                (("bot", "good"), ("market", "bitget"), ("pair", "BTC-USDT"), ("side", "buy")),
            )
        ]
        == 2
    )
    assert not any(name == "hbot_fills_total" and ("bot", "broken") in labels for name, labels in samples)
    assert samples[("hbot_exporter_mqtt_broker_up", ())] == 0
    assert "reader bug" in caplog.text
    # The state change is logged once, not on every scrape.
    caplog.clear()
    scrape(registry)
    assert "is down" not in caplog.text


def test_a_paper_bot_says_so_on_every_series(tmp_path):
    """Paper PnL can never pass for real money: each bot's series carry its mode from the config."""
    config = trading_bots(tmp_path, {"real": {}, "practice": {"mode": "paper"}})
    listener = MqttListener(config.mqtt, {"real": "real", "practice": "practice"}, config.max_label_values)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HbotCollector(config, build_sources(config), listener))
    samples = scrape(registry, modes={"practice": "paper"})  # asserts the mode of every bot series
    fills = ("market", "bitget"), ("pair", "BTC-USDT"), ("side", "buy")
    assert samples[("hbot_fills_total", (("bot", "practice"), *fills))] == 2
    assert samples[("hbot_fills_total", (("bot", "real"), *fills))] == 2
    with pytest.raises(Exception, match="mode"):
        trading_bots(tmp_path, {"x": {"mode": "demo"}})
