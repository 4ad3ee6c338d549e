"""`hbot-strategies list`: the installed strategies, built-in and from plugins."""

from __future__ import annotations

import argparse
import json

from controllers.cli import exit_codes
from controllers.plugin_system.registry import StrategyRegistry

HELP = "list installed strategies"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
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
        return exit_codes.OK
    width = max((len(row["name"]) for row in rows), default=4)
    type_width = max((len(row["controller_type"]) for row in rows), default=4)
    for row in rows:
        kind = f"{row['controller_type']:<{type_width}}"
        print(f"{row['name']:<{width}}  {kind}  [{row['plugin']}]  {row['description']}")
    return exit_codes.OK
