"""The role's paper market (roles/hummingbot/files/hbot_paper.py) on Hummingbot's own paper connector:
trading rules where V2 executors read them, and a replay of recorded candles that the paper engine
fills resting orders from. Offline, on the shared candles."""

import asyncio
import importlib.util
import os
import time
from decimal import Decimal
from pathlib import Path

import backtest_harness  # noqa: F401  binds the project's `controllers` package before hummingbot
import pytest
from hummingbot.core.clock import Clock, ClockMode
from hummingbot.core.data_type.common import OrderType
from hummingbot.core.event.event_forwarder import SourceInfoEventForwarder
from hummingbot.core.event.events import MarketEvent

from controllers.analysis.fill_model import bar_path

HELPER = Path(__file__).resolve().parents[2] / "roles/hummingbot/files/hbot_paper.py"
CANDLES = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles")) / "ETH-BTC_5m.csv"
pytestmark = pytest.mark.skipif(not CANDLES.exists(), reason="needs the shared candles")


def load_helper():
    spec = importlib.util.spec_from_file_location("hbot_paper", HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


paper = load_helper()


def settings(tmp_path, speed=3000.0, more: dict | None = None, **replay):
    """The paper section of a bot on the ETH-BTC replay; `more`: other keys of it (e.g. perpetual)."""
    candles = tmp_path / "ETH-BTC_5m.csv"
    candles.write_bytes(CANDLES.read_bytes())
    return paper.PaperSettings.parse(
        {
            "exchange": "binance",
            "market": "replay",
            "balances": {"ETH": 10, "btc": 1},
            "replay": {"candles": str(candles), "trading_pair": "ETH-BTC", "speed": speed, **replay},
            **(more or {}),
        }
    )


# --- the replay itself ----------------------------------------------------------------------------


def test_a_bar_is_walked_open_near_extreme_far_extreme_close():
    up = paper.Bar(0, 10, 12, 9, 11, 1)
    down = paper.Bar(0, 10, 12, 9, 9.5, 1)
    assert up.path() == (10, 9, 12, 11)
    assert down.path() == (10, 12, 9, 9.5)


@pytest.mark.parametrize("ohlc", [(10, 12, 9, 11), (10, 12, 9, 10), (10, 12, 9, 9.5), (10, 10, 10, 10)])
def test_the_backtest_walks_a_bar_as_the_replay_does(ohlc):
    """The backtest's decisions "path" (fill_model.bar_path) and the replay market (a file of its own,
    shipped into bots without the analysis) take a bar's prices in one order."""
    assert paper.Bar(0, *ohlc, 1).path() == bar_path(*ohlc)


def test_the_replay_loops_without_a_price_jump(tmp_path):
    replay = settings(tmp_path).replay
    bars = paper.read_candles(replay.candles)
    market = paper.ReplayMarket(bars, replay, start=0.0)
    last, first_of_next_lap = market.bar(len(bars) - 1), market.bar(len(bars))
    assert first_of_next_lap.open == pytest.approx(last.close)
    assert first_of_next_lap.timestamp == last.timestamp + market.interval


def test_strategies_see_only_closed_bars(tmp_path):
    replay = settings(tmp_path, speed=300.0).replay  # one 5m bar per second
    bars = paper.read_candles(replay.candles)
    market = paper.ReplayMarket(bars, replay, start=1000.0)
    step = market.step(1002.6)  # 2.6 s in: bar first_bar + 2 is being replayed
    current, _ = market.point(step)
    seen = market.closed_bars(step, 50)
    assert current.timestamp == bars[market.first_bar + 2].timestamp
    assert seen[-1].timestamp == current.timestamp - market.interval
    assert len(seen) == 50


def test_longer_intervals_are_whole_resampled_bars(tmp_path):
    replay = settings(tmp_path).replay
    market = paper.ReplayMarket(paper.read_candles(replay.candles), replay, start=time.time())
    frame = paper.ReplayCandles(market, "15m", 20).candles_df
    assert len(frame) == 20
    assert (frame["timestamp"] % 900 == 0).all()
    assert (frame["timestamp"].diff().dropna() == 900).all()
    with pytest.raises(paper.PaperConfigError, match="interval '1m'"):
        paper.ReplayCandles(market, "1m", 20)


def test_bad_settings_name_the_field(tmp_path):
    with pytest.raises(paper.PaperConfigError, match=r"paper\.replay\.trading_pair is required"):
        paper.PaperSettings.parse({"exchange": "binance", "market": "replay", "replay": {"candles": "x"}})
    with pytest.raises(paper.PaperConfigError, match=r"paper\.balances\.BTC"):
        paper.PaperSettings.parse({"exchange": "binance", "balances": {"BTC": "lots"}})
    with pytest.raises(paper.PaperConfigError, match=r"paper\.replay\.candles: cannot read"):
        paper.build_connector(
            paper.PaperSettings.parse(
                {
                    "exchange": "binance",
                    "market": "replay",
                    "replay": {"candles": str(tmp_path / "none.csv"), "trading_pair": "ETH-BTC"},
                }
            ),
            ["ETH-BTC"],
        )
    with pytest.raises(paper.PaperConfigError, match=r"paper\.exchange: 'binanse'"):
        paper.build_connector(paper.PaperSettings.parse({"exchange": "binanse"}), ["ETH-BTC"])


# --- the paper connector on the replay: Hummingbot's engine, clock and events ----------------------


class Fills:
    def __init__(self, connector):
        self.events = []
        self._forwarder = SourceInfoEventForwarder(lambda tag, source, event: self.events.append(event))
        connector.add_listener(MarketEvent.OrderFilled, self._forwarder)


async def run_until(clock, condition, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline and not condition():
        await clock.run_til(time.time() + 0.2)
    return condition()


def test_the_paper_connector_has_rules_and_fills_resting_orders_at_their_own_price(tmp_path):
    async def scenario():
        connector = paper.build_connector(settings(tmp_path), ["ETH-BTC"])
        fills = Fills(connector)
        clock = Clock(ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + 120)
        clock.add_iterator(connector)
        with clock:
            assert await run_until(clock, lambda: connector.ready, 20), connector.status_dict
            rule = connector.trading_rules["ETH-BTC"]
            assert rule.min_price_increment == Decimal("1e-6")  # 1e-4 of a ~0.09 BTC price
            mid = connector.get_mid_price("ETH-BTC")
            bid = connector.quantize_order_price("ETH-BTC", mid * Decimal("0.999"))
            ask = connector.quantize_order_price("ETH-BTC", mid * Decimal("1.001"))
            far = connector.quantize_order_price("ETH-BTC", mid * Decimal("0.2"))  # 80% below: never reached
            ids = [
                connector.buy("ETH-BTC", Decimal("0.5"), OrderType.LIMIT, bid),
                connector.sell("ETH-BTC", Decimal("0.5"), OrderType.LIMIT, ask),
                connector.buy("ETH-BTC", Decimal("0.5"), OrderType.LIMIT, far),
            ]
            assert await run_until(clock, lambda: len(fills.events) >= 2, 60), fills.events
            await clock.run_til(time.time() + 1)
            btc_after_the_quotes = connector.get_balance("BTC")
            # A market order on the replay fills at the next tick (1 s), not Hummingbot's 5 s later.
            placed = time.time()
            market_id = connector.sell("ETH-BTC", Decimal("0.1"), OrderType.MARKET)
            assert await run_until(clock, lambda: len(fills.events) >= 3, 10)
            assert time.time() - placed < 3
            assert fills.events[-1].order_id == market_id
            connector.buy("ETH-BTC", Decimal("0.1"), OrderType.MARKET)  # back to the balances asserted below
            assert await run_until(clock, lambda: len(fills.events) >= 4, 10)
            return connector, fills, bid, ask, far, ids, btc_after_the_quotes

    connector, fills, bid, ask, far, ids, btc_after_the_quotes = asyncio.run(scenario())
    assert (
        connector.display_name == "binance_PaperTrade"
    )  # what the markets recorder writes as TradeFill.market
    # What a V2 executor reads back (ExecutorBase.get_in_flight_order): the order as it filled.
    bought, sold, resting = (connector._order_tracker.fetch_order(client_order_id=oid) for oid in ids)
    assert bought.is_filled and bought.executed_amount_base == Decimal("0.5")
    assert bought.average_executed_price == bid and sold.average_executed_price == ask
    assert bought.cumulative_fee_paid(token="BTC") == Decimal("0.5") * bid * Decimal("0.001")
    assert not resting.is_done and resting.price == far
    prices = {event.trade_type.name: event.price for event in fills.events[:2]}
    assert prices == {"BUY": bid, "SELL": ask}, "fills at the order's own price, and only those two"
    assert len(connector.limit_orders) == 1 and connector.limit_orders[0].price == far
    # Bought 0.5 and sold 0.5, then sold and bought 0.1 at market; each buy paid Binance's 0.1% fee in ETH.
    assert connector.get_balance("ETH") == Decimal("9.9994")
    # The spread captured, less the sell's 0.1% fee, paid in BTC.
    assert btc_after_the_quotes == 1 + Decimal("0.5") * ask * Decimal("0.999") - Decimal("0.5") * bid


def test_an_order_is_known_to_the_tracker_from_its_placement_not_only_from_its_creation_event(tmp_path):
    """Hummingbot's event bus calls listeners in no fixed order, so an executor can ask for its order
    before the tracker has heard of its creation. Answered None, the executor could never cancel it
    (its quote stayed on the book and filled later: docs/backtest-vs-paper.md)."""

    async def scenario():
        connector = paper.build_connector(settings(tmp_path), ["ETH-BTC"])
        clock = Clock(ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + 60)
        clock.add_iterator(connector)
        with clock:
            assert await run_until(clock, lambda: connector.ready, 20), connector.status_dict
            far = connector.quantize_order_price(
                "ETH-BTC", connector.get_mid_price("ETH-BTC") * Decimal("0.2")
            )
            order_id = connector.buy("ETH-BTC", Decimal("0.5"), OrderType.LIMIT, far)
            at_once = connector._order_tracker.fetch_order(client_order_id=order_id)  # no event delivered yet
            await clock.run_til(time.time() + 0.5)
            after_events = connector._order_tracker.fetch_order(client_order_id=order_id)
            connector.cancel("ETH-BTC", order_id)
            await clock.run_til(time.time() + 0.5)
            return at_once, after_events, connector.limit_orders

    at_once, after_events, resting = asyncio.run(scenario())
    assert at_once is not None and at_once.price == after_events.price and at_once.amount == Decimal("0.5")
    assert after_events is at_once, "the executor's InFlightOrder is the one the events update"
    assert at_once.is_cancelled and resting == []


def test_a_post_only_order_rests_as_a_maker_and_one_that_would_cross_is_rejected(tmp_path):
    """Hummingbot's paper engine drops LIMIT_MAKER orders (price 0, never booked); `place` books one that
    does not cross as a LIMIT at its price, and rejects one that would, as an exchange does."""

    async def scenario():
        connector = paper.build_connector(settings(tmp_path), ["ETH-BTC"])
        fills = Fills(connector)
        failures = []
        failed = SourceInfoEventForwarder(lambda tag, source, event: failures.append(event))
        connector.add_listener(MarketEvent.OrderFailure, failed)
        clock = Clock(ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + 120)
        clock.add_iterator(connector)
        sent = []

        def send(pair, amount, order_type, price):
            sent.append((order_type, price))
            return (connector.buy if order_type is OrderType.MARKET else connector.sell)(
                pair, amount, order_type, price
            )

        with clock:
            assert await run_until(clock, lambda: connector.ready, 20), connector.status_dict
            # 1% through the bid: the replay moves on between this read and the order (it once moved
            # below a sell priced at the bid itself, on a loaded machine, and that sell rested).
            through_bid = connector.quantize_order_price(
                "ETH-BTC", Decimal(str(connector.get_price("ETH-BTC", False))) * Decimal("0.99")
            )
            ask = connector.quantize_order_price(
                "ETH-BTC", connector.get_mid_price("ETH-BTC") * Decimal("1.001")
            )
            resting = connector.place(send, False, "ETH-BTC", Decimal("0.5"), OrderType.LIMIT_MAKER, ask)
            crossing = connector.place(
                send, False, "ETH-BTC", Decimal("0.5"), OrderType.LIMIT_MAKER, through_bid
            )
            assert connector._order_tracker.fetch_order(client_order_id=resting).price == ask  # cancellable
            assert await run_until(clock, lambda: fills.events and failures, 60), (sent, fills.events)
            return connector, fills, failures, sent, resting, crossing, ask

    connector, fills, failures, sent, resting, crossing, ask = asyncio.run(scenario())
    assert sent == [(OrderType.LIMIT, ask)]  # the crossing one never reached the engine
    assert [(e.order_id, e.price, e.trade_type.name) for e in fills.events] == [(resting, ask, "SELL")]
    assert [(e.order_id, e.order_type) for e in failures] == [(crossing, OrderType.LIMIT_MAKER)]
    assert crossing != resting and connector.limit_orders == []


def test_a_halted_feed_makes_the_connector_not_ready_until_it_resumes(tmp_path, monkeypatch):
    monkeypatch.setattr(paper, "FEED_TIMEOUT", 1.0)
    replay_settings = settings(tmp_path)

    async def scenario():
        connector = paper.build_connector(replay_settings, ["ETH-BTC"])
        clock = Clock(ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + 120)
        clock.add_iterator(connector)
        halt = replay_settings.replay.candles.parent / "halt"
        with clock:
            assert await run_until(clock, lambda: connector.ready, 20)
            halt.touch()
            down = await run_until(clock, lambda: not connector.ready, 10)
            waiting = [check for check, ok in connector.status_dict.items() if not ok]
            price_while_down = connector.get_mid_price("ETH-BTC")
            await clock.run_til(time.time() + 1)
            frozen = connector.get_mid_price("ETH-BTC") == price_while_down
            halt.unlink()
            back = await run_until(clock, lambda: connector.ready, 10)
        return down, waiting, frozen, back

    down, waiting, frozen, back = asyncio.run(scenario())
    assert down and waiting == ["market_feed_alive"]
    assert frozen, "no book moves while the feed is halted"
    assert back


def test_the_paper_account_outlives_the_process_while_the_inventory_is_unchanged(tmp_path):
    """As an exchange account does: a restart (clean, killed or rebooted) resumes the balances of the
    last fill, not the inventory's opening ones; new inventory balances open a new account."""
    account = tmp_path / "paper_account.json"
    replay_settings = settings(tmp_path)

    async def trade():
        connector = paper.build_connector(replay_settings, ["ETH-BTC"], account_file=account)
        fills = Fills(connector)
        clock = Clock(ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + 60)
        clock.add_iterator(connector)
        with clock:
            assert await run_until(clock, lambda: connector.ready, 20)
            connector.sell("ETH-BTC", Decimal("2"), OrderType.MARKET)
            assert await run_until(clock, lambda: fills.events, 10)
            await clock.run_til(time.time() + 0.5)
        return connector.get_all_balances()

    after_the_fill = asyncio.run(trade())
    assert after_the_fill["ETH"] == Decimal("8")
    # The process is gone; a new one opens the same account.
    changed = settings(tmp_path)
    changed.balances["ETH"] = Decimal("3")

    async def reopen(which):
        return paper.build_connector(which, ["ETH-BTC"], account_file=account).get_all_balances()

    assert asyncio.run(reopen(replay_settings)) == after_the_fill
    # Other inventory balances: a new account, at those balances.
    assert asyncio.run(reopen(changed)) == {"ETH": Decimal("3"), "BTC": Decimal("1")}
