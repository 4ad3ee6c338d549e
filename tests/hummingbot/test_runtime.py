"""The Hummingbot runtime image runs Hummingbot's own backtesting engine, offline, on real candles.

Runs inside the image (skipped where Hummingbot is not installed):

    tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot
"""

from __future__ import annotations

import os
import socket
from decimal import Decimal
from pathlib import Path

import pytest

hummingbot = pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")

from backtest_harness import (  # noqa: E402
    OfflineDataError,
    load_candles,
    run_backtest,
)
from hummingbot.core.data_type.common import TradeType  # noqa: E402
from hummingbot.strategy_v2.executors.position_executor.data_types import PositionExecutorConfig  # noqa: E402
from reference_controllers.pmm_dynamic_like import (  # noqa: E402
    PMMDynamicLikeConfig,
    PMMDynamicLikeController,
    yardstick_config,
)

CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))
FEE = 0.001
# Bars of ETH-BTC_5m the engine steps over here: five days, well past the indicators' warm-up. Every test
# below asserts behaviour, which the whole file would not change: 5,760 bars took 281 s against 48 s (the
# fixture, side by side under load; Hummingbot's position simulator grows faster than the bars).
BARS = 1440


def candles_file(name: str) -> Path:
    path = CANDLES_DIR / name
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: mount ../shared/data/candles at {CANDLES_DIR} (run_in_runtime.sh does)"
        )
    return path


class NetworkAttempted(AssertionError):
    pass


@pytest.fixture(scope="module")
def network_attempts():
    """Every outbound connection or name lookup in this module is recorded and refused."""
    attempts: list[str] = []

    def refuse(what):
        def _refused(*args, **kwargs):
            attempts.append(f"{what}{args[1:2] if what.startswith('socket.') else args[:1]}")
            raise NetworkAttempted(f"network used during an offline backtest: {what}")

        return _refused

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse("socket.connect"))
        patch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
        patch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
        patch.setattr(socket, "create_connection", refuse("create_connection"))
        yield attempts


@pytest.fixture(scope="module")
def eth_btc(network_attempts):
    candles = load_candles(candles_file("ETH-BTC_5m.csv")).iloc[:BARS]
    config = yardstick_config("binance", "ETH-BTC", "5m")
    return run_backtest(config, candles, interval="5m", fee=FEE)


def test_runtime_is_laid_out_like_the_official_image():
    home = Path("/home/hummingbot")
    assert Path(hummingbot.root_path()) == home  # conf/, logs/, data/ resolve under it
    for folder in (
        "conf/connectors",
        "conf/strategies",
        "conf/controllers",
        "conf/scripts",
        "logs",
        "data",
        "certs",
        "scripts",
    ):
        assert (home / folder).is_dir(), folder
    assert (home / "controllers" / "__init__.py").is_file()
    assert (home / "hummingbot" / "VERSION").is_file()


def test_hummingbots_own_secret_crypto_round_trips():
    # what the bots role needs for an unattended first boot (conf/.password_verification, keys)
    from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger

    encrypted = ETHKeyFileSecretManger("a-config-password").encrypt_secret_value("api_key", "key-123")
    assert "key-123" not in encrypted
    assert ETHKeyFileSecretManger("a-config-password").decrypt_secret_value("api_key", encrypted) == "key-123"
    with pytest.raises(ValueError, match="MAC mismatch"):
        ETHKeyFileSecretManger("another-password").decrypt_secret_value("api_key", encrypted)


def test_candles_load_as_hummingbot_feeds_expect():
    frame = load_candles(candles_file("ETH-BTC_5m.csv"))
    assert list(frame.columns) == ["timestamp", "open", "high", "low", "close", "volume"]
    assert frame["timestamp"].is_monotonic_increasing and frame["timestamp"].is_unique
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
    assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()


def test_engine_stepped_over_every_candle_after_the_indicator_warmup(eth_btc):
    candles, features = eth_btc.candles, eth_btc.features
    assert eth_btc.start == candles["timestamp"].iloc[0] and eth_btc.end == candles["timestamp"].iloc[-1]
    warmup = len(candles) - len(features)
    assert 0 < warmup < eth_btc.engine.controller.config.max_records  # only indicator warmup was lost
    assert list(features["timestamp"]) == list(candles["timestamp"].iloc[warmup:])
    assert features["reference_price"].notna().all() and (features["spread_multiplier"] > 0).all()


def test_backtest_made_no_network_attempt(eth_btc, network_attempts):
    assert network_attempts == []
    provider = eth_btc.engine.backtesting_data_provider
    assert set(provider.candles_feeds) == {"binance_ETH-BTC_5m"}  # served from the seed, nothing fetched


