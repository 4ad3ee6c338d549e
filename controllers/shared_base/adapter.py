"""Thin Hummingbot adapter: builds config classes from the pure params and maps the pure strategies'
decisions to executors, one controller base per kind (market making, directional, generic).

Only this module (and the controller modules) import Hummingbot. All decisions come from the pure
core and strategies; the adapter collects inputs (candles, book, balances, executors) and maps
outputs. Every kind gets the same glue from here: the pure strategy built from the config (and rebuilt
on a hot reload), the latching kill switch (`core.RiskState`) and the closed-executor ledger.

Works both live and in Hummingbot's BacktestingEngineBase, which calls update_processed_data() once,
then replays the `features` frame row by row into processed_data before determine_executor_actions().
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

import pandas as pd
from hummingbot.core.data_type.common import PositionAction, PriceType, TradeType
from hummingbot.data_feed.candles_feed.data_types import CandlesConfig
from hummingbot.strategy_v2.controllers.controller_base import ControllerBase
from hummingbot.strategy_v2.controllers.directional_trading_controller_base import (
    DirectionalTradingControllerBase,
)
from hummingbot.strategy_v2.controllers.market_making_controller_base import MarketMakingControllerBase
from hummingbot.strategy_v2.executors.data_types import ConnectorPair
from hummingbot.strategy_v2.executors.order_executor.data_types import ExecutionStrategy, OrderExecutorConfig
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig
from hummingbot.strategy_v2.models.base import RunnableStatus
from hummingbot.strategy_v2.models.executor_actions import (
    CreateExecutorAction,
    ExecutorAction,
    StopExecutorAction,
)
from hummingbot.strategy_v2.models.executors import CloseType
from pydantic import BaseModel, ValidationError, create_model, model_validator

from controllers.shared_base import core, flatten, hedge
from controllers.shared_base.execution import Fill
from controllers.shared_base.executor_ledger import ClosedExecutorLedger, ExecutorIds
from controllers.shared_base.indicators import Bars
from controllers.shared_base.params import format_validation_errors, strategy_field_names
from controllers.shared_base.strategies.base import (
    DirectionalStrategy,
    GenericStrategy,
    MarketMakingStrategy,
)
from controllers.shared_base.strategies.execution_algos import (
    Candles,
    ChildOrder,
    ExecutionDecision,
    ExecutionState,
    WorkingChild,
)
from controllers.shared_base.strategies.execution_algos import ExecutionStrategy as ExecutionAlgorithm

# Live candle window beyond the warm-up; indicators are EWMA-seeded so a modest margin suffices.
LIVE_CANDLE_MARGIN = 50
AMOUNT_FIELDS = ("buy_amounts_pct", "sell_amounts_pct")


def build_config_class(
    params_model: type[BaseModel], hummingbot_base: type, module: str, methods: type | None = None
) -> type:
    """Hummingbot config class = Hummingbot's base + the strategy's pure fields + the pure validators.

    Field definitions are copied from the pure model and, after Hummingbot's own parsing, the values
    are validated by the pure model itself, so every rule exists exactly once. `module` must be the
    controller module so Hummingbot's loader finds the class there. `methods` is an optional plain
    mixin class for behaviour Hummingbot calls on configs. A generic controller's config gets
    `update_markets` from its params' `trading_pairs` (the single-pair bases have their own).
    """
    fields: dict[str, Any] = {}
    for name in strategy_field_names(params_model):
        info = params_model.model_fields[name]
        copied = copy.copy(info)  # never mutate the pure model's own FieldInfo
        extra = dict(copied.json_schema_extra or {}) if isinstance(copied.json_schema_extra, dict) else {}
        extra.setdefault("prompt", f"{name}: ")  # Hummingbot's schema export expects a prompt on every field
        copied.json_schema_extra = extra
        if name in AMOUNT_FIELDS:
            # Hummingbot's `before` validator turns None into one equal weight per level, and its
            # position rebalance sums these lists; without validate_default the None default stays.
            copied.validate_default = True
        fields[name] = (info.annotation, copied)
    fields.update(_enum_defaults(hummingbot_base))

    def apply_pure_rules(config: Any) -> Any:
        values = {name: getattr(config, name) for name in strategy_field_names(params_model)}
        try:
            params_model.model_validate(values)
        except ValidationError as error:
            raise ValueError("; ".join(format_validation_errors(error))) from None
        return config

    mixins = tuple(m for m in (methods, _generic_markets(params_model)) if m is not None)
    return create_model(
        params_model.__name__.removesuffix("Params") + "Config",
        __base__=(*mixins, hummingbot_base) if mixins else hummingbot_base,
        __module__=module,
        __validators__={"apply_pure_rules": model_validator(mode="after")(apply_pure_rules)},
        **fields,
    )


def _generic_markets(params_model: type[BaseModel]) -> type | None:
    """Mixin for a generic config: Hummingbot's markets are the params' pairs on their connector."""
    kind = params_model.model_fields.get("controller_type")
    if kind is None or kind.default != "generic":
        return None

    class GenericMarkets:
        def update_markets(self, markets: Any) -> Any:
            for pair in pure_params(self, params_model).trading_pairs:
                markets = markets.add_or_update(self.connector_name, pair)
            return markets

    return GenericMarkets


def _enum_defaults(hummingbot_base: type) -> dict[str, Any]:
    """Hummingbot's enum fields whose declared default is the member's name, redeclared with the member.

    Hummingbot 2.12 declares `position_mode: PositionMode = Field(default="HEDGE")`. Pydantic does not
    validate defaults, so a config that leaves the field out keeps the string, and every model_dump()
    (two at each bot start) warns "Expected `enum`" into errors.log, which fires BotErrorsLogRising after
    every restart; perpetual connectors would be handed the string too.
    """
    fields: dict[str, Any] = {}
    for name, info in hummingbot_base.model_fields.items():
        enum, default = info.annotation, info.default
        is_enum = isinstance(enum, type) and issubclass(enum, Enum)
        if is_enum and isinstance(default, str) and default in enum.__members__:
            fixed = copy.copy(info)
            fixed.default = enum[default]
            fields[name] = (enum, fixed)
    return fields


def pure_params(config: Any, params_model: type[BaseModel]) -> Any:
    return params_model.model_validate(
        {name: getattr(config, name) for name in strategy_field_names(params_model)}
    )


def apply_updatable_fields(config: Any, new_config: Any, params_model: type[BaseModel]) -> list[str]:
    """Hot-reload: copy the `is_updatable` fields of `new_config` into `config` all at once.

    Hummingbot assigns them one by one with validate_assignment, so a valid change of two related
    fields (refresh time and cooldown lowered together) fails half-way and leaves a mixed config.
    Here the merged values are checked once against the pure rules; on error nothing is assigned and
    the message names the field. Returns the names of the fields that changed.
    """
    updatable = [
        name
        for name, field in type(config).model_fields.items()
        if (field.json_schema_extra or {}).get("is_updatable", False)
    ]
    merged = {
        name: getattr(new_config if name in updatable else config, name)
        for name in strategy_field_names(params_model)
    }
    try:
        params_model.model_validate(merged)
    except ValidationError as error:
        raise ValueError("; ".join(format_validation_errors(error))) from None
    changed = [name for name in updatable if getattr(config, name) != getattr(new_config, name)]
    for name in changed:
        config.__dict__[name] = getattr(new_config, name)  # validated above, as a whole
    return changed


def _is_backtest(provider: Any) -> bool:
    from hummingbot.strategy_v2.backtesting.backtesting_data_provider import BacktestingDataProvider

    return isinstance(provider, BacktestingDataProvider)


def _bars(candles: pd.DataFrame) -> Bars:
    return Bars(
        candles["timestamp"].tolist(),
        candles["high"].tolist(),
        candles["low"].tolist(),
        candles["close"].tolist(),
    )


TRACE_COLUMNS = (
    "timestamp",
    "reference_price",
    "inventory_quote",
    "pnl_quote",
    "best_bid",  # highest live bid after this tick's actions (kept and new quotes)
    "best_ask",
    "spread_floor",
    "flatten_quote",
    "positions_closed",
    "killed",
    "stops",
    "creates",
)


def _plan_levels(plan: core.QuotePlan) -> list[str]:
    """Level ids the plan quotes: buy_0.. then sell_0.., only on enabled sides."""
    buys = [f"buy_{level}" for level in range(len(plan.buy_prices))] if plan.quote_buy else []
    sells = [f"sell_{level}" for level in range(len(plan.sell_prices))] if plan.quote_sell else []
    return buys + sells


def _level_id(executor: Any) -> str | None:
    return getattr(executor.config, "level_id", None) or executor.custom_info.get("level_id")


def _level_index(executor: Any) -> int | None:
    level_id = _level_id(executor) or ""
    _, _, index = level_id.partition("_")
    return int(index) if index.isdigit() else None


@dataclass
class ExecutorScan:
    inventory: float = 0.0
    open_pnl: float = 0.0
    closed_pnl: float = 0.0
    busy_levels: set = field(default_factory=set)
    cooling_levels: set = field(default_factory=set)
    quotes: list = field(default_factory=list)  # active, unfilled position executors
    positions: list = field(default_factory=list)  # (id, signed quote amount, opened at, level id)
    position_executors: dict = field(default_factory=dict)  # id -> the ExecutorInfo of each of those


class _CandleFeatures:
    """Mixin: candles -> strategy feature columns -> processed_data (+ `features` frame in backtests)."""

    config: Any
    market_data_provider: Any
    processed_data: dict
    strategy: Any

    def _candle_window(self) -> int:
        """Bars the candle feed must hold: the strategy's warm-up."""
        return self.strategy.warmup_bars

    def _setup_candles(self, config: Any, warmup_bars: int) -> None:
        self.candles_connector = config.candles_connector or config.connector_name
        self.candles_trading_pair = config.candles_trading_pair or config.trading_pair
        self.max_records = warmup_bars + LIVE_CANDLE_MARGIN
        if len(config.candles_config) == 0:
            config.candles_config = [
                CandlesConfig(
                    connector=self.candles_connector,
                    trading_pair=self.candles_trading_pair,
                    interval=config.interval,
                    max_records=self.max_records,
                )
            ]

    def _candle_columns(self, compute) -> dict[str, list[float]] | None:
        candles = self.market_data_provider.get_candles_df(
            self.candles_connector, self.candles_trading_pair, self.config.interval, self.max_records
        )
        if candles is None or len(candles) == 0:
            return None
        bars = _bars(candles)
        columns = compute(bars)
        self.processed_data = {name: values[-1] for name, values in columns.items()}
        if self._backtest:
            self.processed_data["features"] = pd.DataFrame({"timestamp": bars.timestamps, **columns})
        return columns


