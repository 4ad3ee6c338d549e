"""The role's paper perpetual (roles/hummingbot/files/hbot_paper.py, PaperPerpetual): hedged_mm's hedge
account on the replay, at zero basis to the spot. Market fills at the replayed book, taker fees and PnL
settled in the collateral, margin and reduce-only refusals, funding every period of the replayed
time, and an account whose position outlives the process. Offline, on the shared candles.

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_paper_perpetual.py
"""

import asyncio
import time
from decimal import Decimal

import pytest
from hummingbot.core.clock import Clock, ClockMode
from hummingbot.core.data_type.common import OrderType, PositionAction
from hummingbot.core.event.event_forwarder import SourceInfoEventForwarder
from hummingbot.core.event.events import MarketEvent
from test_paper_market import CANDLES, paper, run_until
from test_paper_market import settings as replay_settings

pytestmark = pytest.mark.skipif(not CANDLES.exists(), reason="needs the shared candles")
PAIR = "ETH-BTC"
OPEN, CLOSE = PositionAction.OPEN, PositionAction.CLOSE


def perp_settings(tmp_path, speed=3000.0, collateral=1, rate="0.0001", hours=8):
    perpetual = {
        "exchange": "binance_perpetual",
        "balances": {"BTC": collateral},
        "funding_rate": rate,
        "funding_hours": hours,
    }
    return replay_settings(tmp_path, speed, more={"perpetual": perpetual})


class Events:
    """Every event of the kinds an executor and the markets recorder hear, in order."""

    KINDS = (
        MarketEvent.SellOrderCreated,
        MarketEvent.BuyOrderCreated,
        MarketEvent.OrderFilled,
        MarketEvent.BuyOrderCompleted,
        MarketEvent.SellOrderCompleted,
        MarketEvent.OrderFailure,
        MarketEvent.FundingPaymentCompleted,
    )

    def __init__(self, connector):
        self.seen = []
        self._forwarder = SourceInfoEventForwarder(lambda tag, source, event: self.seen.append(event))
        for kind in self.KINDS:
            connector.add_listener(kind, self._forwarder)

    def of(self, name: str) -> list:
        return [event for event in self.seen if type(event).__name__ == name]

    def about(self, order_id: str) -> list[str]:
        return [type(e).__name__ for e in self.seen if getattr(e, "order_id", None) == order_id]


def connectors(settings, account_file=None):
    spot = paper.build_connector(settings, [PAIR])
    perp = paper.build_perpetual(settings, [PAIR], spot.replay, account_file=account_file)
    return spot, perp


def order(perp, is_buy, amount, action, order_type=OrderType.MARKET):
    return perp.place(None, is_buy, PAIR, Decimal(str(amount)), order_type, Decimal("NaN"), action)


async def open_market(settings, account_file=None, seconds=60):
    """(spot, perp, the perp's events, a clock running both): call inside the event loop."""
    spot, perp = connectors(settings, account_file)
    clock = Clock(ClockMode.REALTIME, tick_size=0.1, start_time=time.time(), end_time=time.time() + seconds)
    clock.add_iterator(spot)
    clock.add_iterator(perp)
    return spot, perp, Events(perp), clock


