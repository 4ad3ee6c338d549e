"""Performance analysis: backtests in Hummingbot's engine, the project's own metrics, reports, comparisons.

Only `engine.py` (and what imports it) needs Hummingbot; candles, fingerprint, metrics and the
backtest gate are pure and run on the operator side (Python 3.11, no Hummingbot, no pandas).
"""