class _StrategyGlue:
    """Mixin every kind shares: the pure strategy built from the config, rebuilt on a hot reload; the
    closed-executor ledger; the latching kill switch over the executors' PnL."""

    strategy_class: type
    config: Any
    market_data_provider: Any
    executors_info: list
    risk_state: core.RiskState
    closed_executors: ClosedExecutorLedger
    executor_ids: ExecutorIds

    def __init__(self, config: Any, *args: Any, **kwargs: Any):
        """The pure strategy first (its warm-up sizes the candle feed Hummingbot's base starts with),
        then Hummingbot's base, then the ledger and the kill switch."""
        self.strategy = self.make_strategy(config)
        if isinstance(self, _CandleFeatures):
            self._setup_candles(config, self._candle_window())
        super().__init__(config, *args, **kwargs)
        self._backtest = _is_backtest(self.market_data_provider)
        self._setup_risk()

    def make_strategy(self, config: Any) -> Any:
        return self.strategy_class(pure_params(config, self.strategy_class.params_model))

    def update_config(self, new_config: Any) -> None:
        apply_updatable_fields(self.config, new_config, self.strategy_class.params_model)
        self.strategy = self.make_strategy(self.config)

    def _setup_risk(self) -> None:
        self.risk_state = core.RiskState()
        self.closed_executors = ClosedExecutorLedger(stop_loss=CloseType.STOP_LOSS)
        self.executor_ids = ExecutorIds(str(self.config.id))

    def market_order(
        self, now: float, connector: str, trading_pair: str, buy: bool, amount_base: float, level_id: str,
        **extra: Any,
    ) -> CreateExecutorAction:
        """A market OrderExecutor under an id from the controller's own ExecutorIds (`extra`: more of
        OrderExecutorConfig's fields, e.g. a perp's position_action and leverage)."""
        return CreateExecutorAction(
            controller_id=self.config.id,
            executor_config=OrderExecutorConfig(
                id=self.executor_ids.next(now),
                timestamp=now,
                connector_name=connector,
                trading_pair=trading_pair,
                side=TradeType.BUY if buy else TradeType.SELL,
                amount=Decimal(str(amount_base)),
                execution_strategy=ExecutionStrategy.MARKET,
                level_id=level_id,
                **extra,
            ),
        )

    def executors_pnl(self) -> tuple[list, float]:
        """The active executors, and the net PnL of every executor (closed ones read once, by the ledger;
        stopped ones whose close has not filled, as they stand)."""
        ledger = self.closed_executors
        active = ledger.update(self.executors_info)
        return active, ledger.realised_pnl + ledger.closing_pnl + sum(float(e.net_pnl_quote) for e in active)

    def update_kill_switch(self, pnl_quote: float) -> core.RiskState:
        """Latch the kill switch on a drawdown of `max_drawdown_pct` of capital, or Hummingbot's
        `manual_kill_switch`; once killed it stays killed until the bot restarts."""
        self.risk_state = core.update_kill_switch(
            self.risk_state,
            pnl_quote,
            float(self.config.total_amount_quote),
            self.strategy.params.max_drawdown_pct,
            manual=bool(self.config.manual_kill_switch),
        )
        return self.risk_state


