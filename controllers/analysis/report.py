"""The HTML report of one backtest, with its PNGs (matplotlib; runs in the analysis runtime image).

    render_report(folder, report, run)   # report: the metrics.json dict; run: engine.EngineRun

Writes equity.png, drawdown.png, trade_pnl.png, inventory.png, quotes.png and index.html (which only
refers to the PNGs by name, so the folder can be moved or served as it is).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from controllers.analysis.maker import HORIZONS  # noqa: E402
from controllers.analysis.metrics import trade_records  # noqa: E402

QUOTE_WINDOW_BARS = 200
PLOTS = (
    ("equity.png", "Equity curve"),
    ("drawdown.png", "Drawdown"),
    ("trade_pnl.png", "Per-trade PnL distribution"),
    ("inventory.png", "Inventory over time"),
    ("quotes.png", "Quotes against price"),
)


def _times(bars: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(bars["timestamp"], unit="s", utc=True)


def _save(figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def busiest_window(bars: pd.DataFrame, trade_times: list[float], width: int = QUOTE_WINDOW_BARS) -> slice:
    """Rows of the `width`-bar stretch in which the most trades opened (the start when none did)."""
    if len(bars) <= width:
        return slice(0, len(bars))
    opened = pd.Series(0, index=range(len(bars)))
    positions = bars["timestamp"].searchsorted(sorted(trade_times))
    for position in positions:
        if position < len(bars):
            opened.iloc[position] += 1
    counts = opened.rolling(width).sum()
    end = int(counts.idxmax()) if counts.max() > 0 else width - 1
    return slice(end - width + 1, end + 1)


def plot_equity(bars: pd.DataFrame, capital: float, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(10, 3.6))
    axis.plot(_times(bars), capital + bars["pnl_quote"], lw=1, color="tab:blue")
    axis.axhline(capital, color="grey", lw=0.8, ls="--")
    axis.set(title="Equity (quote), open positions marked to mid", ylabel="quote")
    _save(figure, path)


def plot_drawdown(bars: pd.DataFrame, capital: float, path: Path) -> None:
    equity = capital + bars["pnl_quote"]
    drawdown = equity / equity.cummax() - 1.0
    figure, axis = plt.subplots(figsize=(10, 3.0))
    axis.fill_between(_times(bars), drawdown * 100, 0, color="tab:red", alpha=0.4)
    axis.set(title="Drawdown from the running equity peak", ylabel="%")
    _save(figure, path)


def plot_trade_pnl(trade_pnls: list[float], path: Path) -> None:
    figure, axis = plt.subplots(figsize=(6.5, 3.6))
    if trade_pnls:
        axis.hist(trade_pnls, bins=min(60, max(10, len(trade_pnls) // 5)), color="tab:purple", alpha=0.8)
        axis.axvline(0, color="black", lw=0.8)
    else:
        axis.text(0.5, 0.5, "no closed trades", ha="center", va="center", transform=axis.transAxes)
    axis.set(title=f"Per-trade net PnL ({len(trade_pnls)} trades)", xlabel="quote", ylabel="trades")
    _save(figure, path)


def plot_inventory(bars: pd.DataFrame, capital: float, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(10, 3.0))
    axis.plot(_times(bars), bars["inventory_quote"] / capital * 100, lw=0.8, color="tab:green")
    axis.axhline(0, color="grey", lw=0.8)
    axis.set(title="Inventory (signed open position value)", ylabel="% of capital")
    _save(figure, path)


def plot_quotes(bars: pd.DataFrame, executors: pd.DataFrame, rows: slice, path: Path) -> None:
    window = bars.iloc[rows]
    times = _times(window)
    figure, axis = plt.subplots(figsize=(10, 3.8))
    axis.plot(times, window["close"], lw=1, color="black", label="close (mid)")
    if window["best_bid"].notna().any():
        axis.step(times, window["best_bid"], where="post", lw=0.8, color="tab:green", label="best bid quoted")
        axis.step(times, window["best_ask"], where="post", lw=0.8, color="tab:red", label="best ask quoted")
    if not executors.empty:
        start, end = window["timestamp"].iloc[0], window["timestamp"].iloc[-1]
        fills = executors[(executors["filled_amount_quote"] > 0) & executors["timestamp"].between(start, end)]
        for side, marker, colour in (("BUY", "^", "tab:green"), ("SELL", "v", "tab:red")):
            chosen = fills[fills["side"] == side]
            axis.scatter(
                pd.to_datetime(chosen["timestamp"], unit="s", utc=True),
                chosen["entry_price"],
                marker=marker,
                color=colour,
                s=18,
                label=f"{side.lower()} fills",
                zorder=3,
            )
    axis.set(title=f"Quotes against price ({len(window)}-bar window with the most trades)", ylabel="price")
    axis.legend(loc="best", fontsize=7)
    _save(figure, path)


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.6g}"
    return html.escape(str(value))


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{_format(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def maker_section(metrics: Mapping[str, Any]) -> list[str]:
    """Where the PnL came from, how the fills fared afterwards, how often both sides were quoted."""
    parts = (
        ("spread capture", "pnl_spread_quote", "each fill's edge against the backtest's mid when it filled"),
        ("inventory PnL", "pnl_inventory_quote", "holding positions from close to close"),
        ("fees", "pnl_fees_quote", "both legs as the fill model charges them (subtracted)"),
        ("net PnL", "pnl_net_quote", "spread capture + inventory PnL - fees"),
    )
    markouts = [
        (name, *(metrics.get(f"markout_{name}_{k}_bps") for k in HORIZONS)) for name in ("buy", "sell")
    ]

    def shown(key: str) -> str:  # a percentage, as the metrics table shows it
        return display(key, metrics.get(key), "")[1]

    return [
        "<h2>Market making</h2>",
        _table([(label, metrics.get(key), why) for label, key, why in parts], ("PnL", "quote", "what")),
        "<p>Markouts of the entry fills, bps (positive: the market moved the fill's way afterwards;"
        " negative from +1 bar on: adverse selection).</p>",
        _table(markouts, ("side", *(f"+{k} bars" for k in HORIZONS))),
        f"<p>Fill ratio {shown('fill_ratio')} of the quotes placed; quoted on both sides"
        f" {shown('quote_uptime')} of the bars, on at least one {shown('quote_uptime_any')}.</p>",
    ]


# metric -> (what a quant reads, unit); a metric not listed is shown by its suffix (_quote, _bps) or raw
METRIC_LABELS = {
    "net_pnl_quote": ("net PnL", "quote"),
    "total_return": ("return", "pct"),
    "annualised_return": ("annualised return", "pct"),
    "sharpe": ("Sharpe (annualised, per-bar equity returns)", "ratio"),
    "sortino": ("Sortino (annualised, per-bar equity returns)", "ratio"),
    "max_drawdown": ("max drawdown, of the peak", "pct"),
    "max_drawdown_quote": ("max drawdown", "quote"),
    "calmar": ("Calmar", "ratio"),
    "trades": ("trades (closed positions)", "int"),
    "win_rate": ("win rate", "pct"),
    "profit_factor": ("profit factor", "ratio"),
    "avg_trade_pnl_quote": ("mean trade PnL", "quote"),
    "volume_quote": ("volume traded", "quote"),
    "turnover": ("turnover (volume / capital)", "ratio"),
    "fees_quote": ("fees", "quote"),
    "inventory_mean_quote": ("mean inventory", "quote"),
    "inventory_mean_abs_pct": ("mean absolute inventory, of capital", "pct"),
    "inventory_max_abs_pct": ("max absolute inventory, of capital", "pct"),
    "inventory_final_quote": ("inventory at the end", "quote"),
    "time_in_market": ("time in market", "pct"),
    "var_95": ("VaR 95%, of equity per bar", "pct"),
    "cvar_95": ("CVaR 95%, of equity per bar", "pct"),
    "bars": ("bars scored", "int"),
    "risk_free_rate": ("risk-free rate, annual", "pct"),
    "pnl_spread_quote": ("spread capture", "quote"),
    "pnl_inventory_quote": ("inventory PnL", "quote"),
    "pnl_fees_quote": ("fees, both legs", "quote"),
    "pnl_net_quote": ("net PnL, whole run (decomposed)", "quote"),
    "fill_ratio": ("fill ratio (quotes that filled)", "pct"),
    "quote_uptime": ("quote uptime, both sides", "pct"),
    "quote_uptime_any": ("quote uptime, either side", "pct"),
}


def hedge_section(hedge: Mapping[str, Any] | None) -> list[str]:
    """A hedged run's perp (metrics.json "hedge"): what priced it, what it charged, what it did."""
    if not hedge:
        return []
    candles, terms, tracking = hedge["candles"], hedge["terms"], hedge["tracking"]
    basis = " (the spot's own candles: zero basis)" if hedge.get("zero_basis") else ""
    rows = [
        ("perp candles", f"{candles['file']}{basis}"),
        ("maker / taker fee", f"{terms['maker_fee']:.4%} / {terms['taker_fee']:.4%}"),
        ("funding rate", f"{terms['funding_rate']:.4%} per {terms['funding_period_hours']:g} h"),
        ("hedge fills", hedge["fills"]),
        ("hedge volume (quote)", hedge["volume_quote"]),
        ("hedge fees (quote)", hedge["fees_quote"]),
        ("funding paid (quote, < 0 received)", hedge["funding_quote"]),
        ("funding payments", hedge["funding_payments"]),
        ("hedge PnL before funding (quote)", hedge["pnl_quote"]),
        ("position at the end (base)", hedge["position_base"]),
        ("mean |net delta| (base)", tracking["mean_abs_net_delta_base"]),
        ("max |net delta| (base)", tracking["max_abs_net_delta_base"]),
        ("bars past the band", tracking["outside_band"]),
    ]
    return [
        f"<h2>Hedge on {html.escape(hedge['hedge_connector'])} {html.escape(hedge['hedge_pair'])}</h2>",
        "<p>In the PnL above: the perp's PnL less funding. Net delta as the controller saw it at each bar,"
        " after the bar's spot fills and before its hedge orders fill (on the next bar).</p>",
        _table(rows, ("figure", "value")),
    ]


