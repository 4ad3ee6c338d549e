"""The conservative fill model's rules, one hand-built case each; every expected figure worked by hand."""

import pytest

from controllers.analysis.fill_model import (
    BUY,
    SELL,
    Barriers,
    Bars,
    FillModelError,
    FillTerms,
    bar_path,
    close_through_fill,
    fill_terms,
    maker_price,
    marks,
    price_increment,
    simulate_order,
    simulate_position,
    walk_bars,
)

TERMS = FillTerms(maker_fee=0.0002, taker_fee=0.0006, slippage=0.001, tick=0.5)


def bars(*rows: tuple[float, float, float, float]) -> Bars:
    """(open, high, low, close) per bar; bar 0 priced the order."""
    return Bars(*(tuple(row[i] for row in rows) for i in range(4)))


def buy(**barriers) -> Barriers:
    return Barriers(side=BUY, amount=2.0, entry_price=100.0, **barriers)


FLAT = (101.0, 101.0, 101.0, 101.0)


def test_no_fill_on_the_bar_that_priced_the_quote_nor_on_a_touch():
    path = simulate_position(
        bars(
            (101, 101, 99, 100.5),  # priced the quote: its low is below 100, but it came first
            (100.5, 100.8, 99.6, 100.2),  # 0.4 through: less than one increment (0.5)
            (100.2, 100.3, 99.5, 99.8),  # 0.5 through: fills
            FLAT,
        ),
        buy(),
        TERMS,
    )
    assert (path.fill_bar, path.entry_price, path.entry_fee) == (2, 100.0, 0.0002)


def test_a_limit_fills_at_its_own_price_however_far_the_bar_ran_through_it():
    path = simulate_position(bars((101, 101, 101, 101), (100, 100, 90, 91), FLAT), buy(), TERMS)
    assert path.entry_price == 100.0  # Hummingbot's simulator would have bought at the close, 91


def test_round_trip_pays_the_maker_fee_on_both_limit_legs():
    path = simulate_position(
        bars((101, 101, 101, 101), (100, 100.2, 99.5, 100), (100, 101.5, 100, 101), FLAT),
        buy(take_profit=0.01),
        TERMS,
    )
    assert (path.close_reason, path.end_bar, path.exit_price, path.exit_fee) == (
        "TAKE_PROFIT",
        2,
        101.0,
        0.0002,
    )
    last = marks(path, buy(take_profit=0.01), [101, 100, 101], TERMS)[-1]
    # gross 2 x (101 - 100) = 2; fees 2 x 100 x 0.0002 + 2 x 101 x 0.0002 = 0.04 + 0.0404
    assert last.fees_quote == pytest.approx(0.0804)
    assert last.net_pnl_quote == pytest.approx(1.9196)
    assert last.filled_quote == pytest.approx(402.0)  # both legs traded


def test_take_profit_waits_for_the_bar_after_the_fill_and_needs_a_trade_through():
    path = simulate_position(
        bars(
            (101, 101, 101, 101),
            (100, 102, 99.5, 100),  # fills; its high beyond the target does not count
            (100, 101.3, 100, 101),  # 0.3 through 101: not a fill of the limit take-profit
            (101, 101.5, 100.5, 101),  # 0.5 through: fills
        ),
        buy(take_profit=0.01),
        TERMS,
    )
    assert (path.close_reason, path.end_bar) == ("TAKE_PROFIT", 3)


def test_a_bar_that_touches_both_barriers_is_a_stop_at_the_stop_price_less_slippage():
    order = buy(take_profit=0.01, stop_loss=0.02)
    path = simulate_position(
        bars((101, 101, 101, 101), (100, 100, 99.5, 100), (100, 102, 97, 101)), order, TERMS
    )
    assert (path.close_reason, path.end_bar, path.exit_fee) == ("STOP_LOSS", 2, 0.0006)
    # the stop at 100 x (1 - (0.02 - 0.0002)) = 98.02 (net of the entry fee), sold 0.1% lower: 97.92198
    assert path.exit_price == pytest.approx(98.02 * 0.999)
    # gross 2 x (97.92198 - 100) = -4.15604; fees 0.04 + 2 x 97.92198 x 0.0006 = 0.157506376
    assert marks(path, order, [101, 100, 101], TERMS)[-1].net_pnl_quote == pytest.approx(-4.313546376)


NET = FillTerms(maker_fee=0.001, taker_fee=0.001, slippage=0.0005, tick=0.01)


