"""The project's performance metrics against small cases worked out by hand (numbers in the comments)."""

from __future__ import annotations

import math

import pytest

from controllers.analysis import metrics as m


def test_bars_per_year_from_the_interval():
    assert m.bars_per_year(300) == 105_120  # 365 * 288 five-minute bars
    assert m.bars_per_year(86_400) == 365
    with pytest.raises(ValueError, match="interval_seconds"):
        m.bars_per_year(0)


def test_returns_are_simple_per_bar_returns_of_equity():
    assert m.bar_returns([100.0, 110.0, 99.0]) == pytest.approx([0.10, -0.10])
    assert m.equity_curve([0.0, 5.0, -2.0], 1000.0) == [1000.0, 1005.0, 998.0]


def test_sharpe_by_hand():
    # mean 0.005; deviations ±0.005, ±0.015 -> squares sum 5e-4; sample var 5e-4/3; std 0.0129099
    # 4 bars a year -> sqrt(4) = 2: 0.005 / 0.0129099 * 2 = 0.774597
    returns = [0.01, -0.01, 0.02, 0.0]
    assert m.sharpe_ratio(returns, periods=4) == pytest.approx(0.774597, abs=1e-6)


def test_sharpe_charges_the_risk_free_rate_per_bar():
    # rf 2% a year over 4 bars = 0.005 a bar, exactly the mean: excess 0
    assert m.sharpe_ratio([0.01, -0.01, 0.02, 0.0], periods=4, risk_free_rate=0.02) == pytest.approx(0.0)
    # rf 4%: excess mean -0.005 -> -0.774597
    assert m.sharpe_ratio([0.01, -0.01, 0.02, 0.0], periods=4, risk_free_rate=0.04) == pytest.approx(
        -0.774597, abs=1e-6
    )


def test_sharpe_is_undefined_without_variance():
    assert m.sharpe_ratio([0.01, 0.01, 0.01], periods=4) is None
    assert m.sharpe_ratio([0.01], periods=4) is None


def test_sortino_by_hand():
    # only -0.01 is below 0: downside deviation sqrt(1e-4 / 4) = 0.005; 0.005 / 0.005 * sqrt(4) = 2
    assert m.sortino_ratio([0.01, -0.01, 0.02, 0.0], periods=4) == pytest.approx(2.0)
    # rf 2% a year over 4 bars = 0.005 a bar: excess 0.005, -0.015, 0.015, -0.005; mean 0
    assert m.sortino_ratio([0.01, -0.01, 0.02, 0.0], periods=4, risk_free_rate=0.02) == pytest.approx(0.0)
    assert m.sortino_ratio([0.01, 0.02], periods=4) is None  # no downside


def test_max_drawdown_is_the_largest_fall_from_a_running_peak():
    # peak 120 -> 90 is 25%; the later 130 -> 117 is only 10%
    assert m.max_drawdown([100.0, 120.0, 90.0, 130.0, 117.0]) == pytest.approx((0.25, 30.0))
    assert m.max_drawdown([100.0, 101.0, 102.0]) == (0.0, 0.0)


def test_calmar_by_hand():
    assert m.calmar_ratio(0.5, 0.25) == 2.0
    assert m.calmar_ratio(0.5, 0.0) is None
    # 4 bars a year, mean return 0.005 -> 2% a year
    assert m.annualised_return([0.01, -0.01, 0.02, 0.0], periods=4) == pytest.approx(0.02)


def test_win_rate_and_profit_factor_by_hand():
    trades = [1.0, -1.0, 2.0, 0.0]
    assert m.win_rate(trades) == 0.5  # 2 of 4 won; a zero trade is not a win
    assert m.profit_factor(trades) == 3.0  # (1 + 2) / 1
    assert m.profit_factor([1.0, 2.0]) is None  # nothing lost: undefined, not a number made up
    assert m.win_rate([]) is None


def test_historical_var_and_cvar_by_hand():
    # 20 bars: the worst 5% is 1 bar: VaR = CVaR = 5%
    twenty = [-0.05, -0.03] + [0.01] * 18
    assert m.historical_var(twenty) == pytest.approx((0.05, 0.05))
    # 40 bars: worst 2 bars (-4%, -2%): VaR 2% (the 2nd worst), CVaR 3% (their mean)
    forty = [-0.04, -0.02] + [0.01] * 38
    assert m.historical_var(forty) == pytest.approx((0.02, 0.03))
    # at 90% the worst 4 of 40: -4, -2, +1, +1 -> VaR -1% (a gain), CVaR (4 + 2 - 1 - 1) / 4 = 1%
    assert m.historical_var(forty, level=0.90) == pytest.approx((-0.01, 0.01))
    assert m.historical_var([]) == (None, None)


def test_inventory_statistics_by_hand():
    stats = m.inventory_statistics([0.0, 100.0, -50.0, 0.0], capital=1000.0)
    assert stats == {
        "inventory_mean_quote": 12.5,  # (0 + 100 - 50 + 0) / 4
        "inventory_mean_abs_pct": 0.0375,  # (100 + 50) / 4 / 1000
        "inventory_max_abs_pct": 0.1,
        "inventory_final_quote": 0.0,
        "time_in_market": 0.5,  # 2 of 4 bars hold inventory
    }