def display(name: str, value: Any, currency: str) -> tuple[str, str]:
    """(label, value as a quant reads it): percentages as percentages, amounts in the quote currency."""
    unit = "quote" if name.endswith("_quote") else "bps" if name.endswith("_bps") else "raw"
    label, unit = METRIC_LABELS.get(name, (name.replace("_", " "), unit))
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return label, "n/a"
    shown = {
        "quote": lambda v: f"{v:,.4f} {currency}",
        "pct": lambda v: f"{v:.2%}",
        "ratio": lambda v: f"{v:,.2f}",
        "int": lambda v: f"{v:,d}",
        "bps": lambda v: f"{v:+,.1f} bps",
    }.get(unit)
    return label, (shown(value) if shown else _format(value))


def utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_html(report: Mapping[str, Any]) -> str:
    metrics = report["metrics"]
    candles = report["candles"]
    off = report.get("signal_off")
    currency = str(report["config"].get("trading_pair", "-quote")).rpartition("-")[2]
    metric_rows = []
    for name, value in metrics.items():
        label, shown = display(name, value, currency)
        metric_rows.append(
            (label, shown, display(name, off["metrics"].get(name), currency)[1] if off else "")
        )
    capital = report["config"].get("total_amount_quote")
    sections = [
        f"<h1>Backtest: {html.escape(report['controller'])} on {html.escape(candles['file'])}</h1>",
        f"<p>Capital {float(capital or 0):,.2f} {html.escape(currency)} (total_amount_quote);"
        f" {candles['rows']} {html.escape(candles['interval'])} bars"
        f" ({candles['filled_bars']} filled gaps),"
        f" {utc(candles['start'])} to {utc(candles['end'])};"
        f" config sha256 <code>{report['config_sha256']}</code>; engine: Hummingbot"
        f" {html.escape(str(report.get('hummingbot_version', '?')))} BacktestingEngineBase.</p>",
        "<p><b>Fills and fees.</b> "
        + " ".join(html.escape(line) for line in report.get("fill_assumptions", []))
        + "</p>",
        f"<p><b>Conventions.</b> {html.escape(report['conventions'])}</p>",
        "<h2>Metrics</h2>",
        _table(metric_rows, ("metric", "this config", "signal off" if off else "-")),
        *maker_section(metrics),
        *hedge_section(report.get("hedge")),
        "<h2>Hummingbot's own summary next to ours</h2>",
        _table(
            [(row["quantity"], row["project"], row["engine"], row["note"]) for row in report["comparison"]],
            ("quantity", "project", "Hummingbot", "why they differ"),
        ),
    ]
    sections += [f'<h2>{title}</h2><img src="{name}" alt="{title}">' for name, title in PLOTS]
    sections += [
        "<h2>Hummingbot summary (raw)</h2>",
        _table(list(report["engine"].items()), ("field", "value")),
        "<h2>Config (normalised)</h2>",
        _table(list(report["config"].items()), ("field", "value")),
    ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:left}img{max-width:100%}"
    )
    title = f"<title>Backtest {html.escape(report['controller'])}</title>"
    head = f"<head><meta charset='utf-8'>{title}<style>{style}</style></head>"
    return f"<!doctype html><html>{head}<body>{''.join(sections)}</body></html>\n"


