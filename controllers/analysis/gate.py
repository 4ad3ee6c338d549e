"""The backtest gate: no sentiment / LLM signal goes live without a backtest that shows it helps.

A controller whose config turns a signal on (inputs.SIGNAL_SWITCHES, e.g. pmm_rsi_llm's
`sentiment_enabled`) must name a backtest report (`backtest_report:` beside its config in the bot
declaration: a metrics.json written by `hbot-strategies backtest`) that

* is of this exact config: its config_sha256 equals the fingerprint the registry gave the config
  when the bots plan checked it (CheckedConfig.fingerprint),
* was made by the conservative fill model (fill_model.py), not Hummingbot's flattering one, and
* holds the signal-off run of the same config, whose Sharpe is not above the signal-on Sharpe.

Pure (runs in the bots role's preflight, on the Ansible controller). Errors name the bot, the
controller and what is missing, mismatched or worse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from controllers.analysis.inputs import enabled_signals

REPORT_SCHEMA = "hbot-backtest/1"
REPORT_KEY = "backtest_report"
GATE_MODEL = "conservative"  # the only fill model whose Sharpe may put a signal live


def read_report(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(report, None) or (None, why it cannot be used)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None, f"{path} does not exist"
    except OSError as error:
        return None, f"{path} cannot be read: {error.strerror or error}"
    except ValueError:
        return None, f"{path} is not JSON (expected the metrics.json of `hbot-strategies backtest`)"
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        return None, f"{path} is not a backtest report (schema {REPORT_SCHEMA!r} expected)"
    return data, None


def report_problem(report: Mapping[str, Any], fingerprint: str) -> str | None:
    """Why this report does not back the signal, or None when it does."""
    if report.get("config_sha256") != fingerprint:
        return (
            f"is of another config (config_sha256 {str(report.get('config_sha256'))[:12]}..., this config is"
            f" {fingerprint[:12]}...); re-run `hbot-strategies backtest` on exactly this config"
        )
    model = (report.get("fill_model") or {}).get("name")
    if model != GATE_MODEL:
        return (
            f"was made by the {model or 'unnamed'} fill model, not the {GATE_MODEL} one (Hummingbot's own"
            " flatters a market maker: fills past the quote, the exit leg free); re-run"
            " `hbot-strategies backtest` with its default --fill-model conservative"
        )
    off = report.get("signal_off")
    if not isinstance(off, Mapping) or not isinstance(off.get("metrics"), Mapping):
        return "has no signal-off run to compare with; re-run `hbot-strategies backtest` (it adds one)"
    sharpe = (report.get("metrics") or {}).get("sharpe")
    sharpe_off = off["metrics"].get("sharpe")
    if sharpe is None or sharpe_off is None:
        return f"has no defined Sharpe (signal on: {sharpe}, off: {sharpe_off}); backtest a longer window"
    if sharpe < sharpe_off:
        return f"is worse with the signal: Sharpe {sharpe:.3f} with it on, below {sharpe_off:.3f} with it off"
    return None


def check_controller(
    where: str, bot: str, planned: Mapping[str, Any], report_path: Any, base_dir: Path
) -> list[str]:
    """Gate errors for one planned controller (as the bots plan holds it: id, config, fingerprint)."""
    config = planned["config"]
    signals = enabled_signals(config)
    if not signals:
        return []
    controller_id = planned["id"]
    who = f"{where}.{REPORT_KEY}: bot {bot}, controller {controller_id} ({config.get('controller_name')})"
    switched = " and ".join(signals)
    if not report_path:
        return [
            f"{who}: {switched} is on, so a backtest report of this exact config is required;"
            " none is named (run `hbot-strategies backtest` and set backtest_report to its metrics.json)"
        ]
    path = Path(str(report_path)).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if path.is_dir():
        path = path / "metrics.json"
    report, unreadable = read_report(path)
    if report is None:
        return [f"{who}: report {unreadable}"]
    problem = report_problem(report, planned["fingerprint"])
    return [f"{who}: report {path} {problem}"] if problem else []


def check_bots(declared: Any, planned: Mapping[str, Any], base_dir: str | Path) -> list[str]:
    """Gate errors for every bot: `declared` is hummingbot_bots, `planned` the hbot_bots_plan result."""
    if not isinstance(declared, list) or not isinstance(planned, Mapping) or planned.get("errors"):
        return []  # the plan's own errors are reported first
    planned_bots = {bot["name"]: bot for bot in planned.get("bots", [])}
    errors: list[str] = []
    for index, bot in enumerate(declared):
        plan = planned_bots.get(bot.get("name")) if isinstance(bot, Mapping) else None
        if plan is None:
            continue
        for position, (entry, controller) in enumerate(
            zip(bot.get("controllers") or [], plan["controllers"], strict=False)
        ):
            errors += check_controller(
                f"hummingbot_bots[{index}].controllers[{position}]",
                plan["name"],
                controller,
                entry.get(REPORT_KEY) if isinstance(entry, Mapping) else None,
                Path(base_dir),
            )
    return errors