def test_a_stop_fires_on_the_net_return_as_hummingbots_executor_fires_it():
    """A 0.5% stop after a 0.1% entry fee fires at a 0.4% move (net return -0.5%), not at 0.5%."""
    order = buy(stop_loss=0.005)
    path = simulate_position(
        bars((101, 101, 101, 101), (100, 100, 99.9, 100), (100, 100, 99.65, 99.7), (99.7, 99.7, 99.55, 99.6)),
        order,
        NET,
    )
    # bar 2's low 99.65 is a 0.35% move: net -0.45%, no stop; bar 3's 99.55 passes the level 99.6
    assert (path.close_reason, path.end_bar) == ("STOP_LOSS", 3)
    assert path.exit_price == pytest.approx(99.6 * 0.9995)
    sell = Barriers(side=SELL, amount=1.0, entry_price=100.0, stop_loss=0.005)
    path = simulate_position(
        bars((99, 99, 99, 99), (100, 100.1, 100, 100), (100, 100.41, 100, 100.3)), sell, NET
    )
    assert (path.close_reason, path.exit_price) == ("STOP_LOSS", pytest.approx(100.4 * 1.0005))


def test_a_market_take_profit_waits_for_the_net_return_a_limit_one_rests_at_its_price():
    market = buy(take_profit=0.01, take_profit_is_limit=False)
    rows = ((101, 101, 101, 101), (100, 100, 99.9, 100), (100, 101.05, 100, 101), (101, 101.1, 101, 101.05))
    path = simulate_position(bars(*rows), market, NET)
    # net of the 0.1% entry fee the target is a 1.1% move: 101.1, reached on bar 3, sold 0.05% lower
    assert (path.close_reason, path.end_bar) == ("TAKE_PROFIT", 3)
    assert path.exit_price == pytest.approx(101.1 * 0.9995)
    limit = simulate_position(bars(*rows), buy(take_profit=0.01), NET)
    assert (limit.close_reason, limit.end_bar, limit.exit_price) == ("TAKE_PROFIT", 2, 101.0)


def test_a_stop_can_trigger_on_the_fill_bar_itself():
    path = simulate_position(
        bars((101, 101, 101, 101), (100, 100, 97, 97.5), FLAT), buy(stop_loss=0.02), TERMS
    )
    assert (path.close_reason, path.fill_bar, path.end_bar) == ("STOP_LOSS", 1, 1)


def test_a_gap_past_the_stop_fills_at_the_open():
    path = simulate_position(
        bars((101, 101, 101, 101), (100, 100, 99.5, 99.8), (95, 96, 94, 95.5)), buy(stop_loss=0.02), TERMS
    )
    assert path.exit_price == pytest.approx(95 * 0.999)


def test_time_limit_sells_at_the_last_close_less_slippage_at_the_taker_rate():
    path = simulate_position(
        bars((101, 101, 101, 101), (100, 100, 99.5, 99.8), (99.8, 100.4, 99.7, 100.2)), buy(), TERMS
    )
    assert (path.close_reason, path.end_bar, path.exit_fee) == ("TIME_LIMIT", 2, 0.0006)
    assert path.exit_price == pytest.approx(100.2 * 0.999)


def test_an_order_that_never_fills_books_nothing():
    path = simulate_position(bars((101, 101, 101, 101), FLAT, FLAT), buy(), TERMS)
    assert (path.close_reason, path.filled, path.end_bar) == ("TIME_LIMIT", False, 2)
    assert {
        (m.net_pnl_quote, m.fees_quote, m.filled_quote) for m in marks(path, buy(), [101] * 3, TERMS)
    } == {(0.0, 0.0, 0.0)}


def test_while_open_the_mark_is_a_market_exit_at_the_close():
    order = buy()
    path = simulate_position(bars((101, 101, 101, 101), (100, 100, 99.5, 99.0), FLAT, FLAT), order, TERMS)
    open_mark = marks(path, order, [101, 99.0, 101, 101], TERMS)[1]
    # sold at 99 x 0.999 = 98.901: gross 2 x -1.099 = -2.198; fees 0.04 + 2 x 98.901 x 0.0006
    assert open_mark.fees_quote == pytest.approx(0.1586812)
    assert open_mark.net_pnl_quote == pytest.approx(-2.3566812)
    assert open_mark.filled_quote == pytest.approx(200.0)  # only the entry has traded


