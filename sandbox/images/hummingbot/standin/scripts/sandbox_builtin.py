"""Stand-in for the official image's built-in scripts (PyPI's package carries none), sandbox image
only. The bots role copies an image's built-ins into each bot's scripts/ folder; this file is what
the sandbox proves that copy with."""
