#!/usr/bin/env python
"""Stand-in for the official image's bin/hummingbot.py (not in PyPI's package), sandbox image only.

The real bin/hummingbot_quickstart.py imports two names from it: detect_available_port (Hummingbot's
own, re-exported) and UIStartListener, which starts the configured strategy once the terminal UI is
up. Headless bots never use the listener; it is here so the UI mode also works."""

import asyncio
from weakref import ref

import path_util  # noqa: F401
from hummingbot.core.event.event_listener import EventListener
from hummingbot.core.utils import detect_available_port  # noqa: F401


class UIStartListener(EventListener):
    def __init__(self, hummingbot_app, is_script=False, script_config=None, is_quickstart=False):
        super().__init__()
        self._app = ref(hummingbot_app)
        self._is_script, self._script_config, self._is_quickstart = is_script, script_config, is_quickstart

    def __call__(self, _):
        asyncio.create_task(self._start())

    async def _start(self):
        app = self._app()
        if app is None or app.strategy_name is None:
            return
        app.start(
            log_level=app.client_config_map.log_level,
            script=app.strategy_name if self._is_script else None,
            conf=self._script_config,
            is_quickstart=self._is_quickstart,
        )
