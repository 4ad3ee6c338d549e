"""Parameter models and their validation rules, written once in pure pydantic v2.

The operator side validates configs with these models directly; inside a bot, `adapter.py` builds
the Hummingbot config classes from the same models and re-runs these validators, so both sides
apply identical rules. Every rule rejects with the offending field named in the error location.
"""

from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from controllers.shared_base.core import fee_spread_floor
from controllers.shared_base.indicators import interval_seconds

# Fields Hummingbot's own config bases define and own. The pure models accept them (so a bot's
# YAML validates here) but never redefine them for Hummingbot.
PASSTHROUGH_FIELDS = frozenset(
    {
        "id",
        "candles_config",
        "initial_positions",
        "manual_kill_switch",
        "position_mode",
        "take_profit_order_type",
        "trailing_stop",
        "position_rebalance_threshold_pct",
        "skip_rebalance",
    }
)


# A spread at or above this is a typo, not a quote (1.5 is 150%: a buy at no price, a sell at 2.5x).
MAX_SPREAD = 0.5
# Candle intervals Hummingbot 2.12's candle feeds offer, per exchange (INTERVALS in
# hummingbot/data_feed/candles_feed/<exchange>_*_candles/constants.py); 1M is left out (no fixed length).
CANDLE_INTERVALS = {
    "binance": ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"),
    "bitget": ("1m", "3m", "5m", "15m", "30m", "1h", "4h", "6h", "12h", "1d", "3d", "1w"),
    "bybit": ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w"),
}
ANY_EXCHANGE_INTERVALS = tuple(sorted({i for intervals in CANDLE_INTERVALS.values() for i in intervals}))


def updatable_field(default: Any, prompt: str, **constraints: Any) -> Any:
    """A field the operator may change while the bot runs: `Field(default, <constraints>)`, prompted
    for in Hummingbot's `create` and reloaded from its YAML every 10 s (`is_updatable`)."""
    extra = {"prompt": prompt, "prompt_on_new": True, "is_updatable": True}
    return Field(default=default, json_schema_extra=extra, **constraints)


def fixed_field(default: Any, prompt: str, **constraints: Any) -> Any:
    """A field read once, when the controller starts (a connector, a pair, a leverage)."""
    return Field(default=default, json_schema_extra={"prompt": prompt, "prompt_on_new": True}, **constraints)


def at_most(other: str, why: str = "") -> Any:
    """A field validator: the field may not exceed `other`, a field declared before it (pydantic
    validates in order). Use as `_name = field_validator("field")(at_most("other"))`."""

    def check(cls: Any, value: Any, info: ValidationInfo) -> Any:
        limit = info.data.get(other)
        if limit is not None and value > limit:
            raise ValueError(f"{info.field_name} {value} is above {other} {limit}{why}")
        return value

    return check


def above(other: str, why: str = "") -> Any:
    """A field validator: the field must be strictly greater than `other`, declared before it."""

    def check(cls: Any, value: Any, info: ValidationInfo) -> Any:
        floor = info.data.get(other)
        if floor is not None and value <= floor:
            raise ValueError(f"{info.field_name} {value} must be greater than {other} {floor}{why}")
        return value

    return check


def parse_csv_list(value: Any) -> Any:
    """Hummingbot accepts '0.01,0.02' for list fields; accept it here too."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def format_validation_errors(error: ValidationError) -> list[str]:
    """One 'field: message' line per problem; an unknown field names the nearest known one."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(config)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden" and len(item["loc"]) == 1:
            message = f"unknown field{_nearest_field(error.title, str(item['loc'][0]))}"
        lines.append(f"{location}: {message}")
    return lines


