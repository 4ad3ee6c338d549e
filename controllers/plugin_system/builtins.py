"""The built-in strategies, registered through the same hook as any third-party plugin."""

from __future__ import annotations

from pathlib import Path

from controllers.plugin_system.hookspecs import StrategySpec, hookimpl
from controllers.shared_base.strategies import (
    execution_algos,
    hedged_mm,
    inventory_mm,
    pmm_rsi_llm,
    regime_trend,
)
from controllers.shared_base.strategies.fixed_spread import FixedSpreadParams
from controllers.shared_base.strategies.portfolio_rebalance import PortfolioRebalanceParams

CONTROLLERS_DIR = Path(__file__).resolve().parents[1]


def _builtin(name: str, controller_type: str, params_model, description: str, warmup=None) -> StrategySpec:
    path = CONTROLLERS_DIR / controller_type / f"{name}.py"
    return StrategySpec(name, controller_type, params_model, path, description, warmup)


BUILTIN_STRATEGIES = (
    _builtin(
        "inventory_mm",
        "market_making",
        inventory_mm.InventoryMMParams,
        "Flagship: volatility-normalised Avellaneda-Stoikov quoting with inventory skew and trend guard",
        inventory_mm.warmup_bars,
    ),
    _builtin(
        "hedged_mm",
        "market_making",
        hedged_mm.HedgedMMParams,
        "Flagship quoting on spot, its inventory hedged on a perpetual (band, cooldown, funding-aware)",
        hedged_mm.warmup_bars,
    ),
    _builtin(
        "pmm_rsi_llm",
        "market_making",
        pmm_rsi_llm.PmmRsiLlmParams,
        "Seed PMM reworked: RSI and optional sentiment only widen spreads; skew, fee floor, limits",
        pmm_rsi_llm.warmup_bars,
    ),
    _builtin(
        "fixed_spread",
        "market_making",
        FixedSpreadParams,
        "Baseline fixed-spread market maker with the shared risk controls",
    ),
    _builtin(
        "regime_trend",
        "directional_trading",
        regime_trend.RegimeTrendParams,
        "EMA-cross trend follower that only trades when the efficiency ratio says the market trends",
        regime_trend.warmup_bars,
    ),
    _builtin(
        "portfolio_rebalance",
        "generic",
        PortfolioRebalanceParams,
        "Target weights across pairs, threshold or periodic, fee-aware",
    ),
    _builtin(
        "twap",
        "generic",
        execution_algos.TwapParams,
        "Execution: a parent order in equal time slices, missed slices caught up, final taker sweep",
    ),
    _builtin(
        "vwap",
        "generic",
        execution_algos.VwapParams,
        "Execution: slices weighted by the candles' time-of-day volume profile, participation-capped",
        execution_algos.vwap_warmup_bars,
    ),
    _builtin(
        "iceberg",
        "generic",
        execution_algos.IcebergParams,
        "Execution: one resting maker child of at most visible_base, refilled and re-placed on moves",
    ),
)


@hookimpl
def register_strategies(register) -> None:
    for spec in BUILTIN_STRATEGIES:
        register(spec)
