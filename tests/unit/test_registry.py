from pathlib import Path

import pytest

from controllers.plugin_system.manager import StrategyPluginManager
from controllers.plugin_system.registry import StrategyRegistry, UnknownStrategyError

BUILTINS = {
    "fixed_spread",
    "inventory_mm",
    "pmm_rsi_llm",
    "regime_trend",
    "portfolio_rebalance",
    "twap",
    "vwap",
    "iceberg",
    "hedged_mm",
}


@pytest.fixture(scope="module")
def registry():
    return StrategyRegistry(StrategyPluginManager(entry_points=[]))  # built-ins only, whatever is installed


def test_lists_every_builtin_with_type(registry):
    assert set(registry.names()) == BUILTINS
    assert registry.get("inventory_mm").controller_type == "market_making"
    assert registry.get("regime_trend").controller_type == "directional_trading"
    assert registry.get("portfolio_rebalance").controller_type == "generic"
    assert {registry.get(name).controller_type for name in ("twap", "vwap", "iceberg")} == {"generic"}
    assert registry.module_path("twap") == "controllers.generic.twap"
    assert registry.module_path("pmm_rsi_llm") == "controllers.market_making.pmm_rsi_llm"
    assert registry.plugin_of("fixed_spread") == "builtins"


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_files_to_ship_exist_and_land_where_hummingbot_imports_them(registry, name):
    files = registry.files_to_ship(name)
    assert all(item.source.is_file() for item in files)
    spec = registry.get(name)
    destinations = {str(item.destination) for item in files}
    assert f"controllers/{spec.controller_type}/{name}.py" in destinations
    assert {
        "controllers/shared_base/__init__.py",
        "controllers/shared_base/core.py",
        "controllers/shared_base/params.py",
        "controllers/shared_base/adapter.py",
    } <= destinations
    assert not any("__pycache__" in d for d in destinations)


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_default_config_validates_and_names_the_strategy(registry, name):
    config = registry.default_config(name)
    assert config["controller_name"] == name
    assert registry.validate(config) == []
    assert registry.check(config).params.controller_name == name


def test_unknown_strategy_is_named(registry):
    errors = registry.validate({"controller_name": "no_such_mm"})
    assert len(errors) == 1 and errors[0].startswith("controller_name:") and "no_such_mm" in errors[0]
    with pytest.raises(UnknownStrategyError, match="no_such_mm"):
        registry.get("no_such_mm")


def test_validate_reports_fields(registry):
    config = {
        **registry.default_config("pmm_rsi_llm"),
        "buy_spreads": [-0.1],
        "leverage": 3,
        "executor_refresh_time": 5,
    }
    fields = {line.split(":")[0] for line in registry.validate(config)}
    assert {"buy_spreads", "leverage", "executor_refresh_time"} <= fields


def test_validate_rejects_missing_name_wrong_type_and_non_mapping(registry):
    assert registry.validate({})[0].startswith("controller_name:")
    assert registry.validate({"controller_name": "inventory_mm", "controller_type": "generic"})[0].startswith(
        "controller_type:"
    )
    assert registry.validate(["not", "a", "mapping"])[0].startswith("(config)")
    with pytest.raises(ValueError, match="controller_name"):
        registry.check({})


def test_controller_files_are_named_after_the_strategy(registry):
    for name in registry.names():
        assert Path(registry.get(name).controller_file).name == f"{name}.py"
