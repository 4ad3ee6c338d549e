"""Hummingbot-facing generic controllers (need hummingbot to import)."""
