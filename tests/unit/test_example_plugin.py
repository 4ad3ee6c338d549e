"""The example third-party plugin (tests/example_plugin), once pip-installed, is a first-class strategy."""

import os
from importlib.metadata import entry_points

import pytest

from controllers.plugin_system.hookspecs import ENTRY_POINT_GROUP
from controllers.plugin_system.registry import load_registry

INSTALLED = any(ep.name == "wide_spread_mm" for ep in entry_points(group=ENTRY_POINT_GROUP))
REQUIRED = bool(os.environ.get("CI") or os.environ.get("HBOT_REQUIRE_EXAMPLE_PLUGIN"))

pytestmark = pytest.mark.skipif(
    not INSTALLED and not REQUIRED,
    reason="example plugin not installed: pip install ./tests/example_plugin (required when CI is set)",
)


def test_example_plugin_is_installed():
    assert INSTALLED, "tests/example_plugin must be pip-installed (make test does this)"


def test_example_plugin_appears_in_cli_list(run_cli):
    result = run_cli("list")
    assert result.returncode == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("wide_spread_mm"))
    assert "market_making" in line and "[wide_spread_mm]" in line
    assert "failed to load" not in result.stderr


def test_example_plugin_validates_through_registry():
    registry = load_registry()
    config = registry.default_config("wide_spread_mm")
    assert config["buy_spreads"] == [0.01, 0.02, 0.04]
    assert registry.validate(config) == []
    assert any(line.startswith("buy_spreads:") for line in registry.validate({**config, "buy_spreads": [-1]}))
    shipped = {str(item.destination) for item in registry.files_to_ship("wide_spread_mm")}
    assert "controllers/market_making/wide_spread_mm.py" in shipped
    assert "controllers/shared_base/core.py" in shipped