class SharedMarketMakingController(_StrategyGlue, _CandleFeatures, MarketMakingControllerBase):
    """Market-making adapter. Subclasses set `strategy_class` (a pure MarketMakingStrategy)."""

    strategy_class: type[MarketMakingStrategy] = MarketMakingStrategy

    def __init__(self, config: Any, *args: Any, **kwargs: Any):
        super().__init__(config, *args, **kwargs)
        self.quote_plan: core.QuotePlan | None = None
        self.account: core.AccountState | None = None
        self.book: core.BookTop | None = None
        self.funding: core.Funding | None = None  # last tick's budget check (None: not checked)
        self.trace: list[tuple] = []  # backtests only, see trace_frame()
        # flatten_algorithm twap (flatten.py): the unwind working, its children, what the finished ones made
        self.unwind: flatten.Unwind | None = None
        self.unwind_children = ChildBook()
        self.unwind_status: dict | None = None
        self.unwound_pnl = 0.0
        self.kept_ended: dict[str, flatten.Kept] = {}  # what each kept position held when it ended

    async def update_processed_data(self) -> None:
        columns = self._candle_columns(self.strategy.features)
        if columns is None:  # no candles yet: nothing trustworthy to quote on
            self.processed_data = {
                "reference_price": Decimal("0"),
                "spread_multiplier": Decimal("1"),
                "ready": 0.0,
            }
            return
        self.processed_data["spread_multiplier"] = 1.0  # spreads come fully formed from the QuotePlan
        if self._backtest:
            self.processed_data["features"]["spread_multiplier"] = 1.0

    # --- inputs for the pure core -------------------------------------------------------------------
    def scan_executors(self) -> ExecutorScan:
        """One pass over this controller's active executors: inventory, PnL, busy levels, quotes,
        positions. Closed executors are read once, by the ledger (see executor_ledger.py)."""
        now = float(self.market_data_provider.time() or 0)
        scan = ExecutorScan()
        for e in self.closed_executors.update(self.executors_info):
            scan.open_pnl += float(e.net_pnl_quote)
            if not isinstance(e.config, PositionExecutorConfig):
                scan.busy_levels.add(_level_id(e))  # e.g. Hummingbot's own position rebalance order
                continue
            if e.is_trading:
                signed = (1.0 if e.config.side == TradeType.BUY else -1.0) * float(e.filled_amount_quote)
                scan.inventory += signed
                scan.positions.append((e.id, signed, e.timestamp, _level_id(e)))
                scan.position_executors[e.id] = e
            else:
                scan.quotes.append(e)
        cooling = self.closed_executors.cooling(now, float(self.config.cooldown_time))
        scan.cooling_levels = {_level_id(e) for e in cooling}
        scan.closed_pnl = self.closed_executors.realised_pnl
        scan.open_pnl += self.closed_executors.closing_pnl  # stopped, their close not filled yet
        scan.inventory += self.held_inventory_quote()
        return scan

    def neutral_inventory_quote(self) -> float:
        """Base stock Hummingbot's spot position rebalance keeps for the sell levels (0 when it is off).

        That stock is working capital for the asks, not a directional bet, so it is not inventory risk.
        """
        if self.config.skip_rebalance or "_perpetual" in self.config.connector_name:
            return 0.0
        return sum(self.strategy.params.level_weights("sell")) * float(self.config.total_amount_quote)

    def held_inventory_quote(self) -> float:
        """Positions held (e.g. filled rebalance orders), less the neutral stock they are meant to be."""
        held = 0.0
        for position in self.positions_held:
            if (
                position.connector_name == self.config.connector_name
                and position.trading_pair == self.config.trading_pair
            ):
                sign = 1.0 if position.side == TradeType.BUY else -1.0
                held += sign * float(position.amount_quote)
        return held - min(max(held, 0.0), self.neutral_inventory_quote())

    def account_state(self) -> core.AccountState:
        scan = self.scan_executors()
        return core.AccountState(inventory_quote=scan.inventory, pnl_quote=scan.closed_pnl + scan.open_pnl)

    def book_top(self) -> core.BookTop | None:
        if self._backtest:  # the backtester has no book; every price type is the bar close
            return None
        try:
            bid = float(
                self.market_data_provider.get_price_by_type(
                    self.config.connector_name, self.config.trading_pair, PriceType.BestBid
                )
            )
            ask = float(
                self.market_data_provider.get_price_by_type(
                    self.config.connector_name, self.config.trading_pair, PriceType.BestAsk
                )
            )
        except Exception:  # a missing book must degrade to candle prices, not stop the controller
            return None
        book = core.BookTop(bid, ask)
        return book if book.is_valid else None

    def budget(self, scan: ExecutorScan, stopping: Container[str]) -> core.Budget | None:
        """What the account can commit to new orders now; None where balances are not known (the
        backtester simulates none) and the quotes then go out unchecked, as before. Spot only: on a
        perpetual both sides draw on margin (quote / leverage), which the rule does not model.

        Hummingbot's available balance already nets out the orders on the book (the paper connector's
        too); our own executors that have no order on the book yet are taken off here as well, so a
        level is not funded twice in the tick between an executor's creation and its first order.
        """
        if self._backtest or "_perpetual" in self.config.connector_name:
            return None
        connector, pair = self.config.connector_name, self.config.trading_pair
        base_asset, quote_asset = pair.split("-")
        try:
            base = float(self.market_data_provider.get_available_balance(connector, base_asset))
            quote = float(self.market_data_provider.get_available_balance(connector, quote_asset))
        except ValueError:  # MarketDataProvider has no such connector: leave the quotes unchecked
            return None
        for e in scan.quotes:
            if e.id in stopping or e.custom_info.get("order_ids"):
                continue
            if e.config.side == TradeType.BUY:
                quote -= float(e.config.amount) * float(e.config.entry_price)
            else:
                base -= float(e.config.amount)
        min_base = min_notional = 0.0
        try:
            rule = self.market_data_provider.get_trading_rules(connector, pair)
            min_base, min_notional = float(rule.min_order_size), float(rule.min_notional_size)
        except (KeyError, ValueError):  # no rules for the pair yet, or no connector: no minimum known,
            pass  # and the connector still checks each order
        fee = max(float(self.config.fee_maker), float(self.config.fee_taker))
        return core.Budget(base, quote, min_base, min_notional, fee)

    def fund(
        self, plan: core.QuotePlan, levels: list[tuple[str, Decimal, Decimal]], budget: core.Budget | None
    ) -> list[tuple[str, Decimal, Decimal]]:
        """The (level id, price, amount) the budget pays for, shrunk where it pays for part; the
        outcome per side is kept in self.funding for get_custom_info()."""
        if budget is None:
            self.funding = None
            return levels
        sides = {side: [level for level in levels if level[0].startswith(side)] for side in ("buy", "sell")}
        self.funding = core.fund_levels(
            plan.reference_price,
            [(float(price), float(amount)) for _, price, amount in sides["buy"]],
            [(float(price), float(amount)) for _, price, amount in sides["sell"]],
            budget,
        )
        funded = []
        for side in ("buy", "sell"):
            amounts = getattr(self.funding, side).amounts
            for (level_id, price, amount), funded_amount in zip(sides[side], amounts, strict=True):
                if funded_amount > 0:
                    shrunk = funded_amount < float(amount)
                    funded.append((level_id, price, Decimal(str(funded_amount)) if shrunk else amount))
        return funded

    def fund_rebalance(self, action: Any, budget: core.Budget | None, reference: float):
        """Hummingbot's spot position rebalance (a market order) goes out only if the balance pays for
        all of it; it is paid first, as Hummingbot places it first. Returns (action or None, budget left)."""
        if action is None or budget is None:
            return action, budget
        config = action.executor_config
        buy = config.side == TradeType.BUY
        available = budget.quote if buy else budget.base
        funding = core.fund_side(
            ((reference, float(config.amount)),), reference, available, buy=buy, budget=budget
        )
        if funding.status != core.FUNDED:
            return None, budget
        return action, dataclasses.replace(budget, **{"quote" if buy else "base": funding.left})

    def compute_quote_plan(self, account: core.AccountState | None = None) -> core.QuotePlan | None:
        row = self.processed_data
        if not row or float(row.get("reference_price", 0) or 0) <= 0:
            return None
        account = account or self.account_state()
        self.update_kill_switch(account.pnl_quote)
        now = float(self.market_data_provider.time() or 0)
        self.book = self.book_top()
        return self.strategy.plan(row, account, self.risk_state, self.book, now)

    # --- mapping the plan to executor actions ---------------------------------------------------------
    def determine_executor_actions(self) -> list[ExecutorAction]:
        """Stops first (stale, disabled side, flatten, kill switch), then quotes for every free level.

        A quote being refreshed is replaced in the same tick, so a level is never left empty for a
        tick; in a backtest a tick is a whole candle.
        """
        scan = self.scan_executors()
        now = float(self.market_data_provider.time() or 0)
        mid = self.mid_price()
        pnl = scan.closed_pnl + scan.open_pnl + self.unwind_pnl(now, mid)
        account = core.AccountState(inventory_quote=scan.inventory, pnl_quote=pnl)
        self.account = account
        self.quote_plan = plan = self.compute_quote_plan(account)
        if plan is None:
            return []
        resting = [
            core.RestingQuote(
                id=e.id,
                buy=e.config.side == TradeType.BUY,
                level=_level_index(e),
                price=float(e.config.entry_price),
                age_seconds=now - e.timestamp,
            )
            for e in scan.quotes
        ]
        stopping: dict[str, None] = dict.fromkeys(
            core.quotes_to_stop(
                resting,
                plan,
                self.book,
                float(self.config.executor_refresh_time),
                self.strategy.params.refresh_tolerance,
            )
        )
        close_ids = core.select_positions_to_close([p[:3] for p in scan.positions], plan.flatten_quote)
        if self.strategy.params.flatten_algorithm == "market":
            stopping.update(dict.fromkeys(close_ids))
            kept = []
        else:
            kept = self.start_unwind(scan, close_ids, plan.flatten_quote, now, mid)
        actions: list[ExecutorAction] = [
            StopExecutorAction(controller_id=self.config.id, executor_id=executor_id)
            for executor_id in stopping
        ]
        actions += [
            StopExecutorAction(controller_id=self.config.id, executor_id=executor_id, keep_position=True)
            for executor_id in kept
        ]
        stopping.update(dict.fromkeys(kept))
        actions += self.unwind_actions(now, mid)
        creates = 0
        if plan.is_quoting:
            busy = scan.busy_levels | scan.cooling_levels
            busy.update(_level_id(e) for e in scan.quotes if e.id not in stopping)
            busy.update(level for position_id, _, _, level in scan.positions if position_id not in stopping)
            budget = self.budget(scan, stopping)
            rebalance, budget = self.fund_rebalance(
                self.check_position_rebalance(), budget, plan.reference_price
            )
            if rebalance is not None:
                actions.append(rebalance)
            levels = [
                (level_id, *self.get_price_and_amount(level_id))
                for level_id in _plan_levels(plan)
                if level_id not in busy
            ]
            for level_id, price, amount in self.fund(plan, levels, budget):
                actions.append(
                    CreateExecutorAction(
                        controller_id=self.config.id,
                        executor_config=self.get_executor_config(level_id, price, amount),
                    )
                )
                creates += 1
        else:
            self.funding = None
        if self._backtest:
            live = [e.config for e in scan.quotes if e.id not in stopping]
            live += [getattr(action, "executor_config", None) for action in actions]
            bids, asks = [], []
            for config in live:
                if isinstance(config, PositionExecutorConfig):
                    (bids if config.side == TradeType.BUY else asks).append(float(config.entry_price))
            self.trace.append(
                (
                    now,
                    plan.reference_price,
                    account.inventory_quote,
                    account.pnl_quote,
                    max(bids, default=float("nan")),
                    min(asks, default=float("nan")),
                    plan.spread_floor,
                    plan.flatten_quote,
                    len(close_ids),
                    plan.killed,
                    len(stopping),
                    creates,
                )
            )
        return actions

    # --- the flatten worked by a TWAP (flatten_algorithm twap, flatten.py) -------------------------------
    def mid_price(self) -> float | None:
        return provider_price(
            self.market_data_provider,
            self.config.connector_name,
            self.config.trading_pair,
            PriceType.MidPrice,
        )

    def start_unwind(
        self, scan: ExecutorScan, close_ids: list[str], flatten_quote: float, now: float, mid: float | None
    ) -> list[str]:
        """Start an unwind of the positions the flatten picked (and of held inventory on that side when
        they cover less than the flatten amount); returns the positions to stop with keep_position. None
        starts while one works, or without a price."""
        if self.unwind is not None or not flatten_quote or mid is None:
            return []
        side = 1 if flatten_quote > 0 else -1
        params = self.strategy.params
        base = cost = kept_quote = 0.0
        for executor_id in close_ids:  # the plan, until Hummingbot says what they hold (flatten.py)
            info = scan.position_executors[executor_id]
            entry = float(info.custom_info.get("current_position_average_price") or 0) or mid
            notional = float(info.filled_amount_quote)
            base += notional / entry
            cost += notional * (1 + side * params.fee_maker)  # a quote fills as a maker
            kept_quote += notional
        held = self.held_inventory_quote()
        extra_quote = min(abs(flatten_quote) - kept_quote, held * side) if held * side > 0 else 0.0
        extra_base = max(extra_quote, 0.0) / mid
        self.unwind = flatten.start_unwind(
            close_ids,
            flatten.Kept(base, cost),
            flatten.Kept(extra_base, extra_base * mid),
            side,
            flatten.TwapSettings(
                self.config.connector_name,
                self.config.trading_pair,
                params.flatten_duration,
                params.flatten_slices,
                params.flatten_order_type,
            ),
        )
        self.unwind_children = ChildBook()
        self.kept_ended = {}
        return close_ids if self.unwind is not None else []

    def settle_unwind(self) -> bool:
        """Settle a pending unwind once every position it kept has ended, on what each holds: its held
        orders if it ended POSITION_HOLD (one that closed itself first holds its own exit's net, often
        0), nothing otherwise (its PnL is then its own, in the ledger). True once settled."""
        unwind = self.unwind
        for executor in self.executors_info:
            new = executor.id in unwind.kept_ids and executor.id not in self.kept_ended
            if new and executor.status == RunnableStatus.TERMINATED:
                held = executor.close_type == CloseType.POSITION_HOLD
                orders = held_orders(executor) if held else []
                self.kept_ended[executor.id] = flatten.Kept.from_orders(orders, unwind.side)
        # One no longer listed ended before a tick saw it (Hummingbot drops closed executors from
        # executors_info past a buffer): counted as holding nothing, its base stays in positions_held,
        # where a later flatten finds it.
        listed = {executor.id for executor in self.executors_info}
        if any(i in listed and i not in self.kept_ended for i in unwind.kept_ids):
            return False
        lot, min_order = lot_and_minimum(
            self.market_data_provider, self.config.connector_name, self.config.trading_pair
        )
        kept = [self.kept_ended.get(i, flatten.Kept(0.0, 0.0)) for i in unwind.kept_ids]
        unwind.settle(kept, dust=max(lot, min_order))
        return True

    def _unwind_children(self, now: float) -> tuple[tuple[Fill, ...], tuple[WorkingChild, ...], int]:
        executors = [e for e in self.executors_info if e.id in self.unwind.children]
        return self.unwind_children.scan(executors, now)

    def _unwind_state(self, now: float, mid: float | None) -> tuple[ExecutionState, int]:
        fills, working, failed_in_a_row = self._unwind_children(now)
        book = self.book_top()
        lot, min_order = lot_and_minimum(
            self.market_data_provider, self.config.connector_name, self.config.trading_pair
        )
        state = ExecutionState(
            now=now,
            mid=mid,
            fills=fills,
            working=working,
            best_bid=book.best_bid if book else None,
            best_ask=book.best_ask if book else None,
            failed_in_a_row=failed_in_a_row,
            lot_base=lot,
            min_order_base=min_order,
        )
        return state, len(working)

    def unwind_remaining_base(self) -> float:
        """Base the working unwind has yet to trade: the plan's while pending (0: none working)."""
        unwind = self.unwind
        if unwind is None:
            return 0.0
        if unwind.pending:
            return unwind.estimate.base + unwind.extra.base
        return max(unwind.base - self.unwind_children.filled_base, 0.0)

    def unwind_pnl(self, now: float, mid: float | None) -> float:
        """What the unwinds made: the finished ones', and the working one's marked at `mid`."""
        if self.unwind is None or mid is None:
            return self.unwound_pnl
        fills, _, _ = self._unwind_children(now)
        return self.unwound_pnl + self.unwind.pnl(fills, mid)

    def unwind_actions(self, now: float, mid: float | None) -> list[ExecutorAction]:
        """The working unwind's next child and cancels; it ends (and its PnL is booked) once done. It works
        whatever the kill switch says: a killed market maker still has to get flat."""
        unwind = self.unwind
        if unwind is None:
            return []
        if unwind.pending and not self.settle_unwind():
            self.unwind_status = {"phase": "keeping the positions", "target_base": unwind.estimate.base}
            return []
        if unwind.strategy is None:  # nothing was left to unwind: the kept positions closed themselves
            self.unwind_status = {"phase": "done: nothing held", "target_base": 0.0}
            self.unwound_pnl += unwind.pnl((), mid or 0.0)
            self.unwind = None
            return []
        state, working = self._unwind_state(now, mid)
        decision = unwind.strategy.decide(state)
        self.unwind_status = {**(decision.status or {}), "target_base": unwind.base}
        actions: list[ExecutorAction] = [
            StopExecutorAction(controller_id=self.config.id, executor_id=child_id, keep_position=True)
            for child_id in decision.cancel
        ]
        child = decision.place
        if child is not None:
            config = child_order_config(
                self.executor_ids.next(now),
                now,
                self.config.connector_name,
                self.config.trading_pair,
                dataclasses.replace(child, level_id=flatten.child_level(child.level_id)),
            )
            unwind.children.add(config.id)
            actions.append(CreateExecutorAction(controller_id=self.config.id, executor_config=config))
        elif flatten.finished(self.unwind_status.get("phase", ""), working) and mid is not None:
            self.unwound_pnl += unwind.pnl(state.fills, mid)
            self.unwind = None
        return actions

    def get_levels_to_execute(self) -> list[str]:
        """Levels the plan quotes that no live executor holds (Hummingbot's API; the tick uses
        determine_executor_actions, which also frees levels whose quotes it replaces)."""
        plan = self.quote_plan
        if plan is None or not plan.is_quoting:
            return []
        scan = self.scan_executors()
        busy = scan.busy_levels | scan.cooling_levels | {_level_id(e) for e in scan.quotes}
        busy.update(p[3] for p in scan.positions)
        return [level_id for level_id in _plan_levels(plan) if level_id not in busy]

    def get_price_and_amount(self, level_id: str) -> tuple[Decimal, Decimal]:
        level = self.get_level_from_level_id(level_id)
        side = "buy" if level_id.startswith("buy") else "sell"
        prices = self.quote_plan.buy_prices if side == "buy" else self.quote_plan.sell_prices
        price = Decimal(str(prices[level]))
        amount_quote = (
            Decimal(str(self.strategy.params.level_weights(side)[level])) * self.config.total_amount_quote
        )
        return price, amount_quote / price

    def get_executor_config(self, level_id: str, price: Decimal, amount: Decimal) -> PositionExecutorConfig:
        now = self.market_data_provider.time()
        return PositionExecutorConfig(
            id=self.executor_ids.next(now),
            timestamp=now,
            level_id=level_id,
            connector_name=self.config.connector_name,
            trading_pair=self.config.trading_pair,
            side=self.get_trade_type_from_level_id(level_id),
            entry_price=price,
            amount=amount,
            triple_barrier_config=self.config.triple_barrier_config,
            leverage=self.config.leverage,
        )

    def trace_frame(self) -> pd.DataFrame:
        """Per-tick record of a backtest (empty live): what the controller saw and decided."""
        return pd.DataFrame(self.trace, columns=TRACE_COLUMNS)

    # --- monitoring ---------------------------------------------------------------------------------
    def get_custom_info(self) -> dict:
        if self.quote_plan is None:
            return {"state": "waiting for data"}
        funding = self.funding
        return {
            **self.quote_plan.summary(),
            "kill_reason": self.risk_state.reason,
            # Scalars for monitoring: a side the balance cannot pay for is reported, not retried.
            "buy_unfunded": funding is not None and funding.buy.unfunded,
            "sell_unfunded": funding is not None and funding.sell.unfunded,
            "unfunded_sides": list(funding.unfunded_sides) if funding else [],
            "funding": funding.summary() if funding else None,
            # flatten_algorithm twap: the base the working unwind has yet to trade, and the last unwind's
            # phase, fills and execution quality (None: none yet)
            "unwind_base": self.unwind_remaining_base(),
            "flatten": self.unwind_status,
        }

    def to_format_status(self) -> list[str]:
        plan = self.quote_plan
        if plan is None:
            return ["waiting for candles"]
        unfunded = self.funding.unfunded_sides if self.funding else ()
        return [
            f"ref {plan.reference_price:.8g}  floor {plan.spread_floor:.4%}"
            f"  inventory {plan.inventory_ratio:+.2f}  skew {plan.skew:+.4%}  killed {plan.killed}",
            "bids "
            + ", ".join(f"{p:.8g}" for p in plan.buy_prices)
            + " | asks "
            + ", ".join(f"{p:.8g}" for p in plan.sell_prices),
            *plan.reasons,
            *(f"{side} side unfunded: the balance pays for none of its levels" for side in unfunded),
        ]


