"""The one shared controller base, shipped into every bot as this single folder.

Everything here is pure Python (no Hummingbot import) except `adapter.py`, which is the thin bridge
to Hummingbot's controller classes and is only imported inside a bot or the backtester.
"""
