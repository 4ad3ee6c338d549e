"""`hbot-strategies`: list strategies, show a strategy's defaults, validate controller config files.

One module per subcommand (list, show, validate, backtest, compare, execution, hedge, optimize), each
with HELP, add_arguments(parser) and run(args, registry) -> exit code, registered in COMMANDS; the exit
codes are exit_codes.py's.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

from controllers.cli import backtest, compare, execution, exit_codes, hedge, optimize, show, validate
from controllers.cli import list as list_
from controllers.plugin_system.registry import load_registry

COMMANDS: dict[str, ModuleType] = {
    "list": list_,
    "show": show,
    "validate": validate,
    "backtest": backtest,
    "compare": compare,
    "execution": execution,
    "hedge": hedge,
    "optimize": optimize,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hbot-strategies", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--strict-plugins",
        action="store_true",
        help=f"exit {exit_codes.PLUGIN_FAILURE} if any plugin failed to load",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=command.HELP, description=command.HELP)
        command.add_arguments(subparser)
        subparser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    registry = load_registry()
    for plugin, reason in sorted(registry.plugin_failures.items()):
        print(f"warning: plugin {plugin!r} failed to load: {reason}", file=sys.stderr)
    try:
        status = args.run(args, registry)
    except Exception:  # a crash is a failed run (FAILED), not bad input (Python's own 1, INVALID)
        traceback.print_exc()
        return exit_codes.FAILED
    if status == exit_codes.OK and args.strict_plugins and registry.plugin_failures:
        return exit_codes.PLUGIN_FAILURE
    return status