class HedgeMarkets:
    """Config mixin for a hedged market maker: Hummingbot's markets are the quoted pair and the hedge's."""

    def update_markets(self, markets: Any) -> Any:
        markets = markets.add_or_update(self.connector_name, self.trading_pair)
        return markets.add_or_update(self.hedge_connector_name, self.hedge_trading_pair)


HEDGE_LEVEL = "hedge"  # level_id of the hedge's market OrderExecutors


class SharedHedgedMarketMakingController(SharedMarketMakingController):
    """The flagship's quoting, unchanged, plus a perpetual hedge of its inventory (`hedge.py` decides).

    Each tick it reads the perp position (Hummingbot's `positions_held` on the hedge connector and pair,
    where its filled OrderExecutors land, as in Hummingbot's hedge_asset controller), the perp mid, the
    funding info and the perp's trading rules; the spot inventory is the flagship's (quote, beyond the
    working stock) at the reference price. Hedge orders are market OrderExecutors on the hedge connector,
    open or close per side, at `hedge_leverage`; none while one is still working.

    The kill switch stops the quoting (and flattens the spot inventory, as the flagship does) but never
    the hedge: a killed market maker still holds inventory until the flatten fills, and unhedged it would
    carry the delta the operator asked to be rid of; the hedge follows the inventory down to flat. The
    switch's PnL is the spot executors' plus the hedge's, net of funding, so a hedged move does not trip it.
    """

    strategy_class: type[MarketMakingStrategy] = MarketMakingStrategy

    def __init__(self, config: Any, *args: Any, **kwargs: Any):
        super().__init__(config, *args, **kwargs)
        self.hedge_decision: hedge.HedgeDecision | None = None
        self.funding_ledger = hedge.FundingLedger()
        self.perp: hedge.PerpState | None = None
        self.hedge_pnl = 0.0
        self.last_hedge_at: float | None = None
        self._set_hedge_leverage()

    def _set_hedge_leverage(self) -> None:
        """Leverage and position mode of the hedge's pair (the bot sets them only for `connector_name`)."""
        if self._backtest:
            return
        try:
            connector = self.market_data_provider.get_connector(self.config.hedge_connector_name)
            connector.set_leverage(
                trading_pair=self.config.hedge_trading_pair, leverage=self.config.hedge_leverage
            )
            connector.set_position_mode(self.config.position_mode)
        except Exception as error:  # no such connector here (a test's provider): orders still carry it
            self.logger().warning(f"hedge leverage not set on {self.config.hedge_connector_name}: {error}")

    def read_perp(self) -> tuple[hedge.PerpState, float, float | None, float]:
        """(perp state, hedge PnL, next funding timestamp, mark price) from Hummingbot's positions and
        the hedge connector."""
        connector, pair = self.config.hedge_connector_name, self.config.hedge_trading_pair
        provider = self.market_data_provider
        try:
            mid = float(provider.get_price_by_type(connector, pair, PriceType.MidPrice))
        except Exception:  # no book yet: no price, no hedge order this tick
            mid = 0.0
        mid = mid if mid == mid else 0.0  # NaN
        position = pnl = 0.0
        for held in self.positions_held:
            if held.connector_name == connector and held.trading_pair == pair:
                signed = (1.0 if held.side == TradeType.BUY else -1.0) * float(held.amount)
                position += signed
                pnl += hedge.hedge_pnl_quote(
                    signed,
                    float(held.breakeven_price),
                    mid or float(held.breakeven_price),
                    float(held.realized_pnl_quote),
                    float(held.cum_fees_quote),
                )
        rate, next_funding, mark = 0.0, None, mid
        try:
            info = provider.get_funding_info(connector, pair)
            rate, next_funding = float(info.rate), float(info.next_funding_utc_timestamp)
            mark = float(info.mark_price) or mid  # funding is charged on the mark price
        except Exception:  # no funding info yet: no funding adjustment, nothing accrued
            pass
        min_base = min_notional = 0.0
        try:
            rule = provider.get_trading_rules(connector, pair)
            min_base, min_notional = float(rule.min_order_size), float(rule.min_notional_size)
        except Exception:  # no rules yet: the connector still checks each order
            pass
        return hedge.PerpState(position, mid, rate, min_notional, min_base), pnl, next_funding, mark

    def compute_quote_plan(self, account: core.AccountState | None = None) -> core.QuotePlan | None:
        account = account or self.account_state()
        hedged = self.hedge_pnl - self.funding_ledger.paid_quote
        return super().compute_quote_plan(dataclasses.replace(account, pnl_quote=account.pnl_quote + hedged))

    def hedge_priced(self) -> bool:
        """Whether the perp has a price here. Live: always asked (read_perp degrades a missing book to
        no order). In a backtest only the two-market engine (analysis/hedge_engine.py) prices the perp:
        Hummingbot's backtesting provider answers 1 for any pair it was not given a price for, and a hedge
        sized at a price of 1 would be a fiction, so the one-market engine runs the quoting alone."""
        if not self._backtest:
            return True
        key = f"{self.config.hedge_connector_name}_{self.config.hedge_trading_pair}"
        return key in getattr(self.market_data_provider, "prices", {})

    def determine_executor_actions(self) -> list[ExecutorAction]:
        if not self.hedge_priced():  # the CLI never runs it so (inputs.py names --hedge-candles)
            return super().determine_executor_actions()
        now = float(self.market_data_provider.time() or 0)
        self.perp, self.hedge_pnl, next_funding, mark = self.read_perp()
        self.funding_ledger = hedge.accrue_funding(
            self.funding_ledger, now, self.perp.position_base, mark, self.perp.funding_rate, next_funding
        )
        actions = super().determine_executor_actions()
        return actions + self.hedge_actions(now)

    def hedge_actions(self, now: float) -> list[ExecutorAction]:
        plan, account = self.quote_plan, self.account
        if plan is None or account is None or plan.reference_price <= 0 or self.perp is None:
            self.hedge_decision = None
            return []
        working = any(
            e.is_active and _level_id(e) == HEDGE_LEVEL
            for e in self.closed_executors.update(self.executors_info)
        )
        spot_base = account.inventory_quote / plan.reference_price
        self.hedge_decision = decision = self.strategy.hedge(
            spot_base, self.perp, now, self.last_hedge_at, working
        )
        if not decision.orders:
            return []
        self.last_hedge_at = now
        return [
            self.market_order(
                now,
                self.config.hedge_connector_name,
                self.config.hedge_trading_pair,
                order.buy,
                order.amount_base,
                HEDGE_LEVEL,
                position_action=PositionAction.CLOSE if order.action == hedge.CLOSE else PositionAction.OPEN,
                price=Decimal(str(self.perp.mid_price)),  # ignored by a market order, as in Hummingbot's
                leverage=self.config.hedge_leverage,
            )
            for order in decision.orders
        ]

    def hedge_status(self) -> dict:
        decision = self.hedge_decision
        return {
            "net_delta_base": decision.net_delta_base if decision else None,
            "spot_inventory_base": decision.spot_inventory_base if decision else None,
            "hedge_position_base": self.perp.position_base if self.perp else None,
            "hedge_target_base": decision.target_base if decision else None,
            "hedge_ratio_applied": decision.ratio if decision else None,
            "hedge_funding_costly": decision.funding_costly if decision else False,
            "hedge_reason": decision.reason
            if decision
            else ("no perp prices in this backtest" if not self.hedge_priced() else "waiting for data"),
            "hedge_pnl_quote": self.hedge_pnl,
            "funding_paid_quote": self.funding_ledger.paid_quote,
            "funding_payments": self.funding_ledger.payments,
            "funding_rate": self.perp.funding_rate if self.perp else None,
        }

    def get_custom_info(self) -> dict:
        return {**super().get_custom_info(), **self.hedge_status()}

    def to_format_status(self) -> list[str]:
        status = self.hedge_status()
        lines = super().to_format_status()
        if status["net_delta_base"] is None:
            return [*lines, f"hedge: {status['hedge_reason']}"]
        return [
            *lines,
            f"hedge {status['hedge_position_base']:+.6g} (target {status['hedge_target_base']:+.6g}, ratio "
            f"{status['hedge_ratio_applied']:.2f})  net delta {status['net_delta_base']:+.6g}  "
            f"pnl {status['hedge_pnl_quote']:+.4f}  funding paid {status['funding_paid_quote']:+.4f}  "
            f"{status['hedge_reason']}",
        ]


