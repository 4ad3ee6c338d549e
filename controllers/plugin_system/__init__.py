"""Strategy plugin system: pluggy hookspecs, one plugin manager, the strategy registry and its CLI.

Pure Python (no Hummingbot import), so the operator side can list and validate strategies on any host.
"""
