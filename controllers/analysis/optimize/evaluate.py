"""One walk-forward evaluation: a config over a window of candles in Hummingbot's engine, scored from a bar.

Runtime only (imports Hummingbot through `engine`). `evaluate_window` is the single seam between the
search and the backtester: the search, the held-out scoring and the tests all go through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controllers.analysis.candles import Candles
from controllers.analysis.engine import run_config
from controllers.analysis.fill_model import FillTerms
from controllers.analysis.metrics import run_metrics
from controllers.shared_base.plain import plain


def evaluate_window(
    config: Mapping[str, Any],
    candles: Candles,
    *,
    fee: float,
    warmup_bars: int,
    fill: FillTerms | None = None,
    score_from_row: int | None = None,
) -> dict[str, Any]:
    """Backtest `config` over `candles`; the metrics of the bars from row `score_from_row` on.

    fill: the conservative model's terms; None runs Hummingbot's own model at the flat `fee`.
    score_from_row None: scored from the end of `warmup_bars` (the strategy's registered warm-up for
    this config), as `backtest` scores a run.
    """
    run = run_config(config, candles, fee=fee, warmup_bars=warmup_bars, fill=fill)
    score_from = None if score_from_row is None else candles.timestamps[min(score_from_row, candles.rows - 1)]
    metrics = run_metrics(run, score_from=score_from)
    metrics["wall_seconds"] = run.wall_seconds
    return plain(metrics, finite=True)