class SharedDirectionalController(_StrategyGlue, _CandleFeatures, DirectionalTradingControllerBase):
    """Directional adapter. Subclasses set `strategy_class` (a pure DirectionalStrategy): its per-bar
    `signals(bars)` feed processed_data['signal'], Hummingbot's triple barrier manages the positions,
    and the kill switch stops new ones."""

    strategy_class: type[DirectionalStrategy] = DirectionalStrategy

    async def update_processed_data(self) -> None:
        columns = self._candle_columns(lambda bars: {"signal": self.strategy.signals(bars)})
        if columns is None:
            self.processed_data = {"signal": 0}
            return
        self.processed_data["signal"] = int(self.processed_data["signal"])

    def get_executor_config(self, trade_type: TradeType, price: Decimal, amount: Decimal):
        """Hummingbot's position config, under an id from the controller's own ExecutorIds."""
        config = super().get_executor_config(trade_type, price, amount)
        return config.model_copy(update={"id": self.executor_ids.next(config.timestamp)})

    def can_create_executor(self, signal: int) -> bool:
        _, pnl = self.executors_pnl()
        self.update_kill_switch(pnl)
        return not self.risk_state.killed and super().can_create_executor(signal)

    def get_custom_info(self) -> dict:
        return {
            "signal": int(self.processed_data.get("signal", 0)),
            "killed": self.risk_state.killed,
            "kill_reason": self.risk_state.reason,
        }


