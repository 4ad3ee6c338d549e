"""The Optuna side of `hbot-strategies optimize`: one shared study, N worker processes, walk-forward scoring.

Runtime only (Optuna and, through the evaluator, Hummingbot). Every worker process loads the same
study from the RDB storage and runs its share of the trials, so the same code runs one machine
(SQLite, one worker per core) or many (each machine runs the command against one PostgreSQL/MySQL).

A trial samples the space, builds each market's config and backtests it on the market's training
part, under the request's fill model at that market's terms; its value is the mean in-sample Sharpe
across markets. A config the params model rejects (e.g. slow_ema <= fast_ema) is PRUNED with the
reason; a trial whose backtest raises is FAILED with the error, and the search goes on.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import optuna

from controllers.analysis.candles import Candles
from controllers.analysis.fill_model import FillTerms
from controllers.analysis.optimize.request import MarketData, OptimizeRequest, RequestError, redact
from controllers.analysis.optimize.space import ParamRange, base_params, config_errors

Evaluator = Callable[..., dict[str, Any]]
OBJECTIVE_METRIC = "sharpe"
SQLITE_BUSY_TIMEOUT_SECONDS = 600


def default_evaluator() -> Evaluator:
    from controllers.analysis.optimize.evaluate import evaluate_window

    return evaluate_window


def make_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's RDB storage; SQLite waits for the lock instead of failing when workers write at once."""
    engine_kwargs: dict[str, Any] = {}
    if url.startswith("sqlite:"):
        engine_kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    else:
        engine_kwargs["pool_pre_ping"] = True
    return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)


def check_storage_driver(url: str) -> None:
    """The database driver for the URL is importable (a missing one is bad input, not a crash later)."""
    from sqlalchemy.engine import make_url

    try:
        make_url(url).get_dialect().import_dbapi()
    except ImportError as error:
        raise RequestError(
            "--storage", f"no database driver for {redact(url)!r} in this runtime: {error}"
        ) from None