def test_engine_produced_position_executors_on_both_sides(eth_btc):
    executors = eth_btc.executors
    assert executors, "the controller created no executors"
    assert eth_btc.summary["total_executors"] == len(executors)
    assert all(isinstance(e.config, PositionExecutorConfig) for e in executors)
    assert {e.config.connector_name for e in executors} == {"binance"}
    assert {e.config.trading_pair for e in executors} == {"ETH-BTC"}
    assert {e.config.side for e in executors} == {TradeType.BUY, TradeType.SELL}
    assert all(eth_btc.start <= e.timestamp <= eth_btc.end for e in executors)
    filled = [e for e in executors if e.filled_amount_quote > 0]
    assert filled, "no executor was ever filled over the whole candle set"
    assert eth_btc.summary["total_executors_with_position"] > 0
    assert all(e.cum_fees_quote > 0 for e in filled)  # the fee was charged


def test_quotes_straddle_the_controllers_reference_price(eth_btc):
    reference = eth_btc.features.set_index("timestamp")["reference_price"]
    for executor in eth_btc.executors[:500]:
        ref = Decimal(str(reference.loc[executor.config.timestamp]))
        if executor.config.side == TradeType.BUY:
            assert executor.config.entry_price < ref
        else:
            assert executor.config.entry_price > ref


def test_a_config_dict_with_its_class_runs_too(network_attempts):
    frame = load_candles(candles_file("ETH-BTC_5m.csv")).iloc[:600]
    config = {
        "controller_name": "pmm_dynamic_like",
        "total_amount_quote": "1",
        "leverage": 1,
        "skip_rebalance": True,
        "interval": "5m",
        "buy_spreads": "1,2",
        "sell_spreads": "1,2",
    }
    result = run_backtest(
        config,
        frame,
        config_class=PMMDynamicLikeConfig,
        connector="binance",
        trading_pair="ETH-BTC",
        interval="5m",
        fee=FEE,
    )
    assert type(result.engine.controller) is PMMDynamicLikeController
    assert result.engine.controller.config.connector_name == "binance"
    assert result.features["timestamp"].iloc[-1] == frame["timestamp"].iloc[-1]
    assert {e.custom_info["level_id"] for e in result.executors} <= {"buy_0", "buy_1", "sell_0", "sell_1"}
    assert network_attempts == []


def test_a_feed_that_was_not_seeded_is_refused_not_fetched(network_attempts):
    frame = load_candles(candles_file("ETH-BTC_5m.csv")).iloc[:300]
    config = yardstick_config("binance", "ETH-BTC", "5m", candles_trading_pair="LTC-BTC")
    with pytest.raises(OfflineDataError, match="binance_LTC-BTC_5m"):
        run_backtest(config, frame, interval="5m", fee=FEE)
    assert network_attempts == []


def test_signal_candles_of_another_pair_come_from_extra_candles(network_attempts):
    eth = load_candles(candles_file("ETH-BTC_5m.csv")).iloc[:600]
    ltc = load_candles(candles_file("LTC-BTC_5m.csv")).iloc[:600]
    config = yardstick_config("binance", "ETH-BTC", "5m", candles_trading_pair="LTC-BTC")
    result = run_backtest(
        config, eth, interval="5m", fee=FEE, extra_candles={("binance", "LTC-BTC", "5m"): ltc}
    )
    stepped = result.features.set_index("timestamp")
    ltc_close = ltc.set_index("timestamp")["close"].loc[stepped.index]
    eth_close = eth.set_index("timestamp")["close"].loc[stepped.index]
    # the engine stepped over ETH prices; the controller's reference price came from LTC (~5x lower)
    assert (stepped["close_bt"] == eth_close).all()
    assert ((stepped["reference_price"] / ltc_close - 1).abs() < 0.05).all()
    assert network_attempts == []


def test_executors_that_hummingbot_names_alike_stay_apart(network_attempts, monkeypatch):
    """Hummingbot 2.12 names an executor sha256(timestamp + randint(0, 99999)), so two created in one bar
    collide about once in 1e5 pairs. With randint pinned, every pair does: the engine still keeps one
    simulation per executor (the later of two is renamed), so no executor is priced with another's path."""
    import random

    monkeypatch.setattr(random, "randint", lambda low, high: 7)
    frame = load_candles(candles_file("ETH-BTC_5m.csv")).iloc[:300]
    result = run_backtest(yardstick_config("binance", "ETH-BTC", "5m"), frame, interval="5m", fee=FEE)
    ids = [e.id for e in result.executors]
    assert len(set(ids)) == len(ids)
    renamed = [i for i in ids if "-" in i]
    assert renamed, "no two executors of one bar were created: the pinned randint tested nothing"
    for executor in result.executors:  # each executor's info is its own simulation's, not a namesake's
        simulation = result.engine.simulations[executor.id]
        assert simulation.config is executor.config