class SharedGenericController(_StrategyGlue, ControllerBase):
    """Generic adapter. Subclasses set `strategy_class` (a pure GenericStrategy): each tick it plans on
    the connector's balances and mid prices; its orders go out as market OrderExecutors, one batch at
    a time (none while an earlier one is still working), and none once the kill switch is on."""

    strategy_class: type[GenericStrategy] = GenericStrategy

    def __init__(self, config: Any, *args: Any, **kwargs: Any):
        super().__init__(config, *args, **kwargs)
        self.market_data_provider.initialize_rate_sources(
            [
                ConnectorPair(connector_name=config.connector_name, trading_pair=pair)
                for pair in self.strategy.trading_pairs
            ]
        )
        self.plan: Any = None

    def update_config(self, new_config: Any) -> None:
        """A generic strategy keeps its state across a hot reload (e.g. a rebalance under way)."""
        apply_updatable_fields(self.config, new_config, self.strategy_class.params_model)
        self.strategy.params = pure_params(self.config, self.strategy_class.params_model)

    async def update_processed_data(self) -> None:
        connector = self.strategy.params.connector_name
        balances = {
            asset: float(self.market_data_provider.get_balance(connector, asset))
            for asset in self.strategy.assets
        }
        prices = {
            pair: float(self.market_data_provider.get_price_by_type(connector, pair, PriceType.MidPrice))
            for pair in self.strategy.trading_pairs
        }
        self.plan = self.strategy.plan(balances, prices, float(self.market_data_provider.time()))
        self.processed_data = self.strategy.summary(self.plan)

    def determine_executor_actions(self) -> list[ExecutorAction]:
        active, pnl = self.executors_pnl()
        self.update_kill_switch(pnl)
        if self.plan is None or self.risk_state.killed or active:
            return []
        now = self.market_data_provider.time()
        batch = self.strategy.next_batch(self.plan, float(now))
        return [
            self.market_order(
                now,
                self.strategy.params.connector_name,
                order.trading_pair,
                order.side != "sell",
                order.amount_base,
                order.level_id,
            )
            for order in batch
        ]

    def get_custom_info(self) -> dict:
        if self.plan is None:
            return {"killed": self.risk_state.killed, "kill_reason": self.risk_state.reason}
        return {
            **self.strategy.status(self.plan),
            "killed": self.risk_state.killed,
            "kill_reason": self.risk_state.reason,
        }


