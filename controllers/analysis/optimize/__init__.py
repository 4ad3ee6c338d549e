"""`hbot-strategies optimize`: a walk-forward parameter search with Optuna (docs/optimize.md).

* request.py: every input checked into one OptimizeRequest (pure; RequestError names the option);
* space.py: the search space, derived from a strategy's params model or narrowed by a file (pure);
* walkforward.py: each market's split into a searched head and a held-out tail (pure);
* search.py: the Optuna study, its worker processes and the held-out scoring (runtime: Optuna);
* evaluate.py: one config over one window in Hummingbot's engine, scored (runtime: Hummingbot);
* report.py: optimize.json and optimize.md, written atomically (pure).

This package imports only the pure part; search and evaluate are imported where the runtime runs them.
"""

from controllers.analysis.optimize.report import finish_report, write_reports
from controllers.analysis.optimize.request import (
    OptimizeRequest,
    RequestError,
    build_request,
    redact,
    sqlite_path,
)
from controllers.analysis.optimize.walkforward import MIN_SCORED_BARS

__all__ = [
    "MIN_SCORED_BARS",
    "OptimizeRequest",
    "RequestError",
    "build_request",
    "finish_report",
    "redact",
    "sqlite_path",
    "write_reports",
]