def test_a_hedge_opens_a_short_at_the_books_bid_reduces_it_and_settles_pnl_and_taker_fees(tmp_path):
    async def scenario():
        # No funding here (at 3000x a period passes every 9.6 s): the fills' settlement alone.
        spot, perp, events, clock = await open_market(perp_settings(tmp_path, rate="0"))
        with clock:
            assert await run_until(clock, lambda: perp.ready and spot.ready, 20), perp.status_dict
            perp.set_leverage(PAIR, 2)
            bid = Decimal(str(perp.get_vwap_for_volume(PAIR, False, Decimal(1)).result_price))
            spot_mid = spot.get_mid_price(PAIR)
            short = order(perp, False, 1, OPEN)
            assert await run_until(clock, lambda: events.of("OrderFilledEvent"), 5)
            after_open = perp.get_balance("BTC"), dict(perp.account_positions)
            cover = order(perp, True, "0.4", CLOSE)
            assert await run_until(clock, lambda: len(events.of("OrderFilledEvent")) == 2, 5)
            return perp, events, short, cover, bid, spot_mid, after_open

    perp, events, short, cover, bid, spot_mid, (btc_open, positions_open) = asyncio.run(scenario())
    assert events.about(short) == ["SellOrderCreatedEvent", "OrderFilledEvent", "SellOrderCompletedEvent"]
    opened, closed = events.of("OrderFilledEvent")
    assert (opened.position, opened.leverage, closed.position) == ("OPEN", 2, "CLOSE")
    # The replay's book: the spot's (zero basis), and a sell fills at or below its best bid.
    assert abs(opened.price / spot_mid - 1) < Decimal("0.01") and opened.price <= bid * Decimal("1.01")
    # Hummingbot's schema for binance_perpetual (0.02% maker, 0.04% taker): a taker, in the collateral.
    taker = opened.trade_fee.percent
    assert taker == Decimal("0.0004")
    assert btc_open == 1 - taker * opened.price
    position = positions_open[PAIR]
    assert (position.amount, position.entry_price, position.leverage) == (Decimal(-1), opened.price, 2)
    # Covering 0.4 realises (entry - exit) x 0.4 and leaves -0.6 at the same entry.
    realised = (opened.price - closed.price) * Decimal("0.4")
    fees = taker * opened.price + taker * Decimal("0.4") * closed.price
    assert perp.get_balance("BTC") == 1 + realised - fees
    left = perp.account_positions[PAIR]
    assert (left.amount, left.entry_price) == (Decimal("-0.6"), opened.price)
    # What V2 executors read back: the orders as they filled, as takers.
    done = perp._order_tracker.fetch_order(client_order_id=cover)
    assert done.is_filled and done.executed_amount_base == Decimal("0.4") and done.order_fills


def test_it_refuses_what_an_exchange_would_and_says_why(tmp_path):
    async def scenario():
        spot, perp, events, clock = await open_market(perp_settings(tmp_path, collateral="0.01"))
        with clock:
            assert await run_until(clock, lambda: perp.ready, 20)
            perp.set_leverage(PAIR, 5)
            ids = {
                "limit": order(perp, False, "0.1", OPEN, OrderType.LIMIT),
                "reduce_only_with_no_position": order(perp, True, "0.1", CLOSE),
                "margin": order(perp, False, 10, OPEN),  # ~0.18 BTC of margin at 5x, 0.01 held
            }
            assert await run_until(clock, lambda: len(events.of("MarketOrderFailureEvent")) == 3, 5)
            fitting = order(perp, False, "0.2", OPEN)  # ~0.0036 BTC at 5x
            assert await run_until(clock, lambda: events.of("OrderFilledEvent"), 5)
            too_big_a_cover = order(perp, True, "0.3", CLOSE)
            assert await run_until(clock, lambda: len(events.of("MarketOrderFailureEvent")) == 4, 5)
            ids["reduce_only_past_the_position"] = too_big_a_cover
            return perp, events, ids, fitting

    perp, events, ids, fitting = asyncio.run(scenario())
    reasons = {event.order_id: event.error_message for event in events.of("MarketOrderFailureEvent")}
    assert "market orders only" in reasons[ids["limit"]]
    assert "reduce-only buy of 0.1 against a position of 0" in reasons[ids["reduce_only_with_no_position"]]
    assert reasons[ids["margin"]].startswith("margin ") and "at 5x" in reasons[ids["margin"]]
    assert (
        "reduce-only buy of 0.3 against a position of -0.2" in reasons[ids["reduce_only_past_the_position"]]
    )
    assert [e.order_id for e in events.of("OrderFilledEvent")] == [fitting]
    assert perp.account_positions[PAIR].amount == Decimal("-0.2")
    # Hummingbot's perpetual budget checker sees the equity (the collateral and the open PnL) less the
    # margin the position holds at 5x.
    position, mark = perp.account_positions[PAIR], perp.get_mid_price(PAIR)
    equity = perp.get_balance("BTC") + position.unrealized_pnl
    assert perp.get_available_balance("BTC") == equity - Decimal("0.2") * mark / 5


