"""Reference controllers used only as yardsticks by the Hummingbot runtime tests and benchmarks."""
