"""`hbot-strategies optimize` argument validation: bad input is refused before any work, naming the field."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from controllers.analysis.errors import AnalysisError
from controllers.analysis.fill_model import DEFAULT_SLIPPAGE, PUBLIC_FEES
from controllers.analysis.inputs import FillChoice
from controllers.analysis.optimize import RequestError, build_request, redact
from controllers.analysis.optimize.request import check_storage_url
from controllers.cli import optimize
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
    """build_request with the fill options spelled as the command line's (fill_model, maker_fee, ...)."""
    fill = {name: options.pop(name) for name in FILL_OPTIONS if name in options}
    return build_request(
        REGISTRY,
        controller=options.pop("controller", "inventory_mm"),
        candles=options.pop("candle_files", [candles]),
        output=tmp_path / "out",
        choice=FillChoice(fill.pop("fill_model", "conservative"), **fill),
        **options,
    )


FILL_OPTIONS = ("fill_model", "maker_fee", "taker_fee", "slippage")


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
    assert request(tmp_path, candles, study="mine").study_name == "mine"


def test_the_study_name_follows_the_fill_model_and_its_terms(tmp_path, candles):
    """A conservative and a Hummingbot search (or two at other costs) never add to one study."""
    names = [
        request(tmp_path, candles).study_name,
        request(tmp_path, candles, maker_fee=0.0005).study_name,
        request(tmp_path, candles, taker_fee=0.0005).study_name,
        request(tmp_path, candles, slippage=0.001).study_name,
        request(tmp_path, candles, fill_model="hummingbot").study_name,
        request(tmp_path, candles, fill_model="hummingbot", fee=0.0005).study_name,
    ]
    assert len(set(names)) == len(names), names
    # the public tier written out is the same search as the default
    maker, taker = PUBLIC_FEES["binance"]
    assert request(tmp_path, candles, maker_fee=maker, taker_fee=taker).study_name == names[0]


def test_the_default_is_the_conservative_model_at_the_connectors_public_tier(tmp_path, candles):
    made = request(tmp_path, candles)
    (market,) = made.markets
    assert (market.fill.maker_fee, market.fill.taker_fee) == PUBLIC_FEES["binance"] == (0.001, 0.001)
    assert market.fill.slippage == DEFAULT_SLIPPAGE
    assert made.fill_model["name"] == "conservative"
    assert made.fill_model["maker_fee"] == 0.001


def test_a_perpetual_market_trades_at_its_own_tier_and_its_trial_configs_say_so(tmp_path):
    perp = write_candles(tmp_path / "ETH-USDT-PERP_5m.csv", 400)
    made = request(tmp_path, perp)
    (market,) = made.markets
    config = made.trial_config(market, {})
    assert (config["fee_maker"], config["fee_taker"]) == PUBLIC_FEES["binance_perpetual"] == (0.0002, 0.0005)
    assert config["connector_name"] == "binance_perpetual"


def test_trial_configs_state_the_fees_the_model_charges(tmp_path, candles):
    """The strategies floor their spreads at fee_maker/fee_taker: they must be what the fills cost."""

    def fees(**options):
        made = request(tmp_path, candles, **options)
        config = made.trial_config(made.markets[0], {})
        return config["fee_maker"], config["fee_taker"]

    assert fees(maker_fee=0.0002, taker_fee=0.0004) == (0.0002, 0.0004)
    assert fees(fill_model="hummingbot", fee=0.0005) == (0.0005, 0.0005)
    base = tmp_path / "base.yml"
    base.write_text("controller_name: inventory_mm\nfee_maker: 0.0005\n")
    assert fees(config_file=base) == (0.0005, 0.001)  # the config's maker rate, the public taker rate
    assert fees(config_file=base, maker_fee=0.0003) == (0.0003, 0.001)  # the option wins


def test_each_market_pays_its_own_rates_and_the_space_floor_holds_on_all(tmp_path, candles):
    perp = write_candles(tmp_path / "ETH-USDT-PERP_5m.csv", 400)
    made = request(tmp_path, candles, candle_files=[perp, candles])
    models = made.fill_model
    assert set(models) == {"ETH-USDT-PERP_5m", "ETH-BTC_5m"}  # rates differ: reported per market
    assert (models["ETH-USDT-PERP_5m"]["maker_fee"], models["ETH-BTC_5m"]["maker_fee"]) == (0.0002, 0.001)
    # the space starts at the spot market's fee floor, 3 x 0.001, though the perpetual comes first
    spread = next(r for r in made.space.ranges if r.name == "buy_spreads")
    assert spread.low == pytest.approx(0.003)
    assert [made.trial_config(m, {})["fee_maker"] for m in made.markets] == [0.0002, 0.001]