def test_funding_is_charged_each_period_of_the_replay_and_announced_on_the_callers_clock(tmp_path):
    """At 28800x an 8 h funding period lasts 1 s. A short receives a positive rate."""

    async def scenario():
        spot, perp, events, clock = await open_market(perp_settings(tmp_path, speed=28800.0, rate="0.001"))
        with clock:
            assert await run_until(clock, lambda: perp.ready, 20)
            # The next funding may fall microseconds after the call: bracket the call, never read the
            # clock after it alone (once it read 77 µs past the announced time).
            asked_at = time.time()
            info = perp.get_funding_info(PAIR)
            announced_at = (asked_at, time.time())
            order(perp, False, 1, OPEN)
            assert await run_until(clock, lambda: events.of("OrderFilledEvent"), 5)
            btc_after_fill = perp.get_balance("BTC"), len(events.of("FundingPaymentCompletedEvent"))
            assert await run_until(clock, lambda: len(events.of("FundingPaymentCompletedEvent")) >= 3, 10)
            return perp, events, info, announced_at, btc_after_fill

    perp, events, info, announced_at, (btc_after_fill, paid_by_then) = asyncio.run(scenario())
    assert info.rate == Decimal("0.001")
    asked_at, answered_at = announced_at
    assert asked_at < float(info.next_funding_utc_timestamp) <= answered_at + 1.0  # within one period (1 s)
    payments = events.of("FundingPaymentCompletedEvent")
    for payment in payments:
        assert payment.trading_pair == PAIR and payment.funding_rate == Decimal("0.001")
        assert Decimal("0.00005") < payment.amount < Decimal("0.0002")  # +1 x ~0.09 BTC x 0.001, received
    assert perp.get_balance("BTC") == btc_after_fill + sum(p.amount for p in payments[paid_by_then:])


def test_the_position_outlives_the_process_with_the_account(tmp_path):
    account = tmp_path / "paper_account_binance_perpetual.json"
    settings = perp_settings(tmp_path)

    async def trade():
        spot, perp, events, clock = await open_market(settings, account)
        with clock:
            assert await run_until(clock, lambda: perp.ready, 20)
            order(perp, False, "0.5", OPEN)
            assert await run_until(clock, lambda: events.of("OrderFilledEvent"), 5)
            await clock.run_til(time.time() + 0.3)
        return perp.get_all_balances(), perp._positions

    balances, positions = asyncio.run(trade())

    async def reopen():
        _, perp = connectors(settings, account)
        return perp.get_all_balances(), perp._positions

    assert asyncio.run(reopen()) == (balances, positions)
    assert positions[PAIR][0] == Decimal("-0.5")


def test_bad_perpetual_settings_name_the_field(tmp_path):
    base = {"exchange": "binance", "balances": {"BTC": 1}}
    replay = {"market": "replay", "replay": {"candles": str(CANDLES), "trading_pair": PAIR}}
    cases = {
        "paper.perpetual: needs market: replay": {**base, "perpetual": {"exchange": "binance_perpetual"}},
        "paper.perpetual.exchange is required": {**base, **replay, "perpetual": {"balances": {"BTC": 1}}},
        "paper.perpetual.exchange: 'kucoin' is not a perpetual": {
            **base,
            **replay,
            "perpetual": {"exchange": "kucoin"},
        },
        "paper.perpetual.balances.BTC": {
            **base,
            **replay,
            "perpetual": {"exchange": "binance_perpetual", "balances": {"BTC": "lots"}},
        },
        "paper.perpetual.funding_hours: 0.0 must be above 0": {
            **base,
            **replay,
            "perpetual": {"exchange": "binance_perpetual", "funding_hours": 0},
        },
    }
    for message, raw in cases.items():
        with pytest.raises(paper.PaperConfigError, match=message.replace(".", r"\.")):
            paper.PaperSettings.parse(raw)
    settings = perp_settings(tmp_path)

    async def hedged_on_another_pair():
        spot = paper.build_connector(settings, [PAIR])
        paper.build_perpetual(settings, ["ETH-USDT"], spot.replay)

    with pytest.raises(paper.PaperConfigError, match=r"paper\.perpetual: the perp replays ETH-BTC"):
        asyncio.run(hedged_on_another_pair())


# --- hedged_mm on it, in Hummingbot's own V2 machinery -------------------------------------------------


