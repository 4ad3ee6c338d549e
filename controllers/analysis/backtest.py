"""`hbot-strategies backtest`: one checked config over one candle file -> metrics.json + HTML report.

Inside the Hummingbot runtime only (the CLI re-runs itself there from the host, see runtime.py):

    job = inputs.prepare_backtest(config_path, candles_path, fee)   # pure checks, nothing written yet
    out = run_backtest_report(job, Path("report"))                  # engine runs, report appears whole

When the config turns a sentiment / LLM signal on, the same config runs again with it off and both
sets of metrics go into metrics.json: the backtest gate compares their Sharpe ratios. A hedged config
(hedged_mm, job.perp set) runs on the two-market engine (hedge_engine.py); its PnL includes the hedge's,
net of funding, and metrics.json's "hedge" says what the perp did.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from controllers.analysis.execution_report import run_report
from controllers.analysis.fill_model import assumptions, order_assumptions
from controllers.analysis.inputs import BacktestJob, InputError, is_execution
from controllers.analysis.metrics import CONVENTIONS, engine_comparison, run_metrics
from controllers.analysis.output import staged_output, write_json
from controllers.analysis.perp import tracking
from controllers.plugin_system.registry import CheckedConfig

SCHEMA = "hbot-backtest/1"
EXECUTION_SCHEMA = "hbot-execution-backtest/1"
PROGRESS_MIN_BARS = 2000  # shorter runs take seconds: no bar


def report_data(
    job: BacktestJob,
    run: Any,
    off_run: Any | None = None,
    *,
    risk_free_rate: float = 0.0,
    hummingbot_version: str = "",
) -> dict[str, Any]:
    """The metrics.json document of a run (and of its signal-off twin)."""
    metrics = run_metrics(run, risk_free_rate)
    off = None
    if off_run is not None and job.signal_off is not None:
        off = {
            "config_sha256": job.signal_off.fingerprint,
            "switched_off": list(job.signal_switches),
            "metrics": run_metrics(off_run, risk_free_rate),
        }
    return {
        "schema": SCHEMA,
        "controller": job.controller,
        "config": job.config,
        "config_sha256": job.fingerprint,
        "candles": job.candles.summary(),
        "fee": job.fee,
        "fill_model": run.fill_model,
        "fill_assumptions": assumptions(run.fill_model),
        "risk_free_rate": risk_free_rate,
        "warmup_bars": run.warmup_bars,
        "conventions": CONVENTIONS,
        "metrics": metrics,
        "engine": dict(run.summary),
        "comparison": engine_comparison(metrics, run.summary),
        "signal_off": off,
        "hedge": hedge_data(job, run),
        "hummingbot_version": hummingbot_version,
        "wall_seconds": round(run.wall_seconds, 2),
    }


def hedge_data(job: BacktestJob, run: Any) -> dict[str, Any] | None:
    """What the perp did in a hedged run (None for any other): its fills, fees, funding and PnL (already in
    the run's PnL), the file that priced it, and how closely it tracked the spot (perp.tracking)."""
    summary = run.extras.get("hedge_summary")
    if summary is None or job.hedge_candles is None:
        return None
    records = run.extras["hedge"].to_dict("records")
    return {
        **summary,
        "candles": job.hedge_candles.summary(),
        "zero_basis": job.hedge_candles.sha256 == job.candles.sha256,
        "tracking": tracking(records, float(job.config["delta_band_base"])),
    }


def execution_data(job: BacktestJob, run: Any, *, hummingbot_version: str = "") -> dict[str, Any]:
    """The metrics.json document of an execution algorithm's run: its execution quality against a single
    market order of the whole size sent when its first child was (controllers/analysis/execution_report.py),
    both filled by the run's own fill model. The VWAP window runs from the first child to the end of the
    algorithm's window, or to its last fill when that is later (a final sweep)."""
    report = run_report(run, job.candles.as_columns(), job.config)
    return {
        "schema": EXECUTION_SCHEMA,
        "controller": job.controller,
        "config": job.config,
        "config_sha256": job.fingerprint,
        "candles": job.candles.summary(),
        "fill_model": run.fill_model,
        "fill_assumptions": order_assumptions(run.fill_model),
        "warmup_bars": run.warmup_bars,
        "child_orders": len(run.executors),
        "fills": len(run.fills),
        "execution": None if report is None else report.as_dict(),
        "hummingbot_version": hummingbot_version,
        "wall_seconds": round(run.wall_seconds, 2),
    }


def _progress(bars: int, label: str, enabled: bool):
    if not enabled or bars < PROGRESS_MIN_BARS:
        return None
    from tqdm import tqdm

    return tqdm(total=bars, desc=label, unit="bar", file=sys.stderr, mininterval=1.0, leave=False)


def _run(checked: CheckedConfig, job: BacktestJob, label: str, progress: bool) -> Any:
    from controllers.analysis.engine import UnsupportedExecutorError, run_config

    bar = _progress(job.candles.rows, label, progress)
    try:
        if job.perp is not None:
            from controllers.analysis.hedge_engine import run_hedged_config

            return run_hedged_config(
                checked.config,
                job.candles,
                job.hedge_candles,
                terms=job.perp,
                fee=job.fee,
                warmup_bars=checked.warmup_bars,
                progress=bar,
                fill=job.fill,
            )
        return run_config(
            checked.config,
            job.candles,
            fee=job.fee,
            warmup_bars=checked.warmup_bars,
            progress=bar,
            fill=job.fill,
        )
    except UnsupportedExecutorError as error:
        raise InputError.parse(str(error)) from None
    finally:
        if bar is not None:
            bar.close()


# PyPI names Hummingbot's releases by date, and the VERSION file inside those wheels names the next
# development version (20260126 says dev-2.13.0). Its release notes and Docker tags name the release.
HUMMINGBOT_RELEASES = {"20260126": "2.12.0", "20251215": "2.11.0"}


def hummingbot_release(pypi_version: str) -> str:
    """A PyPI version as a reader looks it up: "2.12.0 (PyPI 20260126)". One not in the table is shown
    as PyPI's own, never guessed."""
    if not pypi_version:
        return ""
    release = HUMMINGBOT_RELEASES.get(pypi_version)
    return f"{release} (PyPI {pypi_version})" if release else f"PyPI {pypi_version}"


def _hummingbot_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return hummingbot_release(version("hummingbot"))
    except PackageNotFoundError:
        return ""


def run_backtest_report(
    job: BacktestJob, out: Path, *, risk_free_rate: float = 0.0, progress: bool = True
) -> Path:
    """Run the engine (twice when a signal is on), then write metrics.json and the report into `out`; an
    execution algorithm's report is its execution quality (execution_data)."""
    from controllers.analysis.report import render_execution_report, render_report

    with staged_output(out) as staging:
        run = _run(job.checked, job, job.controller, progress)
        if is_execution(job.checked.spec):
            data = execution_data(job, run, hummingbot_version=_hummingbot_version())
            write_json(staging / "metrics.json", data)
            render_execution_report(staging, data)
            return Path(out)
        off_run = (
            _run(job.signal_off, job, f"{job.controller} (signal off)", progress)
            if job.signal_off is not None
            else None
        )
        data = report_data(
            job, run, off_run, risk_free_rate=risk_free_rate, hummingbot_version=_hummingbot_version()
        )
        write_json(staging / "metrics.json", data)
        render_report(staging, data, run)
    return Path(out)
