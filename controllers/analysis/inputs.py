"""Everything a backtest checks before it starts, pure (operator side: no Hummingbot, no pandas).

Each problem is an InputError (an AnalysisError: errors.py) naming the field or file at fault:

    job = prepare_backtest(config_path, candles_path, fee=0.001)   # InputError on bad input
    job.checked (the registry's CheckedConfig), job.config (normalised), job.candles, job.signal_switches
    job.hedge_candles, job.perp: a hedged config's perp candles and terms (HedgeChoice; None otherwise)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from controllers.analysis.candles import CandleError, Candles, load_candles
from controllers.analysis.errors import AnalysisError, problem
from controllers.analysis.fill_model import (
    DEFAULT_FILL_MODEL,
    FILL_MODELS,
    FillModelError,
    FillTerms,
    fill_terms,
)
from controllers.analysis.perp import DEFAULT_FUNDING_RATE, PerpTerms, PerpTermsError
from controllers.plugin_system.registry import CheckedConfig, ConfigError, StrategyRegistry, load_registry
from controllers.shared_base.strategies.execution_algos import ExecutionParams

FEE_RANGE = (0.0, 0.01)  # [low, high): a fee of 1% per fill or more is a typo for a percentage
MIN_TRADING_BARS = 2  # bars after the warm-up: one return, at least
# Boolean config fields that switch on an external (sentiment / LLM) signal; the backtest gate keys on them.
SIGNAL_SWITCHES = ("sentiment_enabled", "llm_enabled")
# Controller kinds the engine can run on one candle file: positions (market making, directional) and, of
# the generic kind, the execution algorithms (one parent order in order executors on one pair). Other
# generic controllers trade several pairs (portfolio_rebalance), which the one-market engine cannot.
BACKTESTABLE_TYPES = ("market_making", "directional_trading")


class InputError(AnalysisError):
    """Bad input to a backtest; `field` names the field or file."""


def check_fee(fee: Any) -> float:
    low, high = FEE_RANGE
    if isinstance(fee, bool) or not isinstance(fee, int | float) or not low <= fee < high:
        raise InputError(
            "fee", f"{fee!r} is outside [{low}, {high}); it is a fraction per fill (0.001 = 0.1%)"
        )
    return float(fee)


def read_config(path: str | Path) -> dict[str, Any]:
    """A YAML (or JSON) file holding a mapping, such as a controller config; InputError names the file."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as error:
        raise InputError(str(path), f"cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise InputError(str(path), f"not valid YAML/JSON: {error}") from None
    if not isinstance(data, Mapping):
        raise InputError(str(path), f"expected a mapping, got {type(data).__name__}")
    return dict(data)


def check_config(
    config: Mapping[str, Any],
    registry: StrategyRegistry,
    where: str = "config",
    hedge_candles: bool | None = None,
) -> CheckedConfig:
    """The config checked once; InputError listing every invalid field (unknown controller included).
    `hedge_candles`: see backtest_refusal."""
    try:
        checked = registry.check(config)
    except ConfigError as error:
        raise InputError.each(((where, line) for line in error.errors), sep="\n") from None
    refusal = backtest_refusal(checked.spec, hedge_candles)
    if refusal is not None:
        raise InputError(where, f"controller_name: {refusal}")
    return checked


def is_execution(spec: Any) -> bool:
    """An execution algorithm (twap, vwap, iceberg, or a plugin on their params): its backtest reports
    execution quality against a single market order, not a market maker's metrics."""
    return issubclass(spec.params_model, ExecutionParams)


def is_hedged(spec: Any) -> bool:
    """A spot market maker hedged on a perpetual (hedged_mm, or a plugin on its params): the two-market
    engine (hedge_engine.py) backtests it, given the perp's candles."""
    return bool(getattr(spec.params_model, "hedge_backtest", False))


def backtest_refusal(spec: Any, hedge_candles: bool | None = None) -> str | None:
    """Why the engine cannot backtest this strategy (None: it can). The one rule `backtest`, `compare`
    and `optimize` apply: a generic controller other than an execution algorithm trades several pairs,
    and the engine runs one market; a strategy whose params say `backtest_refusal` (e.g. hedged_mm, two
    markets) would run half of itself.

    `hedge_candles`: None where the command takes one candle file per market (compare, optimize, the
    execution study): a hedged strategy is refused there, by its `backtest_refusal`. True or False for
    `backtest`, which takes the perp's candles (--hedge-candles): given, a hedged strategy runs on the
    two-market engine; missing, the refusal names the option."""
    if spec.controller_type not in BACKTESTABLE_TYPES and not is_execution(spec):
        return (
            f"{spec.name} is a {spec.controller_type} controller that trades several pairs; the engine"
            f" runs one market (it backtests {', '.join(BACKTESTABLE_TYPES)} controllers and the"
            " execution algorithms)"
        )
    if is_hedged(spec) and hedge_candles is not None:
        if hedge_candles:
            return None
        return (
            f"{spec.name} quotes on spot and hedges on a perpetual: name the perp's candles with"
            " --hedge-candles FILE (same interval, a bar at every spot bar); without them the engine"
            " would run it unhedged"
        )
    reason = getattr(spec.params_model, "backtest_refusal", None)
    if isinstance(reason, str) and reason:
        return f"{spec.name} cannot be backtested: {reason}"
    return None


@dataclass(frozen=True)
class FillChoice:
    """The fill model a run asks for, and the rates given for it (None: not given). backtest, compare and
    optimize take it alike; check_fill() turns it into one market's terms."""

    model: str = DEFAULT_FILL_MODEL
    maker_fee: Any = None
    taker_fee: Any = None
    slippage: Any = None
    decisions: Any = None  # fill_model.DECISIONS; None: default_decisions() of the controller

    @property
    def rates(self) -> dict[str, Any]:
        """The conservative model's terms as given (the decisions with them: Hummingbot's engine decides at
        bar closes only)."""
        return {
            "maker_fee": self.maker_fee,
            "taker_fee": self.taker_fee,
            "slippage": self.slippage,
            "decisions": self.decisions,
        }


DEFAULT_CHOICE = FillChoice()  # the conservative model, every rate from the config or the exchange


def default_decisions(spec: Any | None) -> str:
    """When the controller decides unless --decisions says (fill_model.DECISIONS): at each point of a
    bar's path, as a bot re-pricing on the book does, wherever the engine walks the bars; once a bar, at
    its close, for an execution algorithm (its report prices it against one market order on a bar) and a
    hedged market maker (its perp is stepped once a bar). The deciding-once-a-bar backtest flatters a
    market maker: a paper bot made 1.5 to 2.2 times its fills, and lost where it showed a gain or a
    loss three to five times smaller (docs/backtest-vs-paper.md). `spec` None: a strategy ranked by
    its PnL (compare, optimize)."""
    return "close" if spec is not None and (is_execution(spec) or is_hedged(spec)) else "path"


def once_a_bar(choice: FillChoice, what: str) -> FillChoice:
    """`choice` for a study of strategies the engine steps once a bar (`what`: execution algorithms, a
    hedge): decisions close; --decisions path refused, naming the option."""
    if choice.decisions == "path":
        raise InputError("decisions", f"{what} are stepped once a bar: --decisions close")
    return replace(choice, decisions="close") if choice.model == "conservative" else choice


def check_fill(
    choice: FillChoice, connector: str, written: Mapping[str, Any], spec: Any | None = None
) -> FillTerms | None:
    """The conservative model's terms (None for Hummingbot's own model). The rates given here win; then
    the fee_maker/fee_taker the config was written with (`written`, not its defaults); then the
    connector's public tier. The decisions given, else default_decisions(spec); "path" is refused for
    the strategies it does not fit."""
    if choice.model not in FILL_MODELS:
        raise InputError("fill_model", f"{choice.model!r} is not one of {', '.join(FILL_MODELS)}")
    if choice.model == "hummingbot":
        given = [name for name, value in choice.rates.items() if value is not None]
        if given:
            raise InputError(
                given[0],
                "Hummingbot's fill model charges one flat --fee and decides at bar closes;"
                " maker/taker rates, slippage and decisions need --fill-model conservative",
            )
        return None
    decisions = default_decisions(spec) if choice.decisions is None else choice.decisions
    if decisions == "path" and default_decisions(spec) == "close":
        raise InputError(
            "decisions",
            f"{spec.name} is stepped once a bar (an execution algorithm is judged against a market order on"
            " a bar; a hedge's perp moves with the spot's bars): --decisions close",
        )
    try:
        return fill_terms(
            connector,
            maker_fee=written.get("fee_maker") if choice.maker_fee is None else choice.maker_fee,
            taker_fee=written.get("fee_taker") if choice.taker_fee is None else choice.taker_fee,
            slippage=choice.slippage,
            decisions=decisions,
        )
    except FillModelError as error:
        raise InputError.parse(str(error)) from None


@dataclass(frozen=True)
class HedgeChoice:
    """A hedged backtest's perp: its candles and what it charges (None: not given). The fees default to
    the hedge connector's public tier (fill_model.PUBLIC_FEES), the funding rate to Binance's baseline."""

    candles: Any = None  # a path or Candles
    funding_rate: Any = None  # per 8 h
    maker_fee: Any = None
    taker_fee: Any = None


# A perp term's error names the backtest's option, not the spot one of the same name.
HEDGE_FIELDS = {
    "connector_name": "hedge_connector_name",
    "maker_fee": "hedge_maker_fee",
    "taker_fee": "hedge_taker_fee",
}


def check_perp_terms(choice: HedgeChoice, connector: str) -> PerpTerms:
    """The perp's terms for `connector` (the config's hedge_connector_name); InputError names the field."""
    try:
        rates = fill_terms(connector, maker_fee=choice.maker_fee, taker_fee=choice.taker_fee)
        rate = DEFAULT_FUNDING_RATE if choice.funding_rate is None else choice.funding_rate
        return PerpTerms(rates.maker_fee, rates.taker_fee, rate)
    except (FillModelError, PerpTermsError) as error:
        field, message = problem(str(error))
        raise InputError(HEDGE_FIELDS.get(field, field), message) from None


def check_hedge_candles(spot: Candles, perp: Any, fill_gaps: bool) -> Candles:
    """The perp's candles, refused (field hedge_candles) unless they have the spot's interval and a bar at
    every spot bar: the engine steps the spot bars and prices the hedge at the same timestamps."""
    if not isinstance(perp, Candles):
        try:
            perp = load_candles(perp, fill_gaps=fill_gaps)
        except CandleError as error:
            raise InputError("hedge_candles", str(error)) from None
    if perp.interval != spot.interval:
        raise InputError(
            "hedge_candles",
            f"{perp.path} has {perp.interval} bars, {spot.path} {spot.interval}; give both alike",
        )
    missing = sorted(set(spot.timestamps) - set(perp.timestamps))
    if missing:
        raise InputError(
            "hedge_candles",
            f"{perp.path} has no bar at {len(missing)} of the {spot.rows} bars of {spot.path} (the first at"
            f" {missing[0]:.0f}); the perp's file must cover the spot's",
        )
    return perp


def check_window(candles: Candles, warmup: int, controller: str) -> None:
    needed = warmup + MIN_TRADING_BARS
    if candles.rows < needed:
        raise InputError(
            "candles",
            f"{candles.path} has {candles.rows} bars, shorter than {controller}'s warm-up of"
            f" {warmup} bars plus {MIN_TRADING_BARS} to trade ({needed}); use a longer window",
        )


def check_interval(config: Mapping[str, Any], candles: Candles) -> None:
    interval = config.get("interval")
    if interval is not None and interval != candles.interval:
        raise InputError(
            "config",
            f"interval: {interval!r}, but {candles.path} has {candles.interval} bars;"
            f" set interval: {candles.interval} (the strategy's bar maths depend on it)",
        )


def enabled_signals(config: Mapping[str, Any]) -> list[str]:
    """The sentiment / LLM switches a config turns on."""
    return [name for name in SIGNAL_SWITCHES if config.get(name) is True]


def signal_off(config: Mapping[str, Any]) -> dict[str, Any]:
    """The same config with every sentiment / LLM switch off."""
    return {**config, **dict.fromkeys(enabled_signals(config), False)}


@dataclass(frozen=True)
class BacktestJob:
    """A checked backtest: everything the engine needs, nothing the host has yet written."""

    checked: CheckedConfig
    candles: Candles
    fee: float
    signal_switches: tuple[str, ...]
    fill: FillTerms | None = None  # the conservative model's terms; None: Hummingbot's own model at `fee`
    signal_off: CheckedConfig | None = None  # the same config with its signals off, when one is on
    hedge_candles: Candles | None = None  # a hedged config's perp candles (check_hedge_candles)
    perp: PerpTerms | None = None  # and what its perp charges

    @property
    def controller(self) -> str:
        return self.checked.name

    @property
    def config(self) -> dict[str, Any]:
        """Normalised: defaults filled in, no id."""
        return self.checked.config

    @property
    def fingerprint(self) -> str:
        return self.checked.fingerprint

    @property
    def warmup_bars(self) -> int:
        return self.checked.warmup_bars


def prepare_backtest(
    config: str | Path | Mapping[str, Any],
    candles: str | Path | Candles,
    fee: Any,
    *,
    fill_gaps: bool = False,
    registry: StrategyRegistry | None = None,
    choice: FillChoice = DEFAULT_CHOICE,
    hedge: HedgeChoice | None = None,
) -> BacktestJob:
    """Check every input of a backtest; InputError (field named) on the first bad one. `hedge`: the perp
    of a hedged config (hedged_mm), refused for any other; None where the command takes one candle file
    per market (compare), which refuses a hedged config (backtest_refusal)."""
    registry = registry or load_registry()
    fee = check_fee(fee)
    raw = read_config(config) if isinstance(config, str | Path) else dict(config)
    checked = check_config(raw, registry, hedge_candles=None if hedge is None else hedge.candles is not None)
    if hedge is not None and hedge != HedgeChoice() and not is_hedged(checked.spec):
        raise InputError(
            "hedge_candles", f"{checked.name} has no hedge; the perp's options are for hedged_mm"
        )
    normalised = checked.config
    fill = check_fill(choice, str(normalised["connector_name"]), raw, checked.spec)
    if not isinstance(candles, Candles):
        try:
            candles = load_candles(candles, fill_gaps=fill_gaps)
        except CandleError as error:
            raise InputError("candles", str(error)) from None
    check_interval(raw, candles)
    check_window(candles, checked.warmup_bars, checked.name)
    perp_candles = perp = None
    if hedge is not None and hedge.candles is not None:
        perp_candles = check_hedge_candles(candles, hedge.candles, fill_gaps)
        perp = check_perp_terms(hedge, str(normalised["hedge_connector_name"]))
    return BacktestJob(
        checked=checked,
        candles=candles,
        fee=fee,
        signal_switches=tuple(enabled_signals(normalised)),
        signal_off=registry.check(signal_off(normalised)) if enabled_signals(normalised) else None,
        fill=fill,
        hedge_candles=perp_candles,
        perp=perp,
    )
