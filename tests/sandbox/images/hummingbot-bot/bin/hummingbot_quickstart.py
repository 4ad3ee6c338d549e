#!/usr/bin/env python
"""Start Hummingbot the way the official image's bin/hummingbot_quickstart.py does, without conda.

Same flags and environment (flags win over environment):
  --config-file-name/-f  CONFIG_FILE_NAME   script in scripts/ (or strategy YAML in conf/strategies/)
  --script-conf/-c       SCRIPT_CONFIG      the script's config in conf/scripts/
  --config-password/-p   CONFIG_PASSWORD    unlocks conf/.password_verification and the connector keys
  --headless             HEADLESS_MODE=true no terminal UI; the MQTT bridge is the remote control
Without a password it asks for one, as the official image does. PyPI's package has no bin/hummingbot.py
or path_util, so this file is self-contained; everything it runs is Hummingbot's own code.
"""

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys

from hummingbot import init_logging
from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger
from hummingbot.client.config.config_helpers import (
    create_yml_files_legacy,
    load_client_config_map_from_file,
    load_strategy_config_map_from_file,
    read_system_configs_from_yml,
)
from hummingbot.client.config.security import Security
from hummingbot.client.hummingbot_application import HummingbotApplication
from hummingbot.client.settings import (
    SCRIPT_STRATEGIES_PATH,
    SCRIPT_STRATEGY_CONF_DIR_PATH,
    STRATEGIES_CONF_DIR_PATH,
    AllConnectorSettings,
)
from hummingbot.core.event.event_listener import EventListener
from hummingbot.core.event.events import HummingbotUIEvent


def log() -> logging.Logger:
    """Fetched after init_logging: its dictConfig disables loggers that existed before it ran."""
    logger = logging.getLogger("hummingbot.hbot_quickstart")
    logger.disabled = False
    return logger


STOP_TIMEOUT = 20  # seconds to cancel orders on SIGTERM; compose's stop_grace_period is longer
ENV = {
    "config_file_name": "CONFIG_FILE_NAME",
    "script_conf": "SCRIPT_CONFIG",
    "config_password": "CONFIG_PASSWORD",
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config-file-name", "-f", help="script in scripts/ or strategy YAML in conf/strategies/"
    )
    parser.add_argument("--script-conf", "-c", help="script config in conf/scripts/")
    parser.add_argument("--config-password", "-p", help="password that unlocks the encrypted configs")
    parser.add_argument(
        "--headless", type=bool, nargs="?", const=True, default=None, help="run without the UI"
    )
    args = parser.parse_args(argv)
    for attribute, variable in ENV.items():
        if getattr(args, attribute) is None and os.environ.get(variable):
            setattr(args, attribute, os.environ[variable])
    if args.headless is None and os.environ.get("HEADLESS_MODE"):
        args.headless = os.environ["HEADLESS_MODE"].lower() == "true"
    return args


def fail(message: str) -> "SystemExit":
    """Startup failures go to stderr, which the CMD appends to logs/errors.log."""
    print(f"hummingbot_quickstart: {message}", file=sys.stderr, flush=True)
    return SystemExit(1)


class StartOnUiReady(EventListener):
    """UI mode: once the terminal is up, start the script as the official quickstart does."""

    def __init__(self, app: HummingbotApplication, script: str, conf):
        super().__init__()
        self.app, self.script, self.conf = app, script, conf

    def __call__(self, _):
        self.app.start(
            log_level=self.app.client_config_map.log_level,
            script=self.script,
            conf=self.conf,
            is_quickstart=True,
        )


