"""A side the balance cannot pay for gets no executor proposals; the funded side keeps quoting.

Hummingbot's own paper connector on the replayed market (roles/hummingbot/files/hbot_paper.py, as a paper
bot runs it), its MarketDataProvider, and the flagship's live tick. Every proposal is started as a real
PositionExecutor against that connector, so Hummingbot's own budget check judges it: before the budget
rule, the paper run's unfunded bids were refused with INSUFFICIENT_BALANCE, re-proposed every tick.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

from controller_runs import Case, build_config  # noqa: E402
from hummingbot.core.clock import Clock, ClockMode  # noqa: E402
from hummingbot.core.data_type.common import TradeType  # noqa: E402
from hummingbot.data_feed.market_data_provider import MarketDataProvider  # noqa: E402
from hummingbot.strategy.script_strategy_base import ScriptStrategyBase  # noqa: E402
from hummingbot.strategy_v2.executors.order_executor.order_executor import OrderExecutor  # noqa: E402
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig  # noqa: E402
from hummingbot.strategy_v2.executors.position_executor.position_executor import PositionExecutor  # noqa: E402
from hummingbot.strategy_v2.models.executor_actions import CreateExecutorAction  # noqa: E402
from hummingbot.strategy_v2.models.executors import CloseType  # noqa: E402
from test_paper_market import CANDLES, paper, run_until  # noqa: E402

CONNECTOR = "binance_paper_trade"
pytestmark = pytest.mark.skipif(not CANDLES.exists(), reason="needs the shared candles")


class PaperBot:
    """The flagship on the paper connector, ticked by hand; what it proposes is started as executors."""

    def __init__(self, tmp_path, balances: dict[str, float]):
        candles = tmp_path / CANDLES.name
        candles.write_bytes(CANDLES.read_bytes())
        settings = paper.PaperSettings.parse(
            {
                "exchange": "binance",
                "market": "replay",
                "balances": balances,
                "replay": {"candles": str(candles), "trading_pair": "ETH-BTC", "speed": 60},
            }
        )
        self.connector = paper.build_connector(settings, ["ETH-BTC"])
        self.strategy = ScriptStrategyBase({CONNECTOR: self.connector})
        self.clock = Clock(
            ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + 300
        )
        self.clock.add_iterator(self.connector)
        self.clock.add_iterator(self.strategy)
        self.executors: list = []
        self.controller = None

    async def start(self):
        assert await run_until(self.clock, lambda: self.connector.ready, 20), self.connector.status_dict
        provider = MarketDataProvider({CONNECTOR: self.connector})
        paper.serve_paper_market(provider, self.connector)
        # The demo bot's controller: 0.05 BTC over two levels a side, Hummingbot's spot rebalance on.
        overrides = {
            "connector_name": CONNECTOR,
            "candles_connector": "binance",
            "trading_pair": "ETH-BTC",
            "interval": "5m",
            "total_amount_quote": 0.05,
            "skip_rebalance": False,
        }
        config = build_config(Case("inventory_mm", str(CANDLES), overrides=tuple(overrides.items())))
        self.controller = config.get_controller_class()(
            config=config, market_data_provider=provider, actions_queue=asyncio.Queue()
        )

    async def tick(self) -> list:
        """One controller tick; its proposals are started as executors. Returns their configs."""
        await self.clock.run_til(time.time() + 1.0)
        self.controller.executors_info = [executor.executor_info for executor in self.executors]
        await self.controller.update_processed_data()
        configs = [
            action.executor_config
            for action in self.controller.determine_executor_actions()
            if isinstance(action, CreateExecutorAction)
        ]
        for config in configs:
            self.run_executor(config)
        return configs

    def run_executor(self, config):
        kind = PositionExecutor if isinstance(config, PositionExecutorConfig) else OrderExecutor
        executor = kind(self.strategy, config)
        executor.start()
        self.executors.append(executor)
        return executor

    def refused(self) -> list:
        return [e.config.id for e in self.executors if e.close_type == CloseType.INSUFFICIENT_BALANCE]

    def placed_every_order(self) -> bool:
        """Every executor got its opening order to the connector (accepted; it may have filled since)."""
        return all(executor.executor_info.custom_info["order_ids"] for executor in self.executors)

    def resting(self, side: TradeType) -> list:
        return [order for order in self.connector.limit_orders if order.is_buy == (side == TradeType.BUY)]


def test_an_unfunded_side_gets_no_executor_while_the_funded_side_keeps_quoting(tmp_path):
    async def scenario():
        bot = PaperBot(tmp_path, {"ETH": 10, "BTC": 0})  # no BTC: the bids (and the rebalance buy) are unpaid
        with bot.clock:
            await bot.start()
            proposed = [await bot.tick() for _ in range(6)]
            info = bot.controller.get_custom_info()
            status = bot.controller.to_format_status()
            await bot.clock.run_til(time.time() + 1.5)  # the last executors place their orders
            return bot, proposed, info, status

    bot, proposed, info, status = asyncio.run(scenario())
    sides = [[config.side for config in tick] for tick in proposed]
    assert sides[0] == [TradeType.SELL, TradeType.SELL], "the funded side quotes at once"
    assert TradeType.BUY not in {side for tick in sides for side in tick}, "no proposal on the unpaid side"
    assert bot.refused() == [] and bot.placed_every_order()
    assert bot.resting(TradeType.BUY) == []
    # Reported for monitoring instead of retried.
    assert info["buy_unfunded"] is True and info["sell_unfunded"] is False
    assert info["unfunded_sides"] == ["buy"]
    assert info["funding"]["buy"]["status"] == "unfunded" and info["funding"]["buy"]["available"] == 0.0
    assert any("buy side unfunded" in line for line in status)


def test_without_the_rule_hummingbot_refuses_the_unpaid_bid_at_once(tmp_path):
    """The failure the rule prevents, reproduced: the bid the controller used to propose is refused."""

    async def scenario():
        bot = PaperBot(tmp_path, {"ETH": 10, "BTC": 0})
        with bot.clock:
            await bot.start()
            await bot.tick()  # a plan to price the level from
            price, amount = bot.controller.get_price_and_amount("buy_0")
            executor = bot.run_executor(bot.controller.get_executor_config("buy_0", price, amount))
            await bot.clock.run_til(time.time() + 2.0)
            return executor

    executor = asyncio.run(scenario())
    assert executor.close_type == CloseType.INSUFFICIENT_BALANCE


def test_a_short_balance_shrinks_the_far_bid_and_hummingbot_accepts_every_order(tmp_path):
    # Each level is 0.0125 BTC; 0.02 BTC pays for the near bid and part of the far one, not for the
    # rebalance's 0.025 BTC market buy, which is not sent.
    async def scenario():
        bot = PaperBot(tmp_path, {"ETH": 10, "BTC": 0.02})
        with bot.clock:
            await bot.start()
            first = await bot.tick()
            info = bot.controller.get_custom_info()
            for _ in range(3):  # the bids rest, fill or stop out; none may be refused
                await bot.tick()
            await bot.clock.run_til(time.time() + 1.5)
            return bot, first, info

    bot, first, info = asyncio.run(scenario())
    bids = {config.level_id: config for config in first if config.side == TradeType.BUY}
    assert set(bids) == {"buy_0", "buy_1"}
    assert all(isinstance(config, PositionExecutorConfig) for config in first), "no rebalance buy"
    near, far = (bids[level].amount * bids[level].entry_price for level in ("buy_0", "buy_1"))
    assert near == pytest.approx(Decimal("0.0125"), rel=Decimal("1e-6"))
    assert 0 < far < Decimal("0.0075")  # 0.02 less the near bid and the 0.1% kept aside for fees
    assert info["funding"]["buy"]["status"] == "partly funded" and info["buy_unfunded"] is False
    assert bot.refused() == [] and bot.placed_every_order()