def test_the_price_increment_is_read_once_from_the_whole_file(tmp_path):
    path = tmp_path / "ETH-USDT_5m.csv"
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(400):
        price = 2000 + 0.01 * ((i * 7) % 11)
        lines.append(f"{START + i * 300},{price:.2f},{price + 0.5:.2f},{price - 0.5:.2f},{price:.2f},1")
    path.write_text("\n".join(lines) + "\n")
    (market,) = request(tmp_path, path).markets
    assert market.fill.tick == pytest.approx(0.01)
    assert request(tmp_path, path, fill_model="hummingbot").markets[0].fill is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"controller": "nope"}, "controller: unknown strategy 'nope'"),
        ({"controller": "portfolio_rebalance"}, "controller: portfolio_rebalance is a generic controller"),
        ({"train_fraction": 1.0}, "--train-fraction: must be strictly between 0 and 1"),
        ({"train_fraction": 0.0}, "--train-fraction: must be strictly between 0 and 1"),
        ({"fee": 0.01}, "--fee: 0.01 is outside [0.0, 0.01)"),
        ({"maker_fee": 0.05}, "maker_fee: 0.05 is outside [0, 0.01)"),
        ({"taker_fee": -0.001}, "taker_fee: -0.001 is outside [0, 0.01)"),
        ({"slippage": 0.02}, "slippage: 0.02 is outside [0, 0.01)"),
        ({"fill_model": "optimistic"}, "fill_model: 'optimistic' is not one of conservative, hummingbot"),
        ({"fill_model": "hummingbot", "maker_fee": 0.001}, "maker_fee: Hummingbot's fill model charges"),
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


def test_hedged_mm_is_not_optimised(tmp_path, candles):
    with pytest.raises(
        RequestError, match=r"controller: hedged_mm cannot be backtested: it trades two markets"
    ):
        request(tmp_path, candles, controller="hedged_mm")


def test_an_out_path_that_is_a_file_is_rejected(tmp_path, candles):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(RequestError, match=r"--out .*out: exists and is not a directory"):
        request(tmp_path, candles)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inventory_risk_aversion: {low: 0.5, high: 5}\n",
         r"--space: space.inventory_risk_aversion.high: 5 is outside"),
        ("gamma: {low: 0.1, high: 1}\n",
         r"--space: space.gamma: unknown parameter of inventory_mm; searchable: "),
        ("- volatility_window\n", r"--space .*space.yml: expected a mapping, got list"),
        # The longest warm-up the space allows (volatility_window 300 + 1) against the training part.
        ("volatility_window: {low: 10, high: 300}\n",
         r"ETH-BTC_5m: 400 candles give a training part of 280 bars; the warm-up of 301"),
    ],
    ids=["out-of-range", "unknown-parameter", "not-a-mapping", "warm-up-too-long"],
)
def test_a_bad_space_file_is_rejected_naming_the_field(tmp_path, candles, text, message):
    with pytest.raises(RequestError, match=message):
        request(tmp_path, candles, space_file=space(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("controller_name: fixed_spread\n",
         r"--config: controller_name is 'fixed_spread', but 'inventory_mm'"),
        ("controller_name: inventory_mm\nvolatility_window: 1\n",
         r"--config: volatility_window: Input should be greater than or equal to 2"),
    ],
    ids=["another-controller", "invalid-field"],
)
def test_a_bad_base_config_is_rejected_naming_the_field(tmp_path, candles, text, message):
    config = tmp_path / "base.yml"
    config.write_text(text)
    with pytest.raises(RequestError, match=message):
        request(tmp_path, candles, config_file=config)




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


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    optimize.add_arguments(parser)
    return parser.parse_args(["inventory_mm", *argv])


def test_fee_is_refused_with_the_conservative_model_naming_it(tmp_path, candles):
    args = parse("--candles", str(candles), "--out", str(tmp_path / "out"), "--fee", "0.002")
    with pytest.raises(AnalysisError, match=r"^fee: --fee is Hummingbot's one flat rate"):
        optimize.request_from_args(args, REGISTRY)
    args = parse("--candles", str(candles), "--out", str(tmp_path / "out"), "--maker-fee", "0.05")
    with pytest.raises(AnalysisError, match=r"^maker_fee: 0.05 is outside"):
        optimize.request_from_args(args, REGISTRY)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "options",
    [[], ["--maker-fee", "0.0002", "--slippage", "0.001"], ["--fill-model", "hummingbot", "--fee", "0.0005"]],
)
def test_the_runtime_rerun_searches_under_the_same_model(tmp_path, candles, options):
    """The runtime builds the request again from runtime_argv: the same model, terms and study."""
    args = parse("--candles", str(candles), "--out", str(tmp_path / "out"), *options)
    made = optimize.request_from_args(args, REGISTRY)
    argv = optimize.runtime_argv(args, made)
    assert argv[0] == "optimize"
    again = optimize.request_from_args(parse(*argv[2:]), REGISTRY)
    assert again.fill_model == made.fill_model
    assert again.study_name == made.study_name
    assert ("--fee" in argv) == (made.fill_model["name"] == "hummingbot")  # the runtime refuses it otherwise


def test_the_cli_refuses_bad_input_with_exit_1_and_writes_nothing(run_cli, tmp_path, candles):
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
