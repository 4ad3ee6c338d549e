"""`hbot-strategies validate FILE...`: check controller config files against their strategy's schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from controllers.cli import exit_codes
from controllers.plugin_system.registry import StrategyRegistry

HELP = "validate controller config files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="controller config YAML file(s)")


def run(args: argparse.Namespace, registry: StrategyRegistry) -> int:
    status = exit_codes.OK
    for path in args.files:
        try:
            config = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            print(f"{path}: cannot read: {error}", file=sys.stderr)
            status = exit_codes.INVALID
            continue
        errors = registry.validate(config if config is not None else {})
        if errors:
            status = exit_codes.INVALID
            for line in errors:
                print(f"{path}: {line}", file=sys.stderr)
        else:
            print(f"{path}: ok ({config['controller_name']})")
    return status
