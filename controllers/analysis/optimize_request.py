"""Everything `hbot-strategies optimize` checks before it starts, as one validated request.

Pure (no Hummingbot, no Optuna): the host rejects bad input before it delegates to the runtime, and
the runtime builds the same request again from the same arguments. Every error names the option or
field at fault.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from controllers.analysis.candles import CandleError, Candles, load_candles
from controllers.analysis.compare import Market
from controllers.analysis.inputs import BACKTESTABLE_TYPES, InputError, read_config
from controllers.analysis.inputs import check_fee as check_backtest_fee
from controllers.analysis.inputs import warmup_bars as strategy_warmup
from controllers.analysis.optimize_space import (
    SearchSpace,
    SpaceError,
    apply_params,
    config_errors,
    derive_space,
    extreme_configs,
    narrow_space,
)
from controllers.analysis.optimize_walkforward import (
    SplitError,
    WalkForwardSplit,
    check_train_fraction,
    walk_forward_split,
)
from controllers.analysis.optimize_walkforward import warmup_bars as bar_fields_warmup
from controllers.plugin_system.registry import StrategyRegistry, UnknownStrategyError

# SQLAlchemy URL schemes Optuna's RDB storage is known to work with
STORAGE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg2", "mysql", "mysql+pymysql", "mysql+mysqldb")
REPORT_NAMES = ("optimize.json", "optimize.md")
DEFAULT_SQLITE_NAME = "optimize.db"


class RequestError(ValueError):
    """Bad input; the message starts with the option or field at fault."""


@dataclass(frozen=True)
class MarketData:
    """One market of the search: its candles (validated, possibly cut to --last-rows) and their split."""

    market: Market
    candles: Candles
    split: WalkForwardSplit

    @property
    def name(self) -> str:
        return self.market.name

    def config_fields(self) -> dict[str, str]:
        return market_fields(self.market, self.candles)


def market_fields(market: Market, candles: Candles) -> dict[str, str]:
    """What a candle file decides in a config: the market and the bar interval."""
    return {
        "connector_name": market.connector,
        "trading_pair": market.trading_pair,
        "interval": candles.interval,
    }


@dataclass(frozen=True)
class OptimizeRequest:
    controller: str
    base: BaseModel  # validated base config (first market's fields; each market sets its own)
    space: SearchSpace
    markets: tuple[MarketData, ...]
    output: Path
    trials: int
    workers: int
    train_fraction: float
    fee: float
    storage: str
    study_name: str
    seed: int | None

    def trial_config(self, data: MarketData, params: Mapping[str, Any]) -> dict[str, Any]:
        """The config one trial runs on one market."""
        return {**apply_params(self.base, self.space, params), **data.config_fields()}

    @property
    def report_paths(self) -> tuple[Path, Path]:
        return (self.output / REPORT_NAMES[0], self.output / REPORT_NAMES[1])


def check_storage_url(url: str) -> str:
    """An Optuna RDB storage URL: sqlite:///FILE, postgresql://USER@HOST[:PORT]/DB, mysql://..."""
    scheme, _, rest = url.partition("://")
    if not rest or scheme not in STORAGE_SCHEMES:
        raise RequestError(
            f"--storage: {redact(url)!r} is not a supported URL; expected one of "
            f"{', '.join(s + '://...' for s in STORAGE_SCHEMES)}"
        )
    if scheme == "sqlite":
        path = rest.removeprefix("/")
        if not rest.startswith("/") or not path or path == ":memory:":
            raise RequestError(
                "--storage: a SQLite storage needs a file every worker can open: sqlite:///relative.db "
                "or sqlite:////absolute/path.db (not in-memory)"
            )
        return url
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError:
        raise RequestError(f"--storage: {redact(url)!r} has an invalid port") from None
    if not parts.hostname:
        raise RequestError(f"--storage: {redact(url)!r} names no host")
    if not parts.path.strip("/"):
        raise RequestError(f"--storage: {redact(url)!r} names no database (…/DBNAME)")
    return url


def redact(url: str) -> str:
    """The URL without its password: reports and errors must not leak a database secret."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def sqlite_path(url: str) -> Path | None:
    """The database file of a sqlite:/// URL (relative to the working directory), else None."""
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def absolute_sqlite(url: str) -> str:
    """A SQLite URL with an absolute path: the runtime's working directory is not the caller's."""
    path = sqlite_path(url)
    return url if path is None else f"sqlite:///{path.resolve()}"