async def start_strategy(app: HummingbotApplication, args: argparse.Namespace) -> None:
    name = args.config_file_name
    if name.endswith(".py"):
        script = name[:-3]
        if not (SCRIPT_STRATEGIES_PATH / name).exists():
            raise fail(f"script not found: {SCRIPT_STRATEGIES_PATH / name}")
        if args.script_conf and not (SCRIPT_STRATEGY_CONF_DIR_PATH / args.script_conf).exists():
            raise fail(f"script config not found: {SCRIPT_STRATEGY_CONF_DIR_PATH / args.script_conf}")
        app.strategy_file_name = args.script_conf.split(".")[0] if args.script_conf else script
        app.strategy_name = script
        if not args.headless:
            return
        log().info("Starting script %s with config %s", name, args.script_conf)
        file_name = app.strategy_file_name + (".yml" if args.script_conf else ".py")
        if not await app.trading_core.start_strategy(script, args.script_conf, file_name):
            raise fail(f"script {name} did not start (see logs/)")
        return
    app.strategy_file_name = name.split(".")[0]
    config = await load_strategy_config_map_from_file(STRATEGIES_CONF_DIR_PATH / name)
    strategy = config.strategy if hasattr(config, "strategy") else config.get("strategy").value
    app.trading_core.strategy_name = strategy
    if args.headless and not await app.trading_core.start_strategy(strategy, config, name):
        raise fail(f"strategy {strategy} from {name} did not start (see logs/)")
    app.strategy_config_map = config


async def main_async(args: argparse.Namespace, secrets_manager) -> None:
    client_config = load_client_config_map_from_file()
    if not Security.login(secrets_manager):
        raise fail("Invalid password: it does not unlock conf/.password_verification")
    await Security.wait_til_decryption_done()
    await create_yml_files_legacy()
    init_logging("hummingbot_logs.yml", client_config)
    await read_system_configs_from_yml()
    log().info(
        "Login succeeded: the config password unlocked conf/.password_verification and %d connector "
        "config(s)",
        len(Security.all_decrypted_values()),
    )
    if args.headless:
        client_config.mqtt_bridge.mqtt_autostart = True  # headless is remote-controlled over MQTT
    AllConnectorSettings.initialize_paper_trade_settings(client_config.paper_trade.paper_trade_exchanges)
    app = HummingbotApplication.main_application(
        client_config_map=client_config, headless_mode=bool(args.headless)
    )
    if args.config_file_name:
        await start_strategy(app, args)
    if args.headless:
        log_name = (app.strategy_file_name or "hummingbot").split(".")[0]
        init_logging(
            "hummingbot_logs.yml",
            app.client_config_map,
            override_log_level=app.client_config_map.log_level,
            strategy_file_path=log_name,
        )
        log().info("Login succeeded; running headless with %s", args.config_file_name or "no strategy")
        await run_until_signalled(app)
        return
    listener = None
    if args.config_file_name and args.config_file_name.endswith(".py"):
        listener = StartOnUiReady(app, app.strategy_name, args.script_conf)
        app.app.add_listener(HummingbotUIEvent.Start, listener)
    await app.run()


async def run_until_signalled(app: HummingbotApplication) -> None:
    """Headless: on SIGTERM (docker stop) wind down like the `stop` command, cancelling open orders.
    Python as PID 1 would otherwise ignore SIGTERM and be killed with its orders still on the book."""
    loop = asyncio.get_running_loop()
    signalled = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, signalled.set)
    runner = asyncio.ensure_future(app.run())
    waiter = asyncio.ensure_future(signalled.wait())
    await asyncio.wait([runner, waiter], return_when=asyncio.FIRST_COMPLETED)
    if runner.done():
        waiter.cancel()
        return runner.result()
    log().info("Stop signal: stopping the strategy and cancelling open orders")
    try:
        await asyncio.wait_for(app.stop_loop(), STOP_TIMEOUT)
    except Exception as error:  # still shut down; the reason goes to the log
        log().error("Clean stop failed: %r", error)
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
        await asyncio.wait_for(runner, 5)
    log().info("Stopped")
    logging.shutdown()
    os._exit(0)  # the MQTT bridge's non-daemon threads would keep the process alive


def main(argv=None) -> None:
    args = parse_args(argv)
    client_config = load_client_config_map_from_file()
    if args.config_password is None:
        from hummingbot.client.ui import login_prompt
        from hummingbot.client.ui.style import load_style

        secrets_manager = login_prompt(ETHKeyFileSecretManger, style=load_style(client_config))
        if not secrets_manager:
            return
    else:
        if Security.new_password_required():
            raise fail(
                "conf/.password_verification is missing; CONFIG_PASSWORD cannot create it "
                "(the bots role's bin/hbot_prepare.py does)"
            )
        secrets_manager = ETHKeyFileSecretManger(args.config_password)
    asyncio.set_event_loop(asyncio.new_event_loop())
    asyncio.get_event_loop().run_until_complete(main_async(args, secrets_manager))


if __name__ == "__main__":
    main()
