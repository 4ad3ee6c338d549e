"""Everything `hbot-strategies optimize` checks before it starts, as one validated request.

Pure (no Hummingbot, no Optuna): the host rejects bad input before it delegates to the runtime, and
the runtime builds the same request again from the same arguments. Every error names the option or
field at fault.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from controllers.analysis.candles import CandleError, Candles, Market, load_candles
from controllers.analysis.errors import AnalysisError
from controllers.analysis.fill_model import FillTerms, model_summary, price_increment
from controllers.analysis.inputs import (
    DEFAULT_CHOICE,
    FillChoice,
    InputError,
    backtest_refusal,
    check_fill,
    is_execution,
    read_config,
)
from controllers.analysis.inputs import check_fee as check_backtest_fee
from controllers.analysis.optimize.space import (
    SearchSpace,
    SpaceError,
    apply_params,
    config_errors,
    derive_space,
    extreme_configs,
    narrow_space,
)
from controllers.analysis.optimize.walkforward import (
    SplitError,
    WalkForwardSplit,
    check_train_fraction,
    walk_forward_split,
)
from controllers.plugin_system.registry import StrategyRegistry, StrategySpec, UnknownStrategyError
from controllers.shared_base.core import fee_spread_floor
from controllers.shared_base.plain import digest

# SQLAlchemy URL schemes Optuna's RDB storage is known to work with
STORAGE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg2", "mysql", "mysql+pymysql", "mysql+mysqldb")
REPORT_NAMES = ("optimize.json", "optimize.md")
DEFAULT_SQLITE_NAME = "optimize.db"


class RequestError(AnalysisError):
    """Bad input; `field` names the option or field at fault."""


@dataclass(frozen=True)
class MarketData:
    """One market of the search: its candles (validated, possibly cut to --last-rows), their split and
    what its fills cost."""

    market: Market
    candles: Candles
    split: WalkForwardSplit
    fill: FillTerms | None = None  # the conservative model's terms; None: Hummingbot's own model

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


def fee_fields(fill: FillTerms | None, fee: float) -> dict[str, float]:
    """The fees a config states. The strategies floor their spreads at them, so they are what the model
    charges: the conservative terms, or Hummingbot's one flat rate on both sides."""
    if fill is None:
        return {"fee_maker": fee, "fee_taker": fee}
    return {"fee_maker": fill.maker_fee, "fee_taker": fill.taker_fee}


@dataclass(frozen=True)
class OptimizeRequest:
    spec: StrategySpec
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

    @property
    def controller(self) -> str:
        return self.spec.name

    def trial_config(self, data: MarketData, params: Mapping[str, Any]) -> dict[str, Any]:
        """The config one trial runs on one market, stating the fees that market's fills pay."""
        config = apply_params(self.base, self.space, params)
        return {**config, **data.config_fields(), **fee_fields(data.fill, self.fee)}

    def trial_warmup(self, config: Mapping[str, Any]) -> int:
        return registered_warmup(self.spec, config)

    @property
    def fill_model(self) -> dict[str, Any]:
        """The model (and terms) that makes the figures: once when every market shares it, else by
        market name (the price increment alone often differs)."""
        models = {data.name: model_summary(data.fill, self.fee) for data in self.markets}
        first = next(iter(models.values()))
        return first if all(model == first for model in models.values()) else models

    @property
    def report_paths(self) -> tuple[Path, Path]:
        return (self.output / REPORT_NAMES[0], self.output / REPORT_NAMES[1])