def test_compute_metrics_on_a_small_run():
    # capital 100; the first bar is warm-up; equity from bar 1: 100, 110, 99, 108.9
    pnl = [7.0, 0.0, 10.0, -1.0, 8.9]
    result = m.compute_metrics(
        pnl,
        inventory_quote=[0.0, 0.0, 50.0, 50.0, 0.0],
        trade_pnls=[10.0, -11.0, 9.9],
        capital=100.0,
        interval_seconds=86_400 * 365 / 3,  # 3 bars a year
        volume_quote=250.0,
        fees_quote=1.5,
        start_bar=1,
    )
    assert result["bars"] == 4
    assert result["net_pnl_quote"] == 8.9
    assert result["total_return"] == pytest.approx(0.089)
    # returns +10%, -10%, +10%: mean 1/30, sample std sqrt(((2/30)^2 * 2 + (4/30)^2) / 2) = 0.11547
    assert result["sharpe"] == pytest.approx((1 / 30) / 0.1154700538 * math.sqrt(3), rel=1e-6)
    assert result["annualised_return"] == pytest.approx(0.1)  # 1/30 * 3
    assert result["max_drawdown"] == pytest.approx(0.1)  # 110 -> 99
    assert result["max_drawdown_quote"] == pytest.approx(11.0)
    assert result["calmar"] == pytest.approx(1.0)
    assert result["trades"] == 3
    assert result["win_rate"] == pytest.approx(2 / 3)
    assert result["profit_factor"] == pytest.approx(19.9 / 11.0)
    assert result["turnover"] == 2.5
    assert result["fees_quote"] == 1.5
    assert result["time_in_market"] == 0.5  # warm-up bar excluded: 2 of 4
    assert result["var_95"] == pytest.approx(0.1)  # 3 returns: the single worst, -10%


def test_compute_metrics_rejects_non_positive_capital():
    with pytest.raises(ValueError, match="capital"):
        m.compute_metrics([0.0, 1.0], [0.0, 0.0], [], capital=0.0, interval_seconds=60)


def test_trades_are_closed_filled_positions():
    executors = [
        {"is_active": False, "filled_amount_quote": 10.0, "net_pnl_quote": 1.0},
        {"is_active": True, "filled_amount_quote": 10.0, "net_pnl_quote": 5.0},  # still open
        {"is_active": False, "filled_amount_quote": 0.0, "net_pnl_quote": 0.0},  # never filled
    ]
    assert [row["net_pnl_quote"] for row in m.trade_records(executors)] == [1.0]


def test_engine_comparison_pairs_every_shared_quantity():
    rows = m.engine_comparison(
        {"sharpe": 1.5, "net_pnl_quote": 3.0}, {"sharpe_ratio": 0.2, "net_pnl_quote": 3.0}
    )
    by_name = {row["quantity"]: row for row in rows}
    assert by_name["Sharpe"]["project"] == 1.5 and by_name["Sharpe"]["engine"] == 0.2
    assert by_name["net PnL (quote)"]["engine"] == 3.0
    assert all(row["note"] for row in rows)


def test_run_metrics_scores_from_the_warm_up_or_a_held_out_start():
    from types import SimpleNamespace

    # one bar a day; equity 1000, 1000 (warm-up), 1010, 1000, 1020: pnl 0, 0, 10, 0, 20
    bars = [
        {"timestamp": 86_400.0 * i, "close": 1.0, "pnl_quote": pnl, "inventory_quote": 0.0}
        | {"resting_buys": 1, "resting_sells": int(i > 2)}
        for i, pnl in enumerate([0.0, 0.0, 10.0, 0.0, 20.0])
    ]
    executors = [
        {
            "id": "e1",
            "timestamp": 86_400.0 * 1,
            "is_active": False,
            "filled_amount_quote": 100.0,
            "net_pnl_quote": 10.0,
            "cum_fees_quote": 0.2,
        },
        {
            "id": "e2",
            "timestamp": 86_400.0 * 3,
            "is_active": False,
            "filled_amount_quote": 100.0,
            "net_pnl_quote": 10.0,
            "cum_fees_quote": 0.2,
        },
    ]
    run = SimpleNamespace(
        bars=bars, executors=executors, fills=[], capital=1000.0, interval="1d", warmup_bars=2
    )
    whole = m.run_metrics(run)
    assert whole["bars"] == 4 and whole["net_pnl_quote"] == 20.0 and whole["trades"] == 2  # from bar 1
    # held-out tail from day 3: starts at bar 2 (pnl 10), re-based: equity 1000, 990, 1010
    tail = m.run_metrics(run, score_from=86_400.0 * 3)
    assert m.first_scored_bar([b["timestamp"] for b in bars], 2, 86_400.0 * 3) == 2
    assert tail["bars"] == 3 and tail["net_pnl_quote"] == 10.0 and tail["trades"] == 1
    assert tail["max_drawdown"] == pytest.approx(0.01)  # 1000 -> 990
    assert tail["fees_quote"] == pytest.approx(0.2) and tail["turnover"] == pytest.approx(0.1)
    # quote uptime over the scored bars only: two-sided on days 3 and 4 of bars 1-4, then of bars 2-4
    assert whole["quote_uptime"] == pytest.approx(2 / 4) and tail["quote_uptime"] == pytest.approx(2 / 3)