def suggest(trial: optuna.Trial, param: ParamRange) -> Any:
    if param.kind == "bool":
        return trial.suggest_categorical(param.name, [False, True])
    if param.kind == "int":
        return trial.suggest_int(param.name, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(param.name, param.low, param.high, log=param.log)


class UndefinedObjective(ValueError):
    """The objective has no value for this config (e.g. flat equity: it never traded)."""


def objective_value(in_sample: Mapping[str, Mapping[str, Any]]) -> float:
    """Mean in-sample Sharpe across markets; UndefinedObjective names a market where it has none."""
    values = []
    for market, metrics in in_sample.items():
        value = metrics.get(OBJECTIVE_METRIC)
        if value is None or not math.isfinite(value):
            raise UndefinedObjective(
                f"{market}: in-sample {OBJECTIVE_METRIC} is undefined (flat equity: no trades or no variance)"
            )
        values.append(float(value))
    return sum(values) / len(values)


def train_candles(data: MarketData) -> Candles:
    return data.candles.take(0, data.split.train_end)


class Objective:
    """Picklable objective: what one worker runs for every trial it takes from the study."""

    def __init__(self, request: OptimizeRequest, evaluate: Evaluator):
        self.request = request
        self.evaluate = evaluate

    def __call__(self, trial: optuna.Trial) -> float:
        trial.set_user_attr("worker_pid", os.getpid())
        params = {p.name: suggest(trial, p) for p in self.request.space.ranges}
        model = self.request.base.__class__
        configs = {d.name: self.request.trial_config(d, params) for d in self.request.markets}
        for market, config in configs.items():
            errors = config_errors(model, config)
            if errors:
                trial.set_user_attr("rejected", f"{market}: " + "; ".join(errors))
                raise optuna.TrialPruned("; ".join(errors))
        try:
            in_sample = {
                d.name: self.evaluate(
                    configs[d.name],
                    train_candles(d),
                    fee=self.request.fee,
                    warmup_bars=self.request.trial_warmup(configs[d.name]),
                    fill=d.fill,
                )
                for d in self.request.markets
            }
        except Exception as error:
            trial.set_user_attr("error", f"{type(error).__name__}: {error}")
            trial.set_user_attr("traceback", traceback.format_exc(limit=6))
            raise
        trial.set_user_attr("in_sample", in_sample)
        try:
            return objective_value(in_sample)
        except UndefinedObjective as error:
            trial.set_user_attr("rejected", str(error))
            raise optuna.TrialPruned(str(error)) from None


def create_study(request: OptimizeRequest) -> bool:
    """Create (or reuse) the study; a new one gets the base config queued as its first trial.

    True when that trial was queued.
    """
    storage = make_storage(request.storage)
    try:
        study = optuna.create_study(
            study_name=request.study_name, storage=storage, direction="maximize", load_if_exists=True
        )
        if study.get_trials(deepcopy=False):
            return False
        study.enqueue_trial(
            base_params(request.base, request.space), user_attrs={"base_config": True}, skip_if_exists=True
        )
        return True
    finally:
        release(storage)


def release(storage: optuna.storages.RDBStorage) -> None:
    """Close every connection: a forked worker must not inherit (and later close) this process's."""
    storage.remove_session()
    storage.engine.dispose()


def trial_shares(trials: int, workers: int) -> list[int]:
    """Trials per worker, summing exactly to `trials` (no worker gets none)."""
    workers = max(1, min(workers, trials))
    return [trials // workers + (1 if i < trials % workers else 0) for i in range(workers)]


def run_worker(request: OptimizeRequest, evaluate: Evaluator, index: int, trials: int) -> int:
    """One worker: its own connection, its own sampler seed, `trials` trials from the shared study."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seed = None if request.seed is None else request.seed + index
    storage = make_storage(request.storage)
    try:
        study = optuna.load_study(
            study_name=request.study_name, storage=storage, sampler=optuna.samplers.TPESampler(seed=seed)
        )
        study.optimize(Objective(request, evaluate), n_trials=trials, catch=(Exception,), gc_after_trial=True)
    finally:
        release(storage)
    return os.getpid()


def run_workers(request: OptimizeRequest, evaluate: Evaluator, already_run: int = 0) -> list[int]:
    """Every worker's pid; one worker runs in this process, more run in forked processes."""
    remaining = request.trials - already_run
    if remaining < 1:
        return []
    shares = trial_shares(remaining, request.workers)
    if len(shares) == 1:
        return [run_worker(request, evaluate, 0, shares[0])]
    # fork: workers inherit the imported runtime (Hummingbot takes seconds to import)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(shares), mp_context=context) as pool:
        futures = [pool.submit(run_worker, request, evaluate, i, n) for i, n in enumerate(shares)]
        return [future.result() for future in futures]


def held_out_candles(data: MarketData) -> Candles:
    return data.candles.take(data.split.test_feed_start, data.split.rows)


EvaluateTask = tuple[Evaluator, dict[str, Any], Candles, float, int, FillTerms | None, int | None]


def _evaluate_task(task: EvaluateTask) -> dict[str, Any]:
    evaluate, config, candles, fee, warmup_bars, fill, score_from_row = task
    try:
        return evaluate(
            config, candles, fee=fee, warmup_bars=warmup_bars, fill=fill, score_from_row=score_from_row
        )
    except Exception as error:  # reported per market; one failing market must not hide the others
        return {"error": f"{type(error).__name__}: {error}"}


def walk_forward_results(
    request: OptimizeRequest, evaluate: Evaluator, best: optuna.trial.FrozenTrial | None
) -> list[dict[str, Any]]:
    """Per market: in-sample and held-out metrics of the best config and of the base config."""
    candidates = {"base": {}}
    if best is not None:
        candidates["best"] = dict(best.params)
    tasks, keys = [], []
    for data in request.markets:
        held_out_first = data.split.train_end - data.split.test_feed_start
        for label, params in candidates.items():
            config = request.trial_config(data, params)
            warmup = request.trial_warmup(config)
            tasks.append(
                (evaluate, config, held_out_candles(data), request.fee, warmup, data.fill, held_out_first)
            )
            keys.append((data.name, label, "out_of_sample"))
            if label == "base":
                tasks.append((evaluate, config, train_candles(data), request.fee, warmup, data.fill, None))
                keys.append((data.name, label, "in_sample"))
    outcomes = _map(tasks, request.workers)
    results = {key: outcome for key, outcome in zip(keys, outcomes, strict=True)}
    rows = []
    for data in request.markets:
        name = data.name
        in_sample_best = (best.user_attrs.get("in_sample") or {}).get(name) if best is not None else None
        rows.append(
            {
                "market": name,
                "split": data.split.to_dict(),
                "train": [data.candles.start, int(data.candles.timestamps[data.split.train_end - 1])],
                "held_out": [int(data.candles.timestamps[data.split.train_end]), data.candles.end],
                "best": {
                    "in_sample": in_sample_best,
                    "out_of_sample": results.get((name, "best", "out_of_sample")),
                },
                "base": {
                    "in_sample": results[(name, "base", "in_sample")],
                    "out_of_sample": results[(name, "base", "out_of_sample")],
                },
            }
        )
    return rows


def _map(tasks: list[Any], workers: int) -> list[dict[str, Any]]:
    workers = max(1, min(workers, len(tasks)))
    if workers == 1:
        return [_evaluate_task(task) for task in tasks]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_evaluate_task, tasks))


