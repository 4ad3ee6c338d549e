"""`hbot-strategies`: list strategies, show a strategy's defaults, validate controller config files.

Subcommands are registered in COMMANDS (name -> (add_arguments, run)); later commands such as
backtest, compare and optimize plug in the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from controllers.analysis import commands as analysis_commands
from controllers.analysis import optimize
from controllers.plugin_system.registry import StrategyRegistry, UnknownStrategyError, load_registry

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_PLUGIN_FAILURE = 0, 1, 2, 3

Runner = Callable[[argparse.Namespace, StrategyRegistry], int]


def _add_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _run_list(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    rows = [
        {
            "name": name,
            "controller_type": registry.get(name).controller_type,
            "module": registry.module_path(name),
            "plugin": registry.plugin_of(name),
            "description": registry.get(name).description,
        }
        for name in registry.names()
    ]
    if args.json:
        print(json.dumps({"strategies": rows, "plugin_failures": registry.plugin_failures}, indent=2))
        return EXIT_OK
    width = max((len(row["name"]) for row in rows), default=4)
    type_width = max((len(row["controller_type"]) for row in rows), default=4)
    for row in rows:
        kind = f"{row['controller_type']:<{type_width}}"
        print(f"{row['name']:<{width}}  {kind}  [{row['plugin']}]  {row['description']}")
    return EXIT_OK


def _add_show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="strategy (controller_name)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")


def _run_show(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    try:
        config = registry.default_config(args.name)
    except UnknownStrategyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        print(json.dumps(config, indent=2))
    else:
        print(yaml.safe_dump(config, sort_keys=False), end="")
    return EXIT_OK


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="controller config YAML file(s)")


def _run_validate(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            config = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            print(f"{path}: cannot read: {error}", file=sys.stderr)
            status = EXIT_INVALID
            continue
        errors = registry.validate(config if config is not None else {})
        if errors:
            status = EXIT_INVALID
            for line in errors:
                print(f"{path}: {line}", file=sys.stderr)
        else:
            print(f"{path}: ok ({config['controller_name']})")
    return status


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Runner]] = {
    "list": ("list installed strategies", _add_list, _run_list),
    "show": ("print a strategy's default config", _add_show, _run_show),
    "validate": ("validate controller config files", _add_validate, _run_validate),
    "backtest": ("backtest a controller config in Hummingbot's engine", *analysis_commands.BACKTEST),
    "compare": ("compare controller configs over candle files", *analysis_commands.COMPARE),
    "optimize": ("walk-forward parameter search with Optuna", optimize.add_arguments, optimize.run),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hbot-strategies", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--strict-plugins",
        action="store_true",
        help=f"exit {EXIT_PLUGIN_FAILURE} if any plugin failed to load",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(subparser)
        subparser.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    registry = load_registry()
    for plugin, reason in sorted(registry.plugin_failures.items()):
        print(f"warning: plugin {plugin!r} failed to load: {reason}", file=sys.stderr)
    status = args.run(args, registry)
    if status == EXIT_OK and args.strict_plugins and registry.plugin_failures:
        return EXIT_PLUGIN_FAILURE
    return status


if __name__ == "__main__":
    sys.exit(main())