def held_orders(executor: Any) -> list[flatten.HeldOrder]:
    """The orders an executor leaves held (custom_info["held_position_orders"], InFlightOrder.to_json()),
    one per client order id (a completed order may be listed twice)."""
    orders = {}
    for order in executor.custom_info.get("held_position_orders") or ():
        orders[order.get("client_order_id") or len(orders)] = order
    return [
        flatten.HeldOrder(
            buy=str(order.get("trade_type")) == "BUY",
            base=float(order.get("executed_amount_base") or 0),
            quote=float(order.get("executed_amount_quote") or 0),
            fee_quote=float(order.get("cumulative_fee_paid_quote") or 0),
        )
        for order in orders.values()
    ]


def order_fills(executor: Any) -> tuple[Fill, ...]:
    """A finished OrderExecutor's fills. Hummingbot 2.12's OrderExecutor reports no PnL and no filled
    amount; its orders are its held orders."""
    return tuple(Fill(o.base, o.quote, o.fee_quote) for o in held_orders(executor) if o.base > 0)


# How a child order that was refused or gave up ends; a run of them halts an execution algorithm.
CHILD_FAILURES = (CloseType.INSUFFICIENT_BALANCE, CloseType.FAILED)


class ChildBook:
    """The child orders (OrderExecutors) of one parent order: the fills of the finished ones, each
    executor read once, and which of them failed."""

    def __init__(self) -> None:
        self.fills: dict[str, tuple[Fill, ...]] = {}
        self.finished: list[tuple[float, bool]] = []  # (started at, failed) of every finished child

    def read_finished(self, executor: Any) -> None:
        """Book a finished child once: its fills, and whether it failed (no fill, and refused or out of
        retries)."""
        self.fills[executor.id] = fills = order_fills(executor)
        failed = not fills and getattr(executor, "close_type", None) in CHILD_FAILURES
        self.finished.append((float(executor.timestamp), failed))

    @property
    def filled_base(self) -> float:
        """Base the finished children traded."""
        return sum(fill.amount_base for fills in self.fills.values() for fill in fills)

    def scan(
        self, executors: Iterable[Any], now: float
    ) -> tuple[tuple[Fill, ...], tuple[WorkingChild, ...], int]:
        """Fills of every finished child, the working children, and how many of the latest finished
        children failed in a row: no fill, and ended refused (INSUFFICIENT_BALANCE) or out of retries
        (FAILED). Our own stops end otherwise (POSITION_HOLD live, EARLY_STOP in Hummingbot's
        backtester), and a cancelled maker is no failure.

        A child being cancelled (SHUTTING_DOWN) is not `is_active` in Hummingbot, yet its order is still
        on the book and may still fill: it stays a working child (stopping) until it has TERMINATED, and
        only then are its fills read. Taken as finished, it was read once with no fills, a fill during
        its cancel was lost, and the next child went out beside it."""
        working = []
        for executor in executors:
            if executor.status != RunnableStatus.TERMINATED:
                config = executor.config
                working.append(
                    WorkingChild(
                        id=executor.id,
                        amount_base=float(config.amount),
                        price=None if config.price is None else float(config.price),
                        age=now - float(executor.timestamp),
                        level_id=getattr(config, "level_id", None) or "",
                        stopping=executor.status == RunnableStatus.SHUTTING_DOWN,
                    )
                )
            elif executor.id not in self.fills:
                self.read_finished(executor)
                self.finished.sort()
        failed_in_a_row = 0
        for _, failed in reversed(self.finished):
            if not failed:
                break
            failed_in_a_row += 1
        fills = tuple(fill for fills in self.fills.values() for fill in fills)
        return fills, tuple(working), failed_in_a_row


def provider_price(provider: Any, connector: str, trading_pair: str, price_type: PriceType) -> float | None:
    """A positive price from the market data provider, or None when it has none (yet)."""
    try:
        price = float(provider.get_price_by_type(connector, trading_pair, price_type))
    except (KeyError, ValueError, AttributeError):
        return None
    return price if price > 0 and price == price else None


def lot_and_minimum(provider: Any, connector: str, trading_pair: str) -> tuple[float, float]:
    """The exchange's amount increment and smallest order for the pair (0, 0 when not known yet)."""
    try:
        rule = provider.get_trading_rules(connector, trading_pair)
        return float(rule.min_base_amount_increment), float(rule.min_order_size)
    except (KeyError, ValueError, AttributeError):
        return 0.0, 0.0


def child_order_config(
    executor_id: str, now: float, connector: str, trading_pair: str, child: ChildOrder
) -> OrderExecutorConfig:
    """An execution algorithm's child order as Hummingbot's OrderExecutor: LIMIT_MAKER at its price, or
    MARKET."""
    return OrderExecutorConfig(
        id=executor_id,
        timestamp=now,
        connector_name=connector,
        trading_pair=trading_pair,
        side=TradeType.BUY if child.side == "buy" else TradeType.SELL,
        amount=Decimal(str(child.amount_base)),
        price=None if child.price is None else Decimal(str(child.price)),
        execution_strategy=ExecutionStrategy.LIMIT_MAKER if child.maker else ExecutionStrategy.MARKET,
        level_id=child.level_id,
    )