def check_storage_url(url: str) -> str:
    """An Optuna RDB storage URL: sqlite:///FILE, postgresql://USER@HOST[:PORT]/DB, mysql://..."""
    scheme, _, rest = url.partition("://")
    if not rest or scheme not in STORAGE_SCHEMES:
        raise RequestError(
            "--storage",
            f"{redact(url)!r} is not a supported URL; expected one of "
            f"{', '.join(s + '://...' for s in STORAGE_SCHEMES)}",
        )
    if scheme == "sqlite":
        path = rest.removeprefix("/")
        if not rest.startswith("/") or not path or path == ":memory:":
            raise RequestError(
                "--storage",
                "a SQLite storage needs a file every worker can open: sqlite:///relative.db "
                "or sqlite:////absolute/path.db (not in-memory)",
            )
        return url
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError:
        raise RequestError("--storage", f"{redact(url)!r} has an invalid port") from None
    if not parts.hostname:
        raise RequestError("--storage", f"{redact(url)!r} names no host")
    if not parts.path.strip("/"):
        raise RequestError("--storage", f"{redact(url)!r} names no database (…/DBNAME)")
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
        raise RequestError(option, f"must be a whole number >= 1, got {value!r}")
    return value


def as_option(error: AnalysisError) -> RequestError:
    """A shared check's error under the command-line option of its field: fee -> --fee."""
    return error.as_(RequestError, lambda field: f"--{field}")


def check_fee(fee: float) -> float:
    try:
        return check_backtest_fee(fee)
    except InputError as error:
        raise as_option(error) from None


def market_fill(
    market: Market, candles: Candles, written: Mapping[str, Any], choice: FillChoice, spec: Any = None
) -> FillTerms | None:
    """This market's conservative terms (None: Hummingbot's model): the rates given, else the --config's
    fee_maker/fee_taker, else the connector's public tier. The price increment is read once from the
    whole file, so the searched head and the held-out tail fill alike and the report can state it."""
    try:
        fill = check_fill(choice, market.connector, written, spec)
    except InputError as error:
        raise error.as_(RequestError) from None
    if fill is None:
        return None
    # interleaved per bar, as the engine reads a window, so a backtest of the same file finds the same
    bars = zip(candles.open, candles.high, candles.low, candles.close, strict=True)
    prices = [price for bar in bars for price in bar]
    return replace(fill, tick=price_increment(prices))


def strictest_fees(fills: Sequence[FillTerms | None], fee: float) -> dict[str, float]:
    """The fee fields with the highest spread floor across the markets. The space's floor comes from the
    base config: one below a market's own floor would spend trials on configs that market rejects."""
    return max(
        (fee_fields(fill, fee) for fill in fills),
        key=lambda fees: fee_spread_floor(fees["fee_maker"], fees["fee_taker"]),
    )


def registered_warmup(spec: StrategySpec, config: Mapping[str, Any]) -> int:
    """The strategy's registered warm-up for a config, valid or not (a space's corners need not be):
    the params are built without validation, as the warm-up only reads window lengths."""
    return spec.warmup_bars(spec.params_model.model_construct(**config))


def longest_warmup(spec: StrategySpec, configs: list[dict[str, Any]]) -> int:
    """The longest warm-up any of these configs needs."""
    return max((registered_warmup(spec, config) for config in configs), default=1)


def read_mapping(option: str, path: Path | None) -> dict[str, Any] | None:
    """A YAML (or JSON) file holding a mapping; None when no file was given."""
    if path is None:
        return None
    try:
        return read_config(path)
    except InputError as error:  # its field is the file
        raise error.as_(RequestError, lambda path: f"{option} {path}") from None


def backtestable_spec(registry: StrategyRegistry, controller: str):
    try:
        spec = registry.get(controller)
    except UnknownStrategyError as error:
        raise RequestError("controller", str(error)) from None
    refusal = backtest_refusal(spec)
    if refusal is None and is_execution(spec):
        refusal = (
            f"{controller} is an execution algorithm; optimize tunes trading strategies by their returns,"
            " and an execution algorithm is backtested on its own, against a single market order"
        )
    if refusal is not None:
        raise RequestError("controller", refusal)
    return spec


def base_config(
    registry: StrategyRegistry,
    controller: str,
    user: Mapping[str, Any] | None,
    fees: Mapping[str, float],
    market_fields: Mapping[str, str],
) -> BaseModel:
    """The validated config every trial starts from: the file's values (or the defaults), these fees."""
    model = registry.params_model(controller)
    config = dict(user or {})
    named = config.get("controller_name", controller)
    if named != controller:
        raise RequestError("--config", f"controller_name is {named!r}, but {controller!r} is being optimised")
    config.update(controller_name=controller, **fees, **market_fields)
    config.pop("id", None)
    errors = config_errors(model, config)
    if errors:
        raise RequestError.each(("--config", line) for line in errors)
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
        raise RequestError("--space", str(error)) from None
    if not space.ranges:
        raise RequestError("--space", f"{controller} has no searchable parameter; give a space file")
    return space