def render_report(folder: Path, report: Mapping[str, Any], run: Any) -> list[Path]:
    """Write the PNGs and index.html into `folder`; returns the files written."""
    bars, executors, capital = run.bars, run.executors, run.capital
    trades = trade_records(executors.to_dict("records")) if not executors.empty else []
    trade_pnls = [row["net_pnl_quote"] for row in trades]
    plot_equity(bars, capital, folder / "equity.png")
    plot_drawdown(bars, capital, folder / "drawdown.png")
    plot_trade_pnl(trade_pnls, folder / "trade_pnl.png")
    plot_inventory(bars, capital, folder / "inventory.png")
    rows = busiest_window(bars, [row["timestamp"] for row in trades])
    plot_quotes(bars, executors, rows, folder / "quotes.png")
    (folder / "index.html").write_text(render_html(report))
    return [folder / name for name, _ in PLOTS] + [folder / "index.html"]


EXECUTION_ROWS = (  # (key in ExecutionQuality.as_dict(), label)
    ("filled_base", "executed (base)"),
    ("completion", "completion"),
    ("average_price", "average price"),
    ("shortfall_bps", "implementation shortfall vs arrival (bps, > 0 a cost)"),
    ("fees_bps", "fees (bps of notional)"),
    ("total_cost_bps", "total cost (bps)"),
    ("vwap_slippage_bps", "slippage vs interval VWAP (bps)"),
)


