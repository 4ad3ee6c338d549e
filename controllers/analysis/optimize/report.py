"""The `optimize` report: JSON for machines, Markdown for people, both written atomically.

Pure. The Markdown puts in-sample and held-out figures side by side per market, for the best trial
and for the base config (defaults or --config), so overfitting (a high in-sample Sharpe that does
not survive the held-out tail) is the first thing a reader sees; above them, which fill model made
every figure and at what costs.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from controllers.analysis.fill_model import assumptions

SIDE_BY_SIDE_METRICS = ("sharpe", "total_return", "max_drawdown", "trades")
REPORT_MODE = 0o644


def _figure(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.3e}"
    return str(value)


def _metric(block: Mapping[str, Any] | None, name: str) -> str:
    if not block:
        return "n/a"
    if "error" in block:
        return "error"
    return _figure(block.get(name))


def market_table(markets: Sequence[Mapping[str, Any]]) -> list[str]:
    header = ["market", "config"]
    for name in SIDE_BY_SIDE_METRICS:
        header += [f"{name} in-sample", f"{name} held-out"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in markets:
        for label in ("best", "base"):
            block = row.get(label) or {}
            cells = [row["market"], label]
            for name in SIDE_BY_SIDE_METRICS:
                cells += [_metric(block.get("in_sample"), name), _metric(block.get("out_of_sample"), name)]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def split_lines(markets: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["| market | searched bars | held-out bars | held-out warm-up (from the searched part) |"]
    lines.append("|---|---|---|---|")
    for row in markets:
        split = row["split"]
        lines.append(
            f"| {row['market']} | {split['train_rows']} | {split['test_rows']} | {split['warmup']} |"
        )
    return lines


def evaluation_errors(markets: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for row in markets:
        for label in ("best", "base"):
            for part in ("in_sample", "out_of_sample"):
                block = (row.get(label) or {}).get(part) or {}
                if "error" in block:
                    lines.append(f"- {row['market']} {label} {part}: {block['error']}")
    return lines


def fill_lines(model: Mapping[str, Any]) -> list[str]:
    """Which fill model made the figures: `model` as the report holds it (one model, or one per market)."""
    by_market = {"": model} if "name" in model else {f" on {name}": own for name, own in model.items()}
    lines = []
    for where, own in by_market.items():
        lines += [f"Fills and fees{where}:", "", *(f"- {line}" for line in assumptions(dict(own))), ""]
    return lines


def trial_counts(trials: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in trials:
        counts[trial["state"]] = counts.get(trial["state"], 0) + 1
    return counts


def render_markdown(report: Mapping[str, Any]) -> str:
    best = report.get("best")
    counts = report["trial_counts"]
    lines = [
        f"# Walk-forward optimisation: {report['controller']}",
        "",
        f"Study `{report['study']}` in `{report['storage']}`; objective: {report['objective']}.",
        f"Each market's first {report['train_fraction']:.0%} of candles is searched; only the rest is "
        "held out and scored once, for the best trial and for the base config.",
        "",
        *fill_lines(report["fill_model"]),
        f"Trials: {sum(counts.values())} in the study ("
        + ", ".join(f"{n} {state.lower()}" for state, n in sorted(counts.items()))
        + f"), {report['workers']} worker process(es), "
        f"{_figure(report.get('trials_per_minute'))} trials/min.",
        "",
        *split_lines(report["markets"]),
        "",
        "## In-sample vs held-out",
        "",
        *market_table(report["markets"]),
        "",
    ]
    errors = evaluation_errors(report["markets"])
    if errors:
        lines += ["Evaluation errors:", "", *errors, ""]
    lines += ["## Best parameters", ""]
    if best is None:
        lines += ["No trial completed: there is no best configuration.", ""]
    else:
        lines += [f"Trial {best['trial']}, in-sample objective {_figure(best['value'])}.", ""]
        lines += ["| parameter | value |", "|---|---|"]
        lines += [f"| {name} | {_figure(value)} |" for name, value in best["params"].items()]
        lines.append("")
    failed = [t for t in report["trials"] if t["state"] == "FAIL"]
    lines += ["## Failed trials", ""]
    lines += [f"- trial {t['number']}: {t['error']} (params {json.dumps(t['params'])})" for t in failed] or [
        "None."
    ]
    rejected = [t for t in report["trials"] if t.get("rejected")]
    if rejected:
        lines += ["", "## Pruned trials (config rejected by the params model, or no objective)", ""]
        lines += [f"- trial {t['number']}: {t['rejected']}" for t in rejected]
    lines += ["", "## Search space", "", "```json", json.dumps(report["space"], indent=2), "```", ""]
    return "\n".join(lines)


def finish_report(data: Mapping[str, Any]) -> dict[str, Any]:
    """The search's data plus the figures the Markdown needs."""
    return {**data, "trial_counts": trial_counts(data["trials"])}


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, then rename over the target: a reader sees
    the old file or the whole new one, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temporary, REPORT_MODE)  # mkstemp creates 0600; a report holds no secret
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_reports(report: Mapping[str, Any], json_path: Path, markdown_path: Path) -> None:
    json_text = json.dumps(report, indent=2, allow_nan=False, default=str) + "\n"
    markdown_text = render_markdown(report)
    write_atomically(json_path, json_text)
    write_atomically(markdown_path, markdown_text)
