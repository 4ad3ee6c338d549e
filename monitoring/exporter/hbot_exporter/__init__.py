"""Prometheus exporter for Hummingbot bots: trade databases, MQTT bridge and errors.log, one per host."""

__version__ = "0.1.0"
