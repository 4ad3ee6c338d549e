"""The market maker's flatten worked by a TWAP (flatten_algorithm twap, controllers/shared_base/flatten.py)
inside Hummingbot's own engine, on real candles (the analysis runtime, offline):

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot/test_flatten_engine.py

The pure rules (the unwind's PnL, its start, when it is over) are in tests/unit/test_flatten.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

from controllers.plugin_system.registry import load_registry  # noqa: E402

# A tight inventory limit, so the LTC window below hits it many times.
CONFIG = {
    "controller_name": "inventory_mm",
    "connector_name": "binance",
    "trading_pair": "LTC-BTC",
    "interval": "5m",
    "total_amount_quote": 1000,
    "max_inventory_pct": 0.3,
    "max_drawdown_pct": 1.0,
    "flatten_duration": 1800,
    "flatten_slices": 3,
}
BARS = 1500
DECISIONS = {"conservative": "close", "conservative-path": "path"}  # the conservative runs' cadence


def candles():
    from controllers.analysis.candles import load_candles

    source = Path("/data/candles/LTC-BTC_5m.csv")
    if not source.is_file():
        pytest.fail(f"{source} is missing: mount ../shared/data/candles at /data/candles")
    return load_candles(source).take(0, BARS)


def backtest(model: str, spy: list | None = None, **overrides):
    """One run; `spy` collects (time, PnL) of every kill-switch update the controller made."""
    from controllers.analysis.engine import run_config
    from controllers.analysis.fill_model import fill_terms
    from controllers.shared_base import adapter

    checked = load_registry().check({**CONFIG, **overrides})
    fill = None if model == "hummingbot" else fill_terms("binance", decisions=DECISIONS[model])
    original = adapter._StrategyGlue.update_kill_switch

    def recording(self, pnl_quote):
        spy.append((float(self.market_data_provider.time()), pnl_quote))
        return original(self, pnl_quote)

    if spy is not None:
        adapter._StrategyGlue.update_kill_switch = recording
    try:
        return run_config(checked.config, candles(), fee=0.001, warmup_bars=checked.warmup_bars, fill=fill)
    finally:
        adapter._StrategyGlue.update_kill_switch = original


@pytest.mark.parametrize("model", ["conservative", "conservative-path", "hummingbot"])
def test_a_twap_flatten_keeps_the_positions_and_sells_exactly_their_base_in_slices(model):
    """Market: each picked position is stopped at market (an exit), nothing is kept, no order executor.
    TWAP: the picked positions end POSITION_HOLD with no exit of their own; child orders (level
    flatten_*) sell (buy back) the base they kept, unwind by unwind: every finished unwind's fills add up
    to its kept base, never more, in at most slices + 1 children (the last the market sweep)."""
    market = backtest(model, flatten_algorithm="market")
    assert (market.executors["close_type"] == "POSITION_HOLD").sum() == 0
    assert not (~market.executors["is_position"]).any()
    assert (market.fills["leg"] == "fill").sum() == 0

    run = backtest(model, flatten_algorithm="twap")
    executors = run.executors
    kept = executors[executors["is_position"] & (executors["close_type"] == "POSITION_HOLD")]
    kept = kept[kept["filled_amount_quote"] > 0]
    children = executors[~executors["is_position"]]
    assert len(kept) >= 3, "the window must hit the inventory limit several times"
    assert children["level_id"].str.startswith("flatten_").all()
    assert not (run.fills["executor_id"].isin(kept["id"]) & (run.fills["leg"] != "entry")).any()

    starts = sorted(kept["close_timestamp"].unique())
    checked = 0
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else float("inf")
        group = kept[kept["close_timestamp"] == start]
        side = 1 if (group["side"] == "BUY").all() else -1
        assert set(group["side"]) == {"BUY" if side > 0 else "SELL"}, "an unwind keeps one side"
        mine = children[(children["timestamp"] >= start) & (children["timestamp"] < end)]
        assert set(mine["side"]) <= {"SELL" if side > 0 else "BUY"}
        sold = mine.loc[mine["close_type"] == "POSITION_HOLD", "amount"].sum()
        assert sold <= group["amount"].sum() * (1 + 1e-9)
        if end != float("inf"):  # a later unwind started, so this one had finished
            assert sold == pytest.approx(group["amount"].sum(), rel=1e-9)
            assert len(mine) <= CONFIG["flatten_slices"] + 1
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("model", ["conservative", "conservative-path", "hummingbot"])
def test_the_controllers_pnl_through_twap_flattens_is_the_engines_at_every_bar(model):
    """The kill switch's PnL (executors, plus the unwinds: kept base marked, children's fills and fees)
    equals what the engine books at every bar, through every unwind; and the PnL decomposition of the
    fills (entries, exits, children's fills) adds up to the engine's final PnL."""
    from controllers.analysis.maker import decompose

    seen: list = []
    run = backtest(model, spy=seen, flatten_algorithm="twap")
    booked = run.bars.set_index("timestamp")["pnl_quote"]
    # a bar's record is its last decision's (with decisions "path", 3/4 of a 5-minute bar after it opens)
    last = 225.0 if model == "conservative-path" else 0.0
    pairs = [(pnl, booked[time - last]) for time, pnl in seen if time - last in booked.index]
    assert len(pairs) >= BARS // 2
    worst = max(abs(a - b) for a, b in pairs)
    assert worst < 1e-6, f"the controller's PnL strayed from the engine's by {worst}"
    if model != "hummingbot":
        parts = decompose(run.fills.to_dict("records"))
        assert parts["pnl_net_quote"] == pytest.approx(float(booked.iloc[-1]), abs=1e-9)
