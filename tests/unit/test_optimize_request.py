"""`hbot-strategies optimize` argument validation: bad input is refused before any work, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from controllers.analysis.optimize_request import (
    RequestError,
    build_request,
    check_storage_url,
    redact,
)
from controllers.plugin_system.registry import load_registry

REGISTRY = load_registry()
START = 1_515_574_500  # a 5-minute boundary


def write_candles(path: Path, rows: int, step: int = 300) -> Path:
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(rows):
        price = 0.09 + 0.001 * ((i * 7) % 11)
        lines.append(f"{START + i * step},{price},{price * 1.002},{price * 0.998},{price},{10 + i % 5}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def candles(tmp_path: Path) -> Path:
    return write_candles(tmp_path / "ETH-BTC_5m.csv", 400)


def request(tmp_path: Path, candles: Path, **options):
    return build_request(
        REGISTRY,
        controller=options.pop("controller", "inventory_mm"),
        candles=options.pop("candle_files", [candles]),
        output=tmp_path / "out",
        **options,
    )


def space(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "space.yml"
    path.write_text(text)
    return path


def test_a_valid_request_holds_the_split_space_and_default_sqlite_storage(tmp_path, candles):
    spec = space(tmp_path, "volatility_window: {low: 10, high: 40}\ntrend_window: 30\n")
    made = request(tmp_path, candles, space_file=spec, workers=3, trials=9)
    (market,) = made.markets
    fields = {"connector_name": "binance", "trading_pair": "ETH-BTC", "interval": "5m"}
    assert market.config_fields() == fields
    assert (market.split.train_rows, market.split.test_rows) == (280, 120)
    assert market.split.warmup == 41  # max(volatility_window high 40, trend_window 30) + 1
    assert made.storage == f"sqlite:///{tmp_path / 'out' / 'optimize.db'}"
    assert made.space.names == ["volatility_window"]
    assert made.trial_config(market, {"volatility_window": 20})["trend_window"] == 30
    assert not (tmp_path / "out").exists()  # validation writes nothing


def test_a_relative_sqlite_storage_is_made_absolute(tmp_path, candles, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (
        request(tmp_path, candles, storage="sqlite:///studies/x.db").storage
        == f"sqlite:///{tmp_path}/studies/x.db"
    )


def test_the_study_name_follows_the_searchs_inputs(tmp_path, candles):
    first = request(tmp_path, candles).study_name
    assert request(tmp_path, candles).study_name == first
    assert request(tmp_path, candles, fee=0.0005).study_name != first
    assert request(tmp_path, candles, study="mine").study_name == "mine"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"controller": "nope"}, "controller: unknown strategy 'nope'"),
        ({"controller": "portfolio_rebalance"}, "controller: portfolio_rebalance is a generic controller"),
        ({"train_fraction": 1.0}, "--train-fraction: must be strictly between 0 and 1"),
        ({"train_fraction": 0.0}, "--train-fraction: must be strictly between 0 and 1"),
        ({"fee": 0.01}, "--fee: 0.01 is outside [0.0, 0.01)"),
        ({"trials": 0}, "--trials: must be a whole number >= 1"),
        ({"workers": 0}, "--workers: must be a whole number >= 1"),
        ({"storage": "redis://localhost/0"}, "--storage: 'redis://localhost/0' is not a supported URL"),
        ({"storage": "sqlite://"}, "--storage: 'sqlite://' is not a supported URL"),
        ({"storage": "sqlite:///:memory:"}, "--storage: a SQLite storage needs a file every worker can open"),
        ({"storage": "postgresql:///optuna"}, "--storage: 'postgresql:///optuna' names no host"),
        ({"storage": "postgresql://u:secret@db"}, "--storage: 'postgresql://u:***@db' names no database"),
        ({"storage": "mysql://db:port/x"}, "--storage: 'mysql://db:port/x' has an invalid port"),
        # the whole default space of inventory_mm warms up over 193 bars; 280 training bars hold it,
        # but a 100-bar window does not
        ({"last_rows": 100}, "--candles: ETH-BTC_5m: 100 candles give a training part of 70 bars"),
        ({"candle_files": []}, "--candles: give at least one candles file"),
    ],
)
def test_bad_input_is_rejected_naming_the_option(tmp_path, candles, options, message):
    with pytest.raises(RequestError) as error:
        request(tmp_path, candles, **options)
    assert message in str(error.value)
    assert "secret" not in str(error.value)
    assert not (tmp_path / "out").exists()


def test_an_out_path_that_is_a_file_is_rejected(tmp_path, candles):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(RequestError, match=r"--out .*out: exists and is not a directory"):
        request(tmp_path, candles)


def test_an_out_of_range_parameter_in_the_space_file_is_rejected(tmp_path, candles):
    spec = space(tmp_path, "inventory_risk_aversion: {low: 0.5, high: 5}\n")
    with pytest.raises(RequestError, match=r"--space: space.inventory_risk_aversion.high: 5 is outside"):
        request(tmp_path, candles, space_file=spec)


def test_an_unknown_parameter_in_the_space_file_is_rejected(tmp_path, candles):
    spec = space(tmp_path, "gamma: {low: 0.1, high: 1}\n")
    with pytest.raises(
        RequestError, match=r"--space: space.gamma: unknown parameter of inventory_mm; searchable: "
    ):
        request(tmp_path, candles, space_file=spec)


def test_a_space_file_that_is_not_a_mapping_is_rejected(tmp_path, candles):
    with pytest.raises(RequestError, match=r"--space .*space.yml: expected a mapping, got list"):
        request(tmp_path, candles, space_file=space(tmp_path, "- volatility_window\n"))


def test_a_base_config_for_another_controller_is_rejected(tmp_path, candles):
    config = tmp_path / "base.yml"
    config.write_text("controller_name: fixed_spread\n")
    with pytest.raises(
        RequestError, match=r"--config: controller_name is 'fixed_spread', but 'inventory_mm'"
    ):
        request(tmp_path, candles, config_file=config)


def test_an_invalid_base_config_names_the_field(tmp_path, candles):
    config = tmp_path / "base.yml"
    config.write_text("controller_name: inventory_mm\nvolatility_window: 1\n")
    with pytest.raises(
        RequestError, match=r"--config: volatility_window: Input should be greater than or equal to 2"
    ):
        request(tmp_path, candles, config_file=config)


def test_a_window_too_short_for_the_spaces_longest_warm_up_is_rejected(tmp_path, candles):
    spec = space(tmp_path, "volatility_window: {low: 10, high: 300}\n")
    with pytest.raises(
        RequestError, match=r"ETH-BTC_5m: 400 candles give a training part of 280 bars; the warm-up of 301"
    ):
        request(tmp_path, candles, space_file=spec)


def test_bad_candles_are_rejected_before_any_work(tmp_path):
    broken = tmp_path / "ETH-BTC_5m.csv"
    broken.write_text("timestamp,open,high,low,close\n1,1,1,1,1\n")
    with pytest.raises(RequestError, match=r"--candles: .*missing columns \['volume'\]"):
        request(tmp_path, broken)
    unnamed = write_candles(tmp_path / "candles.csv", 400)
    with pytest.raises(RequestError, match=r"--candles: candles.csv: name must be <BASE>-<QUOTE>"):
        request(tmp_path, unnamed)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///optuna.db",
        "sqlite:////var/lib/optuna.db",
        "postgresql://optuna@127.0.0.1:5432/optuna",
        "postgresql+psycopg2://u:p@db.internal/optuna",
        "mysql+pymysql://u@db/optuna",
    ],
)
def test_supported_storage_urls_pass(url):
    assert check_storage_url(url) == url


def test_redact_hides_only_the_password():
    assert redact("postgresql://optuna:s3cret@db:5432/optuna") == "postgresql://optuna:***@db:5432/optuna"
    assert redact("sqlite:///x.db") == "sqlite:///x.db"


def test_the_cli_refuses_bad_input_with_exit_2_and_writes_nothing(run_cli, tmp_path, candles):
    out = tmp_path / "report"
    result = run_cli(
        "optimize", "inventory_mm", "--candles", str(candles), "--out", str(out), "--train-fraction", "1.2"
    )
    assert result.returncode == 1
    assert "error: --train-fraction: must be strictly between 0 and 1, got 1.2" in result.stderr
    result = run_cli(
        "optimize", "inventory_mm", "--candles", str(candles), "--out", str(out), "--storage", "postgres://x"
    )
    assert result.returncode == 1
    assert "error: --storage: 'postgres://x' is not a supported URL" in result.stderr
    assert not out.exists()