def trial_rows(study: optuna.Study) -> list[dict[str, Any]]:
    """Every trial as plain data: number, state, value, params, worker pid, error or rejection."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        error = trial.user_attrs.get("error") or trial.system_attrs.get("fail_reason")
        rows.append(
            {
                "number": trial.number,
                "state": trial.state.name,
                "value": trial.value,
                "params": dict(trial.params),
                "worker_pid": trial.user_attrs.get("worker_pid"),
                "error": error if trial.state == optuna.trial.TrialState.FAIL else None,
                "rejected": trial.user_attrs.get("rejected"),
                "seconds": trial.duration.total_seconds() if trial.duration else None,
            }
        )
    return rows


def best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return max(complete, key=lambda t: t.value) if complete else None


def run_search(request: OptimizeRequest, evaluate: Evaluator | None = None) -> dict[str, Any]:
    """Run the search and the held-out scoring; return the report's data (see report.py)."""
    evaluate = evaluate or default_evaluator()
    check_storage_driver(request.storage)
    started = time.perf_counter()
    base_queued = create_study(request)
    # SQLite has no row locks: two workers could both take the queued base trial, so it runs here
    run_base_here = base_queued and request.storage.startswith("sqlite:")
    base_pid = [run_worker(request, evaluate, -1, 1)] if run_base_here else []
    pids = sorted(set(base_pid + run_workers(request, evaluate, already_run=len(base_pid))))
    search_seconds = time.perf_counter() - started
    storage = make_storage(request.storage)
    study = optuna.load_study(study_name=request.study_name, storage=storage)
    best = best_trial(study)
    trials = trial_rows(study)
    release(storage)
    markets = walk_forward_results(request, evaluate, best)
    return {
        "controller": request.controller,
        "study": request.study_name,
        "storage": redact(request.storage),
        "objective": f"mean in-sample {OBJECTIVE_METRIC} across markets (maximised)",
        "train_fraction": request.train_fraction,
        "fee": request.fee,
        "fill_model": request.fill_model,
        "workers": request.workers,
        "worker_pids": pids,
        "trials_requested": request.trials,
        "search_seconds": search_seconds,
        "trials_per_minute": request.trials / search_seconds * 60 if search_seconds > 0 else None,
        "space": request.space.to_dict(),
        "best": None
        if best is None
        else {"trial": best.number, "value": best.value, "params": dict(best.params)},
        "markets": markets,
        "trials": trials,
    }