def check_positive(option: str, value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise RequestError(f"{option}: must be a whole number >= 1, got {value!r}")
    return value


def check_fee(fee: float) -> float:
    try:
        return check_backtest_fee(fee)
    except InputError as error:
        raise RequestError(f"--{error}") from None


def longest_warmup(model: type[BaseModel], configs: list[dict[str, Any]]) -> int:
    """The longest warm-up any of these configs needs: the strategy's own figure where the config
    is valid, else its longest bar-count window (what every built-in's figure is made of)."""
    longest = 1
    for config in configs:
        if config_errors(model, config):
            longest = max(longest, bar_fields_warmup(model, config))
        else:
            longest = max(longest, strategy_warmup(model.model_validate(config)))
    return longest


def read_mapping(option: str, path: Path | None) -> dict[str, Any] | None:
    """A YAML (or JSON) file holding a mapping; None when no file was given."""
    if path is None:
        return None
    try:
        return read_config(path)
    except InputError as error:
        raise RequestError(f"{option} {error}") from None


def backtestable_spec(registry: StrategyRegistry, controller: str):
    try:
        spec = registry.get(controller)
    except UnknownStrategyError as error:
        raise RequestError(f"controller: {error}") from None
    if spec.controller_type not in BACKTESTABLE_TYPES:
        raise RequestError(
            f"controller: {controller} is a {spec.controller_type} controller; Hummingbot's backtester "
            f"only simulates position executors ({', '.join(BACKTESTABLE_TYPES)})"
        )
    return spec


def base_config(
    registry: StrategyRegistry,
    controller: str,
    user: Mapping[str, Any] | None,
    fee: float,
    market_fields: Mapping[str, str],
) -> BaseModel:
    """The validated config every trial starts from: the file's values (or the defaults), this fee."""
    model = registry.params_model(controller)
    config = dict(user or {})
    named = config.get("controller_name", controller)
    if named != controller:
        raise RequestError(f"--config: controller_name is {named!r}, but {controller!r} is being optimised")
    config.update(controller_name=controller, fee_maker=fee, fee_taker=fee, **market_fields)
    config.pop("id", None)
    errors = config_errors(model, config)
    if errors:
        raise RequestError("; ".join(f"--config: {line}" for line in errors))
    return model.model_validate(config)


def build_space(registry: StrategyRegistry, controller: str, base: BaseModel, spec: Any) -> SearchSpace:
    model = registry.params_model(controller)
    try:
        space = (
            derive_space(model, base, controller)
            if spec is None
            else narrow_space(model, base, controller, spec)
        )
    except SpaceError as error:
        raise RequestError(f"--space: {error}") from None
    if not space.ranges:
        raise RequestError(f"--space: {controller} has no searchable parameter; give a space file")
    return space


def read_market(path: Path, last_rows: int | None, fill_gaps: bool) -> tuple[Market, Candles]:
    """The market a candle file names and its validated candles, cut to the last `last_rows`."""
    try:
        market = Market.from_path(path)
        candles = load_candles(path, fill_gaps=fill_gaps)
    except InputError as error:  # its message starts with "candles:"
        raise RequestError(f"--{error}") from None
    except CandleError as error:
        raise RequestError(f"--candles: {error}") from None
    if last_rows is not None and last_rows < candles.rows:
        candles = candles.take(candles.rows - last_rows, candles.rows)
    return market, candles


def split_market(market: Market, candles: Candles, train_fraction: float, warmup: int) -> MarketData:
    try:
        split = walk_forward_split(candles.rows, train_fraction, warmup, market.name)
    except SplitError as error:
        raise RequestError(f"--candles: {error}") from None
    return MarketData(market, candles, split)


def check_output(output: Path) -> Path:
    """--out is a folder (or can become one) that this user may write into."""
    if output.exists() and not output.is_dir():
        raise RequestError(f"--out {output}: exists and is not a directory")
    existing = next(folder for folder in (output, *output.absolute().parents) if folder.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise RequestError(f"--out {output}: {existing} is not a writable folder")
    return output


def study_name(controller: str, markets: tuple[MarketData, ...], fingerprint: Mapping[str, Any]) -> str:
    """Same search (controller, data, split, fee, space, base) -> same study, so a rerun adds trials."""
    data = [(m.name, m.candles.sha256, m.candles.start, m.candles.end) for m in markets]
    digest = hashlib.sha256(json.dumps([data, fingerprint], sort_keys=True, default=str).encode()).hexdigest()
    return f"{controller}-{digest[:12]}"


def build_request(
    registry: StrategyRegistry,
    *,
    controller: str,
    candles: list[Path],
    output: Path,
    trials: int = 50,
    workers: int | None = None,
    train_fraction: float = 0.7,
    fee: float = 0.001,
    storage: str | None = None,
    study: str | None = None,
    space_file: Path | None = None,
    config_file: Path | None = None,
    last_rows: int | None = None,
    fill_gaps: bool = False,
    seed: int | None = None,
) -> OptimizeRequest:
    """Validate every input (cheapest first) and return the request; RequestError on the first problem."""
    spec = backtestable_spec(registry, controller)
    check_positive("--trials", trials)
    check_positive("--workers", workers)
    check_positive("--last-rows", last_rows)
    try:
        train_fraction = check_train_fraction(train_fraction)
    except SplitError as error:
        raise RequestError(str(error)) from None
    fee = check_fee(fee)
    storage = absolute_sqlite(
        check_storage_url(storage) if storage else f"sqlite:///{output / DEFAULT_SQLITE_NAME}"
    )
    check_output(output)
    if not candles:
        raise RequestError("--candles: give at least one candles file")
    if len({Path(c).stem for c in candles}) != len(candles):
        raise RequestError("--candles: the same market is given twice")
    loaded = [read_market(Path(path), last_rows, fill_gaps) for path in candles]
    first = market_fields(*loaded[0])
    base = base_config(registry, controller, read_mapping("--config", config_file), fee, first)
    space = build_space(registry, controller, base, read_mapping("--space", space_file))
    warmup = longest_warmup(spec.params_model, extreme_configs(base, space))
    markets = tuple(split_market(market, data, train_fraction, warmup) for market, data in loaded)
    for data in markets:
        errors = config_errors(spec.params_model, {**apply_params(base, space, {}), **data.config_fields()})
        if errors:
            raise RequestError("; ".join(f"--candles {data.market.path}: {line}" for line in errors))
    fingerprint = {
        "train_fraction": train_fraction,
        "fee": fee,
        "space": space.to_dict(),
        "base": apply_params(base, space, {}),
    }
    return OptimizeRequest(
        controller=controller,
        base=base,
        space=space,
        markets=markets,
        output=output,
        trials=trials,
        workers=workers or os.cpu_count() or 1,
        train_fraction=train_fraction,
        fee=fee,
        storage=storage,
        study_name=study or study_name(controller, markets, fingerprint),
        seed=seed,
    )
