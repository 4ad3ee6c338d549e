import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from controllers.plugin_system.hookspecs import ENTRY_POINT_GROUP, StrategySpec, hookimpl
from controllers.plugin_system.manager import StrategyPluginManager
from controllers.plugin_system.registry import StrategyRegistry
from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams

GOOD_PLUGIN = textwrap.dedent("""
    from pathlib import Path
    from controllers.plugin_system.hookspecs import StrategySpec, hookimpl
    from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams

    class GoodParams(FixedSpreadParams):
        controller_name: str = "good_mm"

    @hookimpl
    def register_strategies(register):
        register(StrategySpec("good_mm", "market_making", GoodParams, Path(__file__).with_name("good_mm.py")))
""")


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A real entry-point installation on sys.path: one broken plugin, one good one."""
    (tmp_path / "broken_strategy_plugin.py").write_text("import module_that_does_not_exist\n")
    (tmp_path / "good_strategy_plugin.py").write_text(GOOD_PLUGIN)
    (tmp_path / "good_mm.py").write_text("# bot-side controller\n")
    dist = tmp_path / "fake_plugins-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugins\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nbroken = broken_strategy_plugin\ngood = good_strategy_plugin\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in ("broken_strategy_plugin", "good_strategy_plugin"):
        sys.modules.pop(module, None)


def test_broken_entry_point_is_reported_by_name_and_others_load(plugin_dir):
    manager = StrategyPluginManager()  # discovers entry points from sys.path, like production
    registry = StrategyRegistry(manager)
    assert "broken" in registry.plugin_failures
    assert "module_that_does_not_exist" in registry.plugin_failures["broken"]
    assert "good_mm" in registry.names() and "inventory_mm" in registry.names()
    assert registry.plugin_of("good_mm") == "good"


def test_cli_warns_about_broken_plugin_by_name_and_still_lists_the_rest(plugin_dir, run_cli):
    result = run_cli("list", extra_path=plugin_dir)
    assert result.returncode == 0
    assert "plugin 'broken' failed to load" in result.stderr
    assert "good_mm" in result.stdout and "inventory_mm" in result.stdout
    assert run_cli("--strict-plugins", "list", extra_path=plugin_dir).returncode == 3


class RaisingPlugin:
    @hookimpl
    def register_strategies(self, register):
        raise RuntimeError("boom")


class WrongArgumentPlugin:
    @hookimpl
    def register_strategies(self, registr):  # typo: pluggy rejects unknown hook arguments
        pass


class UnknownHookPlugin:
    @hookimpl
    def register_strategy(self, register):  # typo in the hook name: caught by check_pending()
        pass


class DuplicatePlugin:
    @hookimpl
    def register_strategies(self, register):
        spec = StrategySpec("fixed_spread", "market_making", FixedSpreadParams, Path("fixed_spread.py"))
        register(spec)


@pytest.mark.parametrize(
    ("plugin", "fragment"),
    [
        (RaisingPlugin(), "boom"),
        (WrongArgumentPlugin(), "registr"),
        (UnknownHookPlugin(), "register_strategy"),
        (DuplicatePlugin(), "already registered"),
    ],
)
def test_misbehaving_plugins_are_isolated(plugin, fragment):
    manager = StrategyPluginManager(entry_points=[], extra_plugins=[("bad", plugin)])
    registry = StrategyRegistry(manager)
    assert fragment in registry.plugin_failures["bad"]
    assert {"inventory_mm", "pmm_rsi_llm", "fixed_spread"} <= set(registry.names())
    assert registry.plugin_of("fixed_spread") == "builtins"


def test_entry_point_objects_are_loaded_in_process(plugin_dir):
    entry_points = [
        EntryPoint("good", "good_strategy_plugin", ENTRY_POINT_GROUP),
        EntryPoint("missing", "no_such_plugin_module", ENTRY_POINT_GROUP),
    ]
    manager = StrategyPluginManager(entry_points=entry_points)
    assert "good" in manager.plugin_names and "builtins" in manager.plugin_names
    assert "ModuleNotFoundError" in manager.failures["missing"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "bad-name"}, "identifier"),
        ({"controller_type": "arbitrage"}, "controller_type"),
        ({"controller_file": Path("other.py")}, "must be named"),
        ({"params_model": dict}, "pydantic"),
        ({"name": "other_mm", "controller_file": Path("other_mm.py")}, "controller_name"),
    ],
)
def test_strategy_spec_rejects_inconsistent_registrations(kwargs, fragment):
    values = {
        "name": "fixed_spread",
        "controller_type": "market_making",
        "params_model": FixedSpreadParams,
        "controller_file": Path("fixed_spread.py"),
        **kwargs,
    }
    with pytest.raises((ValueError, TypeError), match=fragment):
        StrategySpec(**values)
