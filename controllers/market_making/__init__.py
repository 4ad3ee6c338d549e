"""Hummingbot-facing market making controllers (need hummingbot to import)."""