def test_the_hedged_maker_keeps_its_net_delta_in_the_band_on_the_paper_perpetual():
    """hedged_mm quoting on the paper spot connector and hedging on the paper perpetual, both on one
    replay: Hummingbot's StrategyV2Base, ExecutorOrchestrator, PositionExecutors for the quotes and
    OrderExecutors for the hedge (tests/hummingbot/paper_runs.py), the clock stepped in replayed time.

    Net delta = the spot inventory (the controller's own measure, beyond the working stock) plus the
    perp position the exchange holds. After any fill moves it past the band, it is back inside once the
    cooldown has passed and the hedge's market order filled; and the position the controller reads
    from Hummingbot's positions_held is the exchange's whenever no hedge order is working."""
    from paper_runs import Window, paper_side

    band, cooldown, tick = 0.02, 30.0, 5.0
    window = Window(str(CANDLES), first=1000, bars=144)  # 12 replayed hours: fills, and a funding time
    overrides = {
        "hedge_connector_name": "binance_perpetual",
        "hedge_trading_pair": PAIR,
        "delta_band_base": band,
        "min_hedge_base": 0.005,
        "hedge_cooldown": cooldown,
        # The window's losses reach the 5% kill switch 55 minutes before its funding time (the controller
        # then stands flat, and nothing is paid); this test is of the hedge and the funding, not the kill.
        "max_drawdown_pct": 0.2,
    }
    ticks, ledger = [], []

    def observe(controller, perp, now):
        ledger[:] = [controller.funding_ledger]
        decision, account, plan = controller.hedge_decision, controller.account, controller.quote_plan
        if decision is None or account is None or plan is None:
            return
        working = any(e.is_active and e.config.level_id == "hedge" for e in controller.executors_info)
        exchange = float(perp._positions.get(PAIR, (0, 0))[0])
        ticks.append(
            {
                "now": now,
                "spot": account.inventory_quote / plan.reference_price,
                "exchange": exchange,
                "believed": controller.read_perp()[0].position_base,
                "working": working,
            }
        )

    run = paper_side(
        "hedged_mm",
        window,
        overrides,
        tick_seconds=tick,
        perpetual={"exchange": "binance_perpetual", "balances": {"BTC": 0.05}, "funding_rate": "0.0003"},
        on_tick=observe,
    )
    fills = [e for e in run.notes["perp_events"] if type(e).__name__ == "OrderFilledEvent"]
    refused = [e for e in run.notes["perp_events"] if type(e).__name__ == "MarketOrderFailureEvent"]
    assert len(run.fills) >= 10 and len(fills) >= 3, (len(run.fills), len(fills))
    assert refused == [], [e.error_message for e in refused]
    # The controller's books are the exchange's, whenever no hedge order is in flight.
    settled = [t for t in ticks if not t["working"]]
    assert settled and all(abs(t["believed"] - t["exchange"]) < 1e-9 for t in settled)
    # Every excursion past the band ends within the cooldown and two ticks (the order, its fill).
    longest, run_length = 0, 0
    for t in ticks:
        run_length = run_length + 1 if abs(t["spot"] + t["exchange"]) > band + 1e-9 else 0
        longest = max(longest, run_length)
    assert longest <= cooldown / tick + 2, longest
    inside = sum(abs(t["spot"] + t["exchange"]) <= band + 1e-9 for t in ticks) / len(ticks)
    print(
        f"hedged_mm on the paper perpetual: {len(run.fills)} spot fills, {len(fills)} hedge fills, "
        f"net delta inside ±{band} on {inside:.1%} of {len(ticks)} ticks, longest excursion {longest} ticks"
    )
    # Funding: the exchange's payments, and the controller's own estimate of them (hedge.FundingLedger).
    payments = [e for e in run.notes["perp_events"] if type(e).__name__ == "FundingPaymentCompletedEvent"]
    received = float(sum(e.amount for e in payments))
    estimate = ledger[0]
    print(f"funding: {len(payments)} payments, received {received:.3g} BTC; controller's estimate {estimate}")
    assert payments and estimate.payments == len(payments)
    assert estimate.paid_quote == pytest.approx(-received, rel=0.05)
