"""`hbot-strategies show NAME`: a strategy's default controller config, as YAML or JSON."""

from __future__ import annotations

import argparse
import json
import sys

import yaml

from controllers.cli import exit_codes
from controllers.plugin_system.registry import StrategyRegistry, UnknownStrategyError

HELP = "print a strategy's default config"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="strategy (controller_name)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    try:
        config = registry.default_config(args.name)
    except UnknownStrategyError as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    if args.format == "json":
        print(json.dumps(config, indent=2))
    else:
        print(yaml.safe_dump(config, sort_keys=False), end="")
    return exit_codes.OK
