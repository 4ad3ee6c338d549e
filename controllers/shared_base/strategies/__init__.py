"""Pure per-strategy parameters and signal math (no Hummingbot), one module per built-in strategy."""
