"""The one PluginManager: built-ins first, then every installed entry point, each isolated.

A plugin that fails to import, fails pluggy's validation or raises while registering is recorded in
`failures` under its name; the remaining plugins still load. Callers use the typed methods here
(tox 4 style) rather than reaching into `manager.hook`.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable

import pluggy

from controllers.plugin_system import builtins, hookspecs
from controllers.plugin_system.hookspecs import StrategySpec

BUILTINS_PLUGIN_NAME = "builtins"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class StrategyPluginManager:
    def __init__(
        self,
        entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
        extra_plugins: Iterable[tuple[str, object]] = (),
    ):
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self.failures: dict[str, str] = {}
        self.add_plugin(BUILTINS_PLUGIN_NAME, builtins)
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)
        for entry_point in entry_points:
            self._load_entry_point(entry_point)
        for name, plugin in extra_plugins:
            self.add_plugin(name, plugin)
        self._check_pending()

    def add_plugin(self, name: str, plugin: object) -> bool:
        """Register one plugin object; on a pluggy validation error record it and carry on."""
        if self.manager.has_plugin(name):
            self.failures[name] = "a plugin with this name is already registered"
            return False
        try:
            self.manager.register(plugin, name=name)
        except Exception as error:  # pluggy raises PluginValidationError, plugins may raise anything
            self.failures[name] = _describe(error)
            return False
        return True

    def _load_entry_point(self, entry_point: importlib.metadata.EntryPoint) -> None:
        try:
            plugin = entry_point.load()
        except Exception as error:  # an import error in one plugin must not hide the others
            self.failures[entry_point.name] = _describe(error)
            return
        self.add_plugin(entry_point.name, plugin)

    def _check_pending(self) -> None:
        """check_pending() raises on the first bad plugin; drop it, record it, check the rest again."""
        while True:
            try:
                self.manager.check_pending()
                return
            except pluggy.PluginValidationError as error:
                name = self.manager.get_name(error.plugin) or repr(error.plugin)
                self.failures[name] = _describe(error)
                self.manager.unregister(error.plugin)

    @property
    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.manager.list_name_plugin()]

    def register_strategies(self, register: Callable[[str, StrategySpec], None]) -> None:
        """Ask every plugin for its strategies; `register(plugin_name, spec)` receives each one.

        Implementations are called one by one (not through a single hook call) so an exception in one
        plugin is attributed to it and the others still register.
        """
        # Registration order: built-ins first, so a plugin can never shadow a built-in strategy.
        for impl in self.manager.hook.register_strategies.get_hookimpls():
            plugin_name = impl.plugin_name

            def register_from_plugin(spec: StrategySpec, _plugin: str = plugin_name) -> None:
                register(_plugin, spec)

            arguments = {"register": register_from_plugin}
            try:
                impl.function(*(arguments[name] for name in impl.argnames))
            except Exception as error:
                self.failures[plugin_name] = _describe(error)