def render_execution_html(report: Mapping[str, Any]) -> str:
    """An execution algorithm's run next to a single market order of the same size."""
    candles, execution = report["candles"], report.get("execution")
    config = report["config"]
    sections = [
        f"<h1>Execution backtest: {html.escape(report['controller'])} on {html.escape(candles['file'])}</h1>",
        f"<p>{html.escape(str(config.get('side')))} {_format(config.get('target_base'))}"
        f" {html.escape(str(config.get('trading_pair')))} over {_format(config.get('duration'))} s;"
        f" {report['child_orders']} child orders, {report['fills']} fills;"
        f" {candles['rows']} {html.escape(candles['interval'])} bars, {utc(candles['start'])} to"
        f" {utc(candles['end'])}; config sha256 <code>{report['config_sha256']}</code>; engine: Hummingbot"
        f" {html.escape(str(report.get('hummingbot_version', '?')))} BacktestingEngineBase.</p>",
        "<p><b>Fills and fees.</b> "
        + " ".join(html.escape(line) for line in report.get("fill_assumptions", []))
        + "</p>",
    ]
    if execution is None:
        sections.append("<p>The algorithm sent no child order in this window.</p>")
    else:
        run, benchmark = execution["run"], execution.get("benchmark") or {}
        sections += [
            f"<p>Arrival price {_format(execution['arrival_price'])} (the close of the bar that priced the"
            f" first child, {utc(execution['arrival_timestamp'])}); interval VWAP"
            f" {_format(run.get('vwap'))} over {utc(execution['window_start'])} to"
            f" {utc(execution['window_end'])}.</p>",
            _table(
                [(label, run.get(key), benchmark.get(key)) for key, label in EXECUTION_ROWS],
                ("figure", report["controller"], "one market order"),
            ),
        ]
    sections += ["<h2>Config (normalised)</h2>", _table(list(config.items()), ("field", "value"))]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:left}"
    )
    title = f"<title>Execution backtest {html.escape(report['controller'])}</title>"
    head = f"<head><meta charset='utf-8'>{title}<style>{style}</style></head>"
    return f"<!doctype html><html>{head}<body>{''.join(sections)}</body></html>\n"


def render_execution_report(folder: Path, report: Mapping[str, Any]) -> list[Path]:
    """Write index.html of an execution run into `folder`; returns the files written."""
    (folder / "index.html").write_text(render_execution_html(report))
    return [folder / "index.html"]