def read_market(path: Path, last_rows: int | None, fill_gaps: bool) -> tuple[Market, Candles]:
    """The market a candle file names and its validated candles, cut to the last `last_rows`."""
    try:
        market = Market.from_path(path)
    except AnalysisError as error:  # its field is "candles"
        raise as_option(error) from None
    try:
        candles = load_candles(path, fill_gaps=fill_gaps)
    except CandleError as error:
        raise RequestError("--candles", str(error)) from None
    if last_rows is not None and last_rows < candles.rows:
        candles = candles.take(candles.rows - last_rows, candles.rows)
    return market, candles


def split_market(
    market: Market, candles: Candles, train_fraction: float, warmup: int, fill: FillTerms | None
) -> MarketData:
    try:
        split = walk_forward_split(candles.rows, train_fraction, warmup, market.name)
    except SplitError as error:
        raise RequestError("--candles", str(error)) from None
    return MarketData(market, candles, split, fill)


def check_output(output: Path) -> Path:
    """--out is a folder (or can become one) that this user may write into."""
    if output.exists() and not output.is_dir():
        raise RequestError(f"--out {output}", "exists and is not a directory")
    existing = next(folder for folder in (output, *output.absolute().parents) if folder.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise RequestError(f"--out {output}", f"{existing} is not a writable folder")
    return output


def study_name(controller: str, markets: tuple[MarketData, ...], fingerprint: Mapping[str, Any]) -> str:
    """Same search (controller, data, split, fill model and terms, space, base) -> same study, so a
    rerun adds trials; a search under another model never adds to it."""
    data = [(m.name, m.candles.sha256, m.candles.start, m.candles.end) for m in markets]
    return f"{controller}-{digest([data, fingerprint])[:12]}"


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
    choice: FillChoice = DEFAULT_CHOICE,
) -> OptimizeRequest:
    """Validate every input (cheapest first) and return the request; RequestError on the first problem."""
    spec = backtestable_spec(registry, controller)
    check_positive("--trials", trials)
    check_positive("--workers", workers)
    check_positive("--last-rows", last_rows)
    try:
        train_fraction = check_train_fraction(train_fraction)
    except SplitError as error:
        raise error.as_(RequestError) from None
    fee = check_fee(fee)
    storage = absolute_sqlite(
        check_storage_url(storage) if storage else f"sqlite:///{output / DEFAULT_SQLITE_NAME}"
    )
    check_output(output)
    if not candles:
        raise RequestError("--candles", "give at least one candles file")
    if len({Path(c).stem for c in candles}) != len(candles):
        raise RequestError("--candles", "the same market is given twice")
    loaded = [read_market(Path(path), last_rows, fill_gaps) for path in candles]
    user = read_mapping("--config", config_file)
    fills = [market_fill(market, data, user or {}, choice, spec) for market, data in loaded]
    first = market_fields(*loaded[0])
    base = base_config(registry, controller, user, strictest_fees(fills, fee), first)
    space = build_space(registry, controller, base, read_mapping("--space", space_file))
    warmup = longest_warmup(spec, extreme_configs(base, space))
    markets = tuple(
        split_market(market, data, train_fraction, warmup, fill)
        for (market, data), fill in zip(loaded, fills, strict=True)
    )
    fingerprint = {
        "train_fraction": train_fraction,
        "fill_model": [model_summary(data.fill, fee) for data in markets],
        "space": space.to_dict(),
        "base": apply_params(base, space, {}),
    }
    request = OptimizeRequest(
        spec=spec,
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
    for data in markets:
        errors = config_errors(spec.params_model, request.trial_config(data, {}))
        if errors:
            raise RequestError.each((f"--candles {data.market.path}", line) for line in errors)
    return request
