"""Performance metrics the project computes itself, in pure Python (no Hummingbot, no pandas).

Conventions (stated in every report as CONVENTIONS):
* Equity per bar = capital + the net PnL of every executor at that bar: closed positions at their
  final PnL, open ones marked to mid. Hummingbot's backtester has no order book, so mid is the bar
  close. Fees are inside net PnL.
* Returns are simple per-bar returns of equity, r_t = E_t / E_{t-1} - 1, from the last warm-up bar on
  (bars before a controller can trade say nothing about it).
* Annualisation uses the candle interval: N = 365 * 86400 / interval seconds bars per year (crypto
  trades every day). The risk-free rate is an annual rate, charged per bar as rf / N.
* Sharpe = mean(r - rf/N) / std(r) * sqrt(N), sample std (n - 1). Sortino = mean(r - rf/N) /
  downside deviation * sqrt(N), downside deviation = sqrt(mean(min(r - rf/N, 0)^2)) over all bars.
* Max drawdown = max over t of (peak equity so far - E_t) / peak, a fraction; Calmar = annualised
  return (mean(r) * N) / max drawdown.
* A trade is one closed position (an executor that filled); its PnL is its net PnL after fees.
  Win rate = trades with PnL > 0 / trades; profit factor = gross profit / gross loss.
* Turnover = traded volume (position notional, quote) / capital over the run.
* VaR: no definition exists in the project's guide or issues, so historical VaR at 95% of per-bar
  equity returns: the loss at the worst 5% of bars (the ceil(5% n)-th worst return, as a positive
  fraction of equity); CVaR (expected shortfall) is the mean loss over those worst bars.
Undefined values (no variance, no losses, no drawdown) are None, never a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from controllers.analysis.maker import maker_metrics

SECONDS_PER_YEAR = 365 * 86400
VAR_LEVEL = 0.95

CONVENTIONS = (
    "equity per bar = capital + net PnL of every executor (closed: final, open: marked to mid = bar close;"
    " fees included); returns = simple per-bar equity returns from the last warm-up bar on; annualised"
    " with N = 365*86400/interval bars per year; risk-free rate annual, charged rf/N per bar;"
    " Sharpe = mean excess / sample std * sqrt(N); Sortino = mean excess / downside deviation * sqrt(N);"
    " max drawdown = largest fall from a running equity peak, fraction of that peak;"
    " Calmar = mean(r)*N / max drawdown; trades = closed positions that filled, PnL net of fees;"
    " turnover = position notional traded / capital; VaR/CVaR = historical 95% of per-bar equity returns"
    " (no project definition exists), as positive fractions of equity"
)


def bars_per_year(interval_seconds: float) -> float:
    if interval_seconds <= 0:
        raise ValueError(f"interval_seconds must be positive, got {interval_seconds}")
    return SECONDS_PER_YEAR / interval_seconds


def equity_curve(pnl: Iterable[float], capital: float) -> list[float]:
    return [capital + value for value in pnl]


def bar_returns(equity: Sequence[float]) -> list[float]:
    """Simple returns between consecutive bars."""
    return [after / before - 1.0 for before, after in zip(equity, equity[1:], strict=False)]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def sample_std(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _excess(returns: Sequence[float], periods: float, risk_free_rate: float) -> list[float]:
    per_bar = risk_free_rate / periods
    return [r - per_bar for r in returns]


def sharpe_ratio(returns: Sequence[float], periods: float, risk_free_rate: float = 0.0) -> float | None:
    std = sample_std(returns)
    if not std:
        return None
    return _mean(_excess(returns, periods, risk_free_rate)) / std * math.sqrt(periods)


def sortino_ratio(returns: Sequence[float], periods: float, risk_free_rate: float = 0.0) -> float | None:
    if not returns:
        return None
    excess = _excess(returns, periods, risk_free_rate)
    downside = math.sqrt(_mean([min(r, 0.0) ** 2 for r in excess]))
    if downside == 0:
        return None
    return _mean(excess) / downside * math.sqrt(periods)


def max_drawdown(equity: Sequence[float]) -> tuple[float, float]:
    """(largest fall from a running peak as a fraction of that peak, the same fall in quote)."""
    peak = -math.inf
    worst_fraction, worst_quote = 0.0, 0.0
    for value in equity:
        peak = max(peak, value)
        fall = peak - value
        if peak > 0 and fall / peak > worst_fraction:
            worst_fraction, worst_quote = fall / peak, fall
    return worst_fraction, worst_quote


def annualised_return(returns: Sequence[float], periods: float) -> float | None:
    return _mean(returns) * periods if returns else None


def calmar_ratio(annual_return: float | None, drawdown: float) -> float | None:
    if annual_return is None or drawdown <= 0:
        return None
    return annual_return / drawdown


def win_rate(trade_pnls: Sequence[float]) -> float | None:
    if not trade_pnls:
        return None
    return sum(1 for pnl in trade_pnls if pnl > 0) / len(trade_pnls)


def profit_factor(trade_pnls: Sequence[float]) -> float | None:
    gross_profit = sum(pnl for pnl in trade_pnls if pnl > 0)
    gross_loss = -sum(pnl for pnl in trade_pnls if pnl < 0)
    if gross_loss == 0:
        return None
    return gross_profit / gross_loss


def historical_var(returns: Sequence[float], level: float = VAR_LEVEL) -> tuple[float | None, float | None]:
    """(VaR, CVaR) at `level` as positive loss fractions: the ceil((1 - level) n)-th worst return and
    the mean of the returns up to it."""
    if not returns:
        return None, None
    worst = sorted(returns)
    count = max(1, math.ceil((1.0 - level) * len(worst) - 1e-9))
    tail = worst[:count]
    return 0.0 - tail[-1], 0.0 - _mean(tail)  # 0.0 - x: no "-0.0" for a flat run


def inventory_statistics(inventory_quote: Sequence[float], capital: float) -> dict[str, float | None]:
    """Signed inventory (quote; long > 0) over the bars, raw and as fractions of capital."""
    if not inventory_quote:
        return {
            "inventory_mean_quote": None,
            "inventory_mean_abs_pct": None,
            "inventory_max_abs_pct": None,
            "inventory_final_quote": None,
            "time_in_market": None,
        }
    absolute = [abs(v) for v in inventory_quote]
    return {
        "inventory_mean_quote": _mean(inventory_quote),
        "inventory_mean_abs_pct": _mean(absolute) / capital,
        "inventory_max_abs_pct": max(absolute) / capital,
        "inventory_final_quote": inventory_quote[-1],
        "time_in_market": sum(1 for v in absolute if v > 0) / len(absolute),
    }


def _first_bar(start_bar: int, bars: int) -> int:
    return min(max(start_bar, 0), max(bars - 1, 0))


def scored_equity(pnl: Sequence[float], capital: float, start_bar: int = 0) -> list[float]:
    """Equity per bar from `start_bar` on, re-based to `capital` there (pnl: cumulative net PnL)."""
    start = _first_bar(start_bar, len(pnl))
    base = pnl[start] if pnl else 0.0
    return equity_curve([value - base for value in pnl[start:]], capital)


def compute_metrics(
    pnl: Sequence[float],
    inventory_quote: Sequence[float],
    trade_pnls: Sequence[float],
    *,
    capital: float,
    interval_seconds: float,
    volume_quote: float = 0.0,
    fees_quote: float = 0.0,
    risk_free_rate: float = 0.0,
    start_bar: int = 0,
) -> dict[str, Any]:
    """Every metric from per-bar PnL and inventory plus per-trade PnL; see the module conventions.

    pnl[t] is the cumulative net PnL (quote) at bar t; bars before `start_bar` (warm-up, or a
    walk-forward's training part) are ignored and equity is re-based to `capital` at `start_bar`.
    """
    if capital <= 0:
        raise ValueError(f"capital must be positive, got {capital}")
    periods = bars_per_year(interval_seconds)
    start = _first_bar(start_bar, len(pnl))
    equity = scored_equity(pnl, capital, start)
    returns = bar_returns(equity)
    drawdown, drawdown_quote = max_drawdown(equity)
    annual = annualised_return(returns, periods)
    var, cvar = historical_var(returns)
    net = pnl[-1] - pnl[start] if pnl else 0.0
    return {
        "net_pnl_quote": net,
        "total_return": net / capital,
        "annualised_return": annual,
        "sharpe": sharpe_ratio(returns, periods, risk_free_rate),
        "sortino": sortino_ratio(returns, periods, risk_free_rate),
        "max_drawdown": drawdown,
        "max_drawdown_quote": drawdown_quote,
        "calmar": calmar_ratio(annual, drawdown),
        "trades": len(trade_pnls),
        "win_rate": win_rate(trade_pnls),
        "profit_factor": profit_factor(trade_pnls),
        "avg_trade_pnl_quote": _mean(trade_pnls) if trade_pnls else None,
        "volume_quote": volume_quote,
        "turnover": volume_quote / capital,
        "fees_quote": fees_quote,
        **inventory_statistics(list(inventory_quote[start:]), capital),
        f"var_{round(VAR_LEVEL * 100)}": var,
        f"cvar_{round(VAR_LEVEL * 100)}": cvar,
        "bars": len(equity),
        "risk_free_rate": risk_free_rate,
    }


def trade_records(executors: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Closed positions that filled: the trades of a run."""
    return [
        row
        for row in executors
        if row.get("is_position", True) and not row["is_active"] and row["filled_amount_quote"] > 0
    ]


def _records(frame: Any) -> list[Mapping[str, Any]]:
    """A DataFrame (duck-typed, so this module never imports pandas) or a list of dicts as dicts."""
    if hasattr(frame, "to_dict"):
        return frame.to_dict("records")
    return list(frame)


def first_scored_bar(timestamps: Sequence[float], warmup_bars: int, score_from: float | None) -> int:
    """Index of the bar metrics start from: the last warm-up bar, or the last bar before `score_from`
    (so the first scored return is the one into `score_from`), whichever is later."""
    start = max(warmup_bars - 1, 0)
    if score_from is not None:
        before = sum(1 for t in timestamps if t < score_from)
        start = max(start, before - 1)
    return start


def run_metrics(run: Any, risk_free_rate: float = 0.0, score_from: float | None = None) -> dict[str, Any]:
    """compute_metrics for an engine.EngineRun (bars, executors and fills frames), with the market-making
    figures of maker.py (PnL decomposition, markouts, fill ratio, quote uptime).

    score_from (epoch s): score only from that bar on (walk-forward tails); trades and volume count
    executors opened at or after it.
    """
    from controllers.shared_base.indicators import interval_seconds

    bars = _records(run.bars)
    executors = _records(run.executors)
    if score_from is not None:
        executors = [row for row in executors if row["timestamp"] >= score_from]
    filled = [row for row in executors if row["filled_amount_quote"] > 0]
    trades = trade_records(executors)
    start_bar = first_scored_bar([row["timestamp"] for row in bars], run.warmup_bars, score_from)
    metrics = compute_metrics(
        [row["pnl_quote"] for row in bars],
        [row["inventory_quote"] for row in bars],
        [row["net_pnl_quote"] for row in trades],
        capital=run.capital,
        interval_seconds=interval_seconds(run.interval),
        volume_quote=sum(row["filled_amount_quote"] for row in filled),
        fees_quote=sum(row["cum_fees_quote"] for row in filled),
        risk_free_rate=risk_free_rate,
        start_bar=start_bar,
    )
    return {**metrics, **maker_metrics(_records(run.fills), bars, executors, start_bar=start_bar)}


# Hummingbot's summarize_results() next to the project's figure for the same quantity, and why they differ.
ENGINE_COUNTERPARTS = (
    ("net PnL (quote)", "net_pnl_quote", "net_pnl_quote", "same sum of executor net PnL; equal"),
    (
        "Sharpe",
        "sharpe",
        "sharpe_ratio",
        "engine: mean/std of cumulative PnL over cumulative volume per executor, not annualised, no"
        " time axis; project: per-bar equity returns, annualised",
    ),
    (
        "max drawdown",
        "max_drawdown",
        "max_drawdown_pct",
        "engine: over cumulative closed-executor PnL in executor order, negative, over capital plus the"
        " first PnL; project: per-bar equity with open positions marked to mid, fraction of the peak",
    ),
    (
        "win rate",
        "win_rate",
        "accuracy",
        "engine counts every executor with non-zero PnL, open ones too; project counts closed trades",
    ),
    (
        "profit factor",
        "profit_factor",
        "profit_factor",
        "engine reports 1 when nothing lost and includes open executors; project: n/a without losses",
    ),
    (
        "volume (quote)",
        "volume_quote",
        "total_volume",
        "engine sums executors with non-zero PnL only; project every filled position",
    ),
)


def engine_comparison(metrics: Mapping[str, Any], summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows (quantity, project, engine, note) for every quantity both compute."""
    return [
        {"quantity": label, "project": metrics.get(ours), "engine": summary.get(theirs), "note": note}
        for label, ours, theirs, note in ENGINE_COUNTERPARTS
    ]
