"""Hummingbot-facing directional trading controllers (need hummingbot to import)."""