class SharedExecutionController(_StrategyGlue, _CandleFeatures, ControllerBase):
    """Execution adapter (twap, vwap, iceberg). Subclasses set `strategy_class` (a pure
    ExecutionStrategy). Each tick: mid, book top and candles from the market data provider; the fills
    of its finished OrderExecutors (read once each) and its active ones as the working children; the
    kill switch over the strategy's marked implementation shortfall; the decision mapped to one
    OrderExecutor (LIMIT_MAKER at its price, or MARKET) and stops of the children it cancels."""

    strategy_class: type[ExecutionAlgorithm] = ExecutionAlgorithm

    def __init__(self, config: Any, *args: Any, **kwargs: Any):
        super().__init__(config, *args, **kwargs)
        self.market_data_provider.initialize_rate_sources(
            [ConnectorPair(connector_name=config.connector_name, trading_pair=config.trading_pair)]
        )
        self.children = ChildBook()
        self.market: dict[str, Any] = {}
        self.decision: ExecutionDecision | None = None
        self.resumed_children = 0  # children of an earlier run of the bot, read from its database
        self._store_read = self._backtest  # a backtest has no earlier run

    def _candle_window(self) -> int:
        """Bars the candle feed must hold: the warm-up and the whole window (strategy.candle_bars)."""
        return self.strategy.candle_bars()

    def resume_from_store(self) -> None:
        """Go on with the parent order an earlier run of this bot began under this controller's id.

        Hummingbot stores every executor in the bot's Executors table (when it ends, and at a stop), but a
        restarted bot's controllers see only the executors of the new run: without this, a restart ran
        the whole target again (a TWAP done at noon bought its amount once more at the restart). The
        stored children's fills count toward the target, and the window and arrival price are the first
        run's (`ExecutionStrategy.resume`): the earliest child's time, and its limit price (a maker) or
        its average fill price (a taker), within half a spread of the mid then. A new parent order
        needs a new controller id. If the table cannot be read, the kill switch latches: a blind
        restart could execute the order twice.

        Read at the first decision, not at construction: after a kill, the role's V2 script stores the
        children the dead run had closed but not yet stored (hbot_v2_controllers._recover_positions) on
        the strategy's first tick, which comes before any controller decides. A child still working when
        the bot died (killed, not stopped) is stored by no one: its fills are unknown here, so a crash
        can over-execute by at most that one child."""
        from hummingbot.connector.markets_recorder import MarketsRecorder

        if MarketsRecorder._shared_instance is None:
            return  # not in a bot (no database): nothing was stored
        try:
            stored = MarketsRecorder.get_instance().get_executors_by_controller(self.config.id)
        except Exception as error:  # noqa: BLE001 - any failure to read means: do not trade blind
            reason = f"cannot read this controller's stored children ({type(error).__name__}: {error})"
            self.risk_state = core.RiskState(killed=True, reason=reason)
            return
        children = sorted(stored, key=lambda executor: float(executor.timestamp))
        for executor in children:
            self.children.read_finished(executor)
        self.resumed_children = len(children)
        if children:
            first = children[0]
            price = getattr(first.config, "price", None)
            first_fills = self.children.fills[first.id]
            if price is None and first_fills:
                price = sum(f.quote for f in first_fills) / sum(f.amount_base for f in first_fills)
            self.strategy.resume(float(first.timestamp), None if price is None else float(price))

    def update_config(self, new_config: Any) -> None:
        """The strategy keeps its window and arrival price across a hot reload."""
        apply_updatable_fields(self.config, new_config, self.strategy_class.params_model)
        self.strategy.params = pure_params(self.config, self.strategy_class.params_model)

    def _price(self, price_type: PriceType) -> float | None:
        params = self.strategy.params
        return provider_price(
            self.market_data_provider, params.connector_name, params.trading_pair, price_type
        )

    def _candles(self, now: float) -> Candles:
        frame = self.market_data_provider.get_candles_df(
            self.candles_connector, self.candles_trading_pair, self.config.interval, self.max_records
        )
        if frame is None or len(frame) == 0:
            return Candles()
        # Hummingbot's backtesting provider serves the whole file whatever the time and the count: no bar
        # after now, and the last max_records before it, as live (where both are no-ops).
        frame = frame[frame["timestamp"] <= now].tail(self.max_records)
        return Candles(
            *(
                frame[column].astype(float).tolist()
                for column in ("timestamp", "high", "low", "close", "volume")
            )
        )

    def read_market(self) -> dict[str, Any]:
        now = float(self.market_data_provider.time() or 0)
        params = self.strategy.params
        lot, min_order = lot_and_minimum(
            self.market_data_provider, params.connector_name, params.trading_pair
        )
        return {
            "lot_base": lot,
            "min_order_base": min_order,
            "now": now,
            "mid": self._price(PriceType.MidPrice),
            "best_bid": self._price(PriceType.BestBid),
            "best_ask": self._price(PriceType.BestAsk),
            "candles": self._candles(now) if self.strategy.uses_candles else Candles(),
        }

    async def update_processed_data(self) -> None:
        self.market = self.read_market()

    def determine_executor_actions(self) -> list[ExecutorAction]:
        if self._backtest:
            # Hummingbot's backtesting engine calls update_processed_data once, over the whole file, then
            # only moves the provider's time and price bar by bar: read them at each decision.
            self.market = self.read_market()
        if not self.market:
            return []
        market = self.market
        if not self._store_read:
            self._store_read = True
            self.resume_from_store()
        fills, working, failed_in_a_row = self.children.scan(self.executors_info, market["now"])
        self.update_kill_switch(self.strategy.kill_switch_pnl(fills, market["mid"]))
        state = ExecutionState(
            now=market["now"],
            mid=market["mid"],
            fills=fills,
            working=working,
            best_bid=market["best_bid"],
            best_ask=market["best_ask"],
            candles=market["candles"],
            killed=self.risk_state.killed,
            failed_in_a_row=failed_in_a_row,
            lot_base=market["lot_base"],
            min_order_base=market["min_order_base"],
        )
        self.decision = decision = self.strategy.decide(state)
        self.processed_data = dict(decision.status or {})
        actions: list[ExecutorAction] = [
            StopExecutorAction(controller_id=self.config.id, executor_id=child_id, keep_position=True)
            for child_id in decision.cancel
        ]
        child = decision.place
        if child is not None:
            params = self.strategy.params
            config = child_order_config(
                self.executor_ids.next(market["now"]),
                market["now"],
                params.connector_name,
                params.trading_pair,
                child,
            )
            actions.append(CreateExecutorAction(controller_id=self.config.id, executor_config=config))
        return actions

    def get_custom_info(self) -> dict:
        status = dict((self.decision.status or {}) if self.decision else {"phase": "waiting for data"})
        status["resumed_children"] = self.resumed_children
        status["killed"] = self.risk_state.killed
        status["kill_reason"] = self.risk_state.reason
        return status

    def to_format_status(self) -> list[str]:
        status = self.get_custom_info()
        line = f"{self.strategy.params.controller_name} {self.strategy.params.side}: {status.get('phase')}"
        if "filled_base" in status:
            line += (
                f"  filled {status['filled_base']:.8g} / {status['target_base']:.8g}"
                f"  working {status['working_base']:.8g}"
            )
        return [line, *([f"killed: {status['kill_reason']}"] if status["killed"] else [])]