def test_a_market_entry_buys_the_next_open_plus_slippage_at_the_taker_rate():
    order = Barriers(side=BUY, amount=1.0, entry_price=None)
    path = simulate_position(bars((101, 101, 101, 101), (102, 103, 101, 102), FLAT), order, TERMS)
    assert (path.fill_bar, path.entry_fee) == (1, 0.0006)
    assert path.entry_price == pytest.approx(102 * 1.001)


def test_sell_side_mirrors_every_rule():
    order = Barriers(side=SELL, amount=1.0, entry_price=100.0, take_profit=0.01, stop_loss=0.02)
    path = simulate_position(
        bars(
            (99, 101, 99, 99.5),  # priced it: its high beyond 100 does not count
            (99.5, 100.5, 99.4, 100),  # 0.5 through: sold at 100
            (100, 103, 98, 99),  # touches the stop (102) and the target (99): the stop counts
        ),
        order,
        TERMS,
    )
    assert (path.fill_bar, path.entry_price, path.close_reason) == (1, 100.0, "STOP_LOSS")
    assert path.exit_price == pytest.approx(101.98 * 1.001)  # the stop net of the entry fee: 2% - 0.02%


def test_a_post_only_quote_that_would_cross_is_rejected():
    order = Barriers(side=BUY, amount=1.0, entry_price=102.0, post_only=True)
    assert simulate_position(bars((101, 101, 101, 101), FLAT), order, TERMS).close_reason == "FAILED"


def test_a_marketable_limit_takes_at_the_next_open():
    order = Barriers(side=BUY, amount=1.0, entry_price=102.0)
    path = simulate_position(bars((101, 101, 101, 101), (101, 101.5, 100.5, 101), FLAT), order, TERMS)
    assert (path.fill_bar, path.entry_fee) == (1, 0.0006)
    assert path.entry_price == pytest.approx(101 * 1.001)  # better than its limit, 102


def test_a_trailing_stop_arms_on_closes_and_fires_on_the_low():
    order = buy(trailing_activation=0.02, trailing_delta=0.01)
    path = simulate_position(
        bars(
            (101, 101, 101, 101),
            (100, 100, 99.5, 100),
            (100, 101.2, 100, 101),  # best return 1%: not armed
            (101, 103.5, 101, 103),  # best 3% (net 2.98%): armed, trailing level 100 x 1.02 = 102
            (103, 103.2, 101.9, 102.5),  # its low crosses 102
        ),
        order,
        TERMS,
    )
    assert (path.close_reason, path.end_bar) == ("TRAILING_STOP", 4)
    assert path.exit_price == pytest.approx(102 * 0.999)


def test_the_price_increment_comes_from_the_candles_despite_float_noise():
    prices = [0.00162008, 0.00161, 0.0016100100000000001, 0.00161]
    assert price_increment(prices) == pytest.approx(1e-8)
    assert price_increment([7.0, 7.0]) == 0.0


def test_terms_default_to_the_exchanges_public_tier_and_name_a_bad_field():
    assert fill_terms("bitget_perpetual").summary() == {
        "maker_fee": 0.0002,
        "taker_fee": 0.0006,
        "slippage": 0.0005,
        "tick": 0.0,
        "decisions": "close",
    }
    assert (
        fill_terms("binance_paper_trade", taker_fee=0.0008).taker_fee,
        fill_terms("binance").maker_fee,
    ) == (
        0.0008,
        0.001,
    )
    with pytest.raises(FillModelError, match="^connector_name: no public fee tier known for 'kraken'"):
        fill_terms("kraken")
    with pytest.raises(FillModelError, match=r"^slippage: 0\.05 is outside"):
        fill_terms("bybit", slippage=0.05)
    assert fill_terms("binance", decisions="path").decisions == "path"
    with pytest.raises(FillModelError, match="^decisions: 'tick' is not one of close, path"):
        fill_terms("binance", decisions="tick")


# A bar walked point by point (decisions "path"): the replay market's order, one sub-bar per point.


def test_a_rising_bar_dips_first_and_a_falling_bar_rallies_first():
    assert bar_path(100, 103, 99, 102) == (100, 99, 103, 102)
    assert bar_path(100, 103, 99, 100) == (100, 99, 103, 100)  # flat counts as rising
    assert bar_path(100, 103, 99, 98.5) == (100, 103, 99, 98.5)


