"""The performance payload as the project's V2 runner publishes it, parsed without a broker.

PerformanceReport (Hummingbot 2.12) has no count of active executors and the controllers'
custom_info has none, so the runner reports `open_executors` and `status` beside them.
"""

import json
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

sys.path[:0] = [str(Path(__file__).parents[2] / "monitoring" / "exporter")]

from hbot_exporter.collector import HbotCollector, build_sources  # noqa: E402
from hbot_exporter.config import parse_config  # noqa: E402
from hbot_exporter.labels import LabelGuard  # noqa: E402
from hbot_exporter.mqtt import MqttListener, parse_performance  # noqa: E402

# The keys hbot_v2_controllers.py publishes per controller (values as PerformanceReport.dict() gives).
RUNNER_REPORT = {
    "mm1": {
        "performance": {
            "realized_pnl_quote": "0.4",
            "unrealized_pnl_quote": "-0.1",
            "global_pnl_quote": "0.3",
            "global_pnl_pct": "0.03",
            "volume_traded": "120",
            "positions_summary": [],
            "close_type_counts": {"CloseType.TAKE_PROFIT": 3},
        },
        "custom_info": {"reference_price": 2000.0, "killed": False},
        "status": "RUNNING",
        "open_executors": 4,
    }
}


def parsed(report: dict) -> dict:
    return parse_performance(report, LabelGuard(50))


def test_report_level_open_executors_and_status_are_read():
    state = parsed(RUNNER_REPORT)["mm1"]
    assert state.custom["open_executors"] == 4
    assert state.custom["running"] == 1.0
    assert state.performance["global_pnl_quote"] == 0.3


def test_a_stopped_controller_reports_not_running():
    report = {"mm1": {**RUNNER_REPORT["mm1"], "status": "TERMINATED", "open_executors": 0}}
    state = parsed(report)["mm1"]
    assert state.custom["running"] == 0.0
    assert state.custom["open_executors"] == 0


def test_custom_info_count_is_the_fallback_and_the_report_level_value_wins():
    only_custom = {"mm1": {"performance": {}, "custom_info": {"open_executors": 2}}}
    assert parsed(only_custom)["mm1"].custom["open_executors"] == 2
    both = {"mm1": {"performance": {}, "custom_info": {"open_executors": 2}, "open_executors": 5}}
    assert parsed(both)["mm1"].custom["open_executors"] == 5


@pytest.mark.parametrize("bad", [-1, "many", None, float("nan")])
def test_a_count_that_is_not_a_non_negative_number_is_left_out(bad):
    state = parsed({"mm1": {"performance": {}, "custom_info": {}, "open_executors": bad}})["mm1"]
    assert "open_executors" not in state.custom
    assert "running" not in state.custom  # no status said: no running gauge rather than a guess


def test_the_scrape_exports_open_executors_and_running(tmp_path):

    config = parse_config(
        {
            "mqtt": {"host": "127.0.0.1", "port": 1},  # never connected; payloads are handed in directly
            "bots": [
                {
                    "name": "bot1",
                    "db_path": str(tmp_path / "bot1.sqlite"),
                    "errors_log_path": str(tmp_path / "errors.log"),
                    "mqtt_instance_id": "bot1",
                }
            ],
        }
    )
    now = [1_000.0]
    listener = MqttListener(config.mqtt, {"bot1": "bot1"}, config.max_label_values, clock=lambda: now[0])
    listener.handle("bot1", "performance", json.dumps(RUNNER_REPORT).encode())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HbotCollector(config, build_sources(config), listener, clock=lambda: now[0]))
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    labels = (("bot", "bot1"), ("controller", "mm1"), ("mode", "live"))
    assert samples[("hbot_controller_open_executors", labels)] == 4
    assert samples[("hbot_controller_running", labels)] == 1
