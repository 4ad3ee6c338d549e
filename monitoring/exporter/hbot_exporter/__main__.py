"""hbot-exporter: serve /metrics for every bot listed in the config file.

python -m hbot_exporter --config /etc/hbot-exporter/exporter.yml
python -m hbot_exporter --config exporter.yml --check-config   # validate and exit
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from . import __version__
from .collector import HbotCollector, build_sources
from .config import ConfigError, ExporterConfig, load_config
from .mqtt import MqttListener

LOG = logging.getLogger("hbot_exporter")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hbot-exporter", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", type=Path, required=True, help="YAML file listing the bots and the broker"
    )
    parser.add_argument("--listen-address", help="override listen_address")
    parser.add_argument("--listen-port", type=int, help="override listen_port")
    parser.add_argument("--mqtt-host", help="override mqtt.host")
    parser.add_argument("--mqtt-port", type=int, help="override mqtt.port")
    parser.add_argument("--check-config", action="store_true", help="validate the config and exit")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--version", action="version", version=__version__)
    return parser.parse_args(argv)


def apply_overrides(config: ExporterConfig, args: argparse.Namespace) -> ExporterConfig:
    from .config import parse_config

    data = config.model_dump(mode="json")
    if args.listen_address:
        data["listen_address"] = args.listen_address
    if args.listen_port is not None:
        data["listen_port"] = args.listen_port
    if args.mqtt_host:
        data["mqtt"]["host"] = args.mqtt_host
    if args.mqtt_port is not None:
        data["mqtt"]["port"] = args.mqtt_port
    return parse_config(data)


def build_registry(config: ExporterConfig) -> tuple[CollectorRegistry, MqttListener]:
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    mqtt = MqttListener(
        config.mqtt, {bot.mqtt_instance_id: bot.name for bot in config.bots}, config.max_label_values
    )
    registry.register(HbotCollector(config, build_sources(config), mqtt))
    return registry, mqtt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = apply_overrides(load_config(args.config), args)
    except ConfigError as error:
        print(f"hbot-exporter: {error}", file=sys.stderr)
        return 2
    if args.check_config:
        print(f"hbot-exporter: {args.config} is valid ({len(config.bots)} bots)")
        return 0
    registry, mqtt = build_registry(config)
    mqtt.start()
    server, thread = start_http_server(config.listen_port, config.listen_address, registry=registry)
    LOG.info(
        "serving /metrics on %s:%s for %d bots", config.listen_address, config.listen_port, len(config.bots)
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    LOG.info("stopping")
    server.shutdown()
    mqtt.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