def _nearest_field(model_name: str, field: str) -> str:
    """'; did you mean ...?' with the closest field of the params model named `model_name`, if any."""
    pending, fields = [StrictParams], []
    while pending:
        model = pending.pop()
        if model.__name__ == model_name:
            fields = [name for name in model.model_fields if name not in PASSTHROUGH_FIELDS]
            break
        pending.extend(model.__subclasses__())
    near = difflib.get_close_matches(field, fields, n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def strategy_field_names(model: type[BaseModel]) -> list[str]:
    """Fields a strategy owns, i.e. all except Hummingbot's passthrough ones."""
    return [name for name in model.model_fields if name not in PASSTHROUGH_FIELDS]


class StrictParams(BaseModel):
    """Unknown keys are errors: a typo in a config must not silently fall back to a default."""

    # NaN and infinity are refused everywhere: NaN compares false with every limit, so a NaN spread or a
    # 1e309 (= inf) amount would pass every bound below.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    # Hummingbot-owned passthrough fields, loosely typed; Hummingbot validates them in the bot.
    id: str | None = None
    candles_config: list[Any] = Field(default_factory=list)
    initial_positions: list[Any] = Field(default_factory=list)
    manual_kill_switch: bool = False


class TradingParams(StrictParams):
    """Fields every single-market trading controller shares. Field order matters: validators read
    earlier fields (fees, connector, cooldown) from `info.data`."""

    controller_name: str
    controller_type: str
    connector_name: str = fixed_field("binance", "Connector: ", min_length=1)
    trading_pair: str = fixed_field(
        "ETH-USDT", "Trading pair (BASE-QUOTE): ", pattern=r"^[A-Z0-9]+-[A-Z0-9]+$"
    )
    total_amount_quote: Decimal = updatable_field(Decimal("100"), "Capital in quote asset: ", gt=0)
    fee_maker: float = updatable_field(0.001, "Maker fee (0.001 = 0.1%): ", ge=0, lt=0.05)
    fee_taker: float = updatable_field(0.001, "Taker fee (0.001 = 0.1%): ", ge=0, lt=0.05)
    leverage: int = fixed_field(1, "Leverage (1 on spot): ", ge=1)
    position_mode: str = "HEDGE"
    stop_loss: Decimal = updatable_field(Decimal("0.005"), "Stop loss (0.005 = 0.5%): ", gt=0, lt=1)
    take_profit: Decimal = updatable_field(Decimal("0.005"), "Take profit (0.005 = 0.5%): ", gt=0, lt=1)
    time_limit: int = updatable_field(900, "Position time limit (s): ", gt=0)
    take_profit_order_type: Any = None
    trailing_stop: Any = None
    cooldown_time: int = updatable_field(5, "Cooldown after a stop loss (s): ", ge=0)
    max_drawdown_pct: float = updatable_field(
        0.05, "Kill switch: drawdown as fraction of capital: ", gt=0, le=1
    )
    candles_connector: str | None = fixed_field(None, "Candles connector (empty = same): ")
    candles_trading_pair: str | None = fixed_field(None, "Candles pair (empty = same): ")
    interval: str = fixed_field("1m", "Candle interval (e.g. 1m, 5m): ")

    @field_validator("leverage")
    @classmethod
    def _spot_has_no_leverage(cls, leverage: int, info: ValidationInfo) -> int:
        connector = info.data.get("connector_name", "")
        if leverage > 1 and not connector.endswith("_perpetual"):
            raise ValueError(f"leverage {leverage} > 1 on spot connector '{connector}' (only *_perpetual)")
        return leverage

    @field_validator("take_profit")
    @classmethod
    def _take_profit_pays_fees(cls, take_profit: Decimal, info: ValidationInfo) -> Decimal:
        floor = _floor_from(info)
        if floor is not None and float(take_profit) < floor:
            raise ValueError(
                f"take_profit {take_profit} is below the fee floor {floor:.6f}; every win would lose"
            )
        return take_profit

    @field_validator("interval")
    @classmethod
    def _known_interval(cls, interval: str, info: ValidationInfo) -> str:
        return check_interval(interval, info)

    @property
    def spread_floor(self) -> float:
        return fee_spread_floor(self.fee_maker, self.fee_taker)

    @property
    def bar_seconds(self) -> int:
        return interval_seconds(self.interval)


def check_interval(interval: str, info: ValidationInfo) -> str:
    """A candle interval Hummingbot's feed for the candles connector (or the connector) offers."""
    interval_seconds(interval)
    source = info.data.get("candles_connector") or info.data.get("connector_name") or ""
    exchange = str(source).split("_")[0]
    offered = CANDLE_INTERVALS.get(exchange, ANY_EXCHANGE_INTERVALS)
    if interval not in offered:
        raise ValueError(
            f"{interval!r} is not a candle interval Hummingbot offers for {exchange or 'any exchange'}; "
            f"use one of {', '.join(offered)}"
        )
    return interval


def _floor_from(info: ValidationInfo) -> float | None:
    """Fee floor from already-validated fee fields, or None if a fee itself was invalid."""
    if "fee_maker" not in info.data or "fee_taker" not in info.data:
        return None
    return fee_spread_floor(info.data["fee_maker"], info.data["fee_taker"])


class MarketMakingParams(TradingParams):
    """Quoting ladder plus the shared risk limits. Spreads are per-side fractions of the reference."""

    controller_type: Literal["market_making"] = "market_making"
    buy_spreads: list[float] = updatable_field([0.004, 0.008], "Buy spreads: ")
    sell_spreads: list[float] = updatable_field([0.004, 0.008], "Sell spreads: ")
    buy_amounts_pct: list[Decimal] | None = updatable_field(None, "Buy amount weights: ")
    sell_amounts_pct: list[Decimal] | None = updatable_field(None, "Sell amount weights: ")
    executor_refresh_time: int = updatable_field(30, "Quote refresh time (s): ", gt=0)
    refresh_tolerance: float = updatable_field(
        0.2,
        "Keep a quote past its refresh time while within this fraction of its spread of the new price: ",
        ge=0,
        le=1,
    )
    max_inventory_pct: float = updatable_field(0.5, "Max |inventory| as fraction of capital: ", gt=0, le=1)
    # How the inventory-limit and kill-switch flatten trades (controllers/shared_base/flatten.py): one
    # market order per position closed (Hummingbot's early stop), or a TWAP of the same positions' base.
    flatten_algorithm: Literal["market", "twap"] = updatable_field("market", "Flatten with (market/twap): ")
    flatten_duration: int = updatable_field(300, "TWAP flatten window (s): ", gt=0)
    flatten_slices: int = updatable_field(5, "TWAP flatten slices: ", ge=1)
    flatten_order_type: Literal["maker", "taker"] = updatable_field(
        "taker", "TWAP flatten children (maker/taker): "
    )
    position_rebalance_threshold_pct: Decimal = Decimal("0.05")
    skip_rebalance: bool = False

    _parse_lists = field_validator(
        "buy_spreads", "sell_spreads", "buy_amounts_pct", "sell_amounts_pct", mode="before"
    )(parse_csv_list)

    @field_validator("buy_spreads", "sell_spreads")
    @classmethod
    def _spreads_positive_and_above_fee_floor(cls, spreads: list[float], info: ValidationInfo) -> list[float]:
        floor = _floor_from(info)
        if not spreads:
            raise ValueError("no quote level: give at least one spread (e.g. [0.004])")
        for level, spread in enumerate(spreads):
            if spread < 0:
                raise ValueError(f"level {level}: negative spread {spread}")
            if spread >= MAX_SPREAD:
                raise ValueError(
                    f"level {level}: spread {spread} is {spread:.0%} of the price; spreads are fractions "
                    f"(0.004 = 0.4%) below {MAX_SPREAD}"
                )
            if floor is not None and spread < floor:
                raise ValueError(f"level {level}: spread {spread} is below the fee floor {floor:.6f}")
        return spreads

    @field_validator("buy_amounts_pct", "sell_amounts_pct")
    @classmethod
    def _amounts_match_levels(
        cls, amounts: list[Decimal] | None, info: ValidationInfo
    ) -> list[Decimal] | None:
        if amounts is None:
            return None
        spreads_field = info.field_name.replace("amounts_pct", "spreads")
        spreads = info.data.get(spreads_field)
        if spreads is not None and len(amounts) != len(spreads):
            raise ValueError(
                f"{len(amounts)} amounts for {len(spreads)} {spreads_field}; one weight per level"
            )
        if any(amount <= 0 for amount in amounts):
            raise ValueError("every amount weight must be > 0")
        return amounts

    _refresh_slower_than_cooldown = field_validator("executor_refresh_time")(above("cooldown_time"))

    def level_weights(self, side: Literal["buy", "sell"]) -> list[float]:
        """Fraction of total_amount_quote per level, normalised over both sides like Hummingbot does."""
        buys = [float(a) for a in self.buy_amounts_pct or [1] * len(self.buy_spreads)]
        sells = [float(a) for a in self.sell_amounts_pct or [1] * len(self.sell_spreads)]
        total = sum(buys) + sum(sells)
        return [w / total for w in (buys if side == "buy" else sells)]

    @property
    def max_inventory_quote(self) -> float:
        return float(self.total_amount_quote) * self.max_inventory_pct


class DirectionalParams(TradingParams):
    controller_type: Literal["directional_trading"] = "directional_trading"
    max_executors_per_side: int = updatable_field(1, "Max executors per side: ", ge=1)
    cooldown_time: int = updatable_field(300, "Cooldown after a signal (s): ", gt=0)


class GenericParams(StrictParams):
    """Fields every generic (multi-pair, market-order) controller shares, the kill switch's among them."""

    controller_name: str
    controller_type: Literal["generic"] = "generic"
    connector_name: str = fixed_field("binance", "Connector: ", min_length=1)
    total_amount_quote: Decimal = updatable_field(Decimal("1000"), "Capital: ", gt=0)
    max_drawdown_pct: float = updatable_field(
        0.05, "Kill switch: drawdown as fraction of capital: ", gt=0, le=1
    )

    @property
    def trading_pairs(self) -> list[str]:
        """Pairs the controller trades on `connector_name` (Hummingbot's markets and rate sources)."""
        return []
