"""Strategy plugin system: pluggy hookspecs, one plugin manager, the strategy registry.

Its command line is controllers.cli; nothing here imports it or controllers.analysis.

Pure Python (no Hummingbot import), so the operator side can list and validate strategies on any host.
"""
