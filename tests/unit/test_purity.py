"""The operator side must never need Hummingbot (or pandas); the plugin system needs neither the analysis
nor the CLI built on it; the optimize package stands beside compare, not on it."""

import ast
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PURE_MODULES = [
    "controllers.cli",
    "controllers.cli.options",
    "controllers.analysis.candles",
    "controllers.analysis.compare",
    "controllers.analysis.execution_study",
    "controllers.analysis.errors",
    "controllers.analysis.execution_report",
    "controllers.analysis.maker",
    "controllers.analysis.metrics",
    "controllers.analysis.perp",
    "controllers.analysis.hedge_study",
    "controllers.analysis.optimize",  # the host checks a search: request, space, walkforward, report
    "controllers.plugin_system.registry",
    "controllers.shared_base.core",
    "controllers.shared_base.executor_ledger",
    "controllers.shared_base.hedge",
    "controllers.shared_base.execution",
    "controllers.shared_base.params",
    "controllers.shared_base.signals",
    "controllers.shared_base.strategies.base",
    "controllers.shared_base.strategies.inventory_mm",
    "controllers.shared_base.strategies.hedged_mm",
    "controllers.shared_base.strategies.pmm_rsi_llm",
    "controllers.shared_base.strategies.fixed_spread",
    "controllers.shared_base.strategies.regime_trend",
    "controllers.shared_base.strategies.portfolio_rebalance",
    "controllers.shared_base.strategies.execution_algos",
]


def test_pure_modules_import_without_hummingbot_or_pandas():
    code = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}: importlib.import_module(name)\n"
        "from controllers.plugin_system.registry import load_registry\n"
        "load_registry()\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('hummingbot', 'pandas'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": ""},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def imports_of(pattern: str, layers: tuple[str, ...]) -> list[str]:
    """`file:line` of every import, in the files `pattern` matches, of a module in (or under) `layers`."""
    found = []
    for path in sorted(REPO_ROOT.glob(pattern)):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name == layer or name.startswith(f"{layer}.") for name in names for layer in layers):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_the_plugin_system_is_only_the_registry_and_its_hooks():
    """plugin_system/ is imported by the analysis and the CLI, never the other way round."""
    assert imports_of("controllers/plugin_system/*.py", ("controllers.analysis", "controllers.cli")) == []


def test_optimize_builds_on_candles_and_inputs_not_on_compare_or_the_cli():
    """A market comes from candles.Market; compare and the CLI are optimize's peers and its caller."""
    peers = ("controllers.analysis.compare", "controllers.cli")
    assert imports_of("controllers/analysis/optimize/*.py", peers) == []


def test_the_error_base_imports_nothing_of_the_project():
    """errors.py sits under every module that raises an AnalysisError."""
    assert (REPO_ROOT / "controllers/analysis/errors.py").is_file()
    assert imports_of("controllers/analysis/errors.py", ("controllers",)) == []