def test_walked_bars_run_from_point_to_point_at_quarter_intervals():
    walked = walk_bars([0, 300], [100, 101], [103, 101.5], [99, 100], [102, 100.5])
    assert walked["timestamp"] == [0, 75, 150, 225, 300, 375, 450, 525]
    assert walked["close"] == [100, 99, 103, 102, 101, 101.5, 100, 100.5]
    # each sub-bar runs from the point before: the first bar's own open, then the previous point
    assert walked["open"] == [100, 100, 99, 103, 102, 101, 101.5, 100]
    assert walked["high"] == [100, 100, 103, 103, 102, 101.5, 101.5, 100.5]
    assert walked["low"] == [100, 99, 99, 102, 101, 101, 100, 100]
    assert (walked["bar"], walked["point"]) == ([0] * 4 + [1] * 4, [0, 1, 2, 3] * 2)
    with pytest.raises(FillModelError, match="^candles: walking bars needs at least two"):
        walk_bars([0], [1], [1], [1], [1])


def test_a_quote_priced_at_one_point_fills_at_a_later_point_of_the_same_bar():
    """The conservative rules, unchanged, on walked sub-bars: a bid priced at the dip (99) fills when the
    rally's far side comes back through it, not on the sub-bar that priced it."""
    walked = walk_bars([0, 300], [100, 103], [103, 103], [99, 98], [102, 98.5])
    rows = list(zip(walked["open"], walked["high"], walked["low"], walked["close"], strict=True))
    order = Barriers(side=BUY, amount=1.0, entry_price=98.9)  # priced at point 1 (the dip to 99)
    path = simulate_position(bars(*rows[1:]), order, TERMS)
    # points after it: 103, 102 (bar 0), 103, 103, 98 (bar 1's fall: 5 through 98.9): fills at 98.9
    assert (path.fill_bar, path.entry_price) == (5, 98.9)


# A lone order (an OrderExecutor's): the entry rules alone, whole fills only.


def test_a_market_order_fills_at_the_next_open_moved_by_the_slippage_at_the_taker_rate():
    market = Barriers(side=BUY, amount=2.0, entry_price=None)
    fill = simulate_order(bars(FLAT, (102, 103, 101, 102.5)), market, TERMS)
    assert (fill.bar, fill.price, fill.fee_rate) == (1, pytest.approx(102.102), 0.0006)
    sold = simulate_order(bars(FLAT, (102, 103, 101, 102.5)), Barriers(SELL, 1.0, None), TERMS)
    assert sold.price == pytest.approx(101.898)
    assert not simulate_order(bars(FLAT), market, TERMS).filled  # no next bar: still waiting


def test_a_limit_order_needs_a_later_bar_through_it_by_an_increment():
    rows = (FLAT, (100.5, 100.8, 99.6, 100.2), (100.2, 100.3, 99.5, 99.8), FLAT)
    fill = simulate_order(bars((101, 101, 99, 100.5), *rows[1:]), buy(), TERMS)
    assert (fill.bar, fill.price, fill.fee_rate) == (2, 100.0, 0.0002)
    touch = simulate_order(bars(FLAT, (100.5, 100.8, 100.0, 100.2)), buy(), TERMS)
    assert touch.bar is None and not touch.filled


def test_a_limit_through_the_market_at_creation_takes_at_the_next_open():
    # buy at 100 over the pricing close 99: the next open 99 x 1.001 = 99.099 <= 100, taker
    fill = simulate_order(bars((99, 99, 99, 99), (99, 99.5, 98, 99), FLAT), buy(), TERMS)
    assert (fill.bar, fill.price, fill.fee_rate) == (1, pytest.approx(99.099), 0.0006)


def test_a_post_only_order_at_the_market_price_rests_and_never_takes():
    assert maker_price(BUY, 101.0, 100.0) == 100.0 and maker_price(SELL, 99.0, 100.0) == 100.0
    assert maker_price(BUY, 99.0, 100.0) == 99.0
    maker = Barriers(side=BUY, amount=2.0, entry_price=100.0, post_only=True)
    fill = simulate_order(
        bars((100, 100, 100, 100), (100, 100.2, 99.6, 100), (100, 100, 99.5, 99.8)), maker, TERMS
    )
    assert (fill.bar, fill.price, fill.fee_rate) == (2, 100.0, 0.0002)


def test_hummingbots_rule_fills_at_the_first_close_at_the_price_from_the_pricing_bar_on():
    assert close_through_fill([100.0, 99.5, 99.0, 98.0], BUY, 99.0) == 2
    assert close_through_fill([100.0, 99.5], BUY, 99.0) is None
    assert close_through_fill([100.0, 100.5, 101.0], SELL, 100.5) == 1
    assert close_through_fill([100.0, 101.0], BUY, None) == 0  # market: the pricing bar's own close
