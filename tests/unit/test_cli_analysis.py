"""`hbot-strategies backtest|compare` on the host: bad input exits 1 naming the problem, before any
container starts and without writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from controllers import cli
from controllers.analysis import compare, runtime
from controllers.cli import exit_codes, options

CANDLE_ROWS = 200


@pytest.fixture(autouse=True)
def no_runtime(monkeypatch):
    """Every case here must fail before the engine; reaching the runtime is a test failure."""

    def refuse(*args, **kwargs):
        raise AssertionError("the runtime was started although the input is bad")

    monkeypatch.setattr(runtime, "run_in_runtime", refuse)


def write_candles(
    folder: Path, name: str = "ETH-BTC_5m.csv", rows: int = CANDLE_ROWS, skip: int | None = None
) -> Path:
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(rows):
        if i != skip:
            price = 0.05 + 0.0001 * (i % 7)
            lines.append(f"{1_600_000_000 + 300 * i},{price},{price * 1.001},{price * 0.999},{price},5")
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def write_config(folder: Path, **fields) -> Path:
    config = {"controller_name": "inventory_mm", "trading_pair": "ETH-BTC", "interval": "5m", **fields}
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def backtest(tmp_path, capsys, *extra: str, config: Path | None = None, candles: Path | None = None):
    config = config or write_config(tmp_path)
    candles = candles or write_candles(tmp_path)
    out = tmp_path / "report"
    before = sorted(p.name for p in tmp_path.iterdir())
    status = cli.main(["backtest", str(config), "--candles", str(candles), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "a failed backtest left files behind"
    return status, err


@pytest.mark.parametrize(
    ("fee", "message"),
    [("0.01", "fee: 0.01 is outside [0.0, 0.01)"), ("-0.001", "fee: -0.001 is outside"), ("0.5", "fee: 0.5")],
)
def test_fee_outside_range(tmp_path, capsys, fee, message):
    status, err = backtest(tmp_path, capsys, "--fill-model", "hummingbot", "--fee", fee)
    assert status == exit_codes.INVALID and message in err


@pytest.mark.parametrize(
    ("extra", "fields", "message"),
    [
        (
            ["--fill-model", "hummingbot", "--maker-fee", "0.0002"],
            {},
            "maker_fee: Hummingbot's fill model charges one flat --fee",
        ),
        (["--fee", "0.001"], {}, "fee: --fee is Hummingbot's one flat rate"),  # the default model's
        (["--fill-model", "conservative", "--fee", "0.001"], {}, "fee: --fee is Hummingbot's one flat rate"),
        (["--fill-model", "conservative", "--slippage", "0.02"], {}, "slippage: 0.02 is outside [0, 0.01)"),
        (["--fill-model", "conservative", "--taker-fee", "-0.1"], {}, "taker_fee: -0.1 is outside"),
        (
            ["--fill-model", "conservative"],
            {"connector_name": "kraken"},
            "connector_name: no public fee tier",
        ),
        (
            ["--fill-model", "hummingbot", "--decisions", "path"],
            {},
            "decisions: Hummingbot's fill model charges one flat --fee and decides at bar closes",
        ),
    ],
)
def test_fill_model_options_are_checked_naming_the_field(tmp_path, capsys, extra, fields, message):
    status, err = backtest(tmp_path, capsys, *extra, config=write_config(tmp_path, **fields))
    assert status == exit_codes.INVALID and message in err


def test_unknown_controller(tmp_path, capsys):
    status, err = backtest(tmp_path, capsys, config=write_config(tmp_path, controller_name="no_such"))
    assert status == exit_codes.INVALID
    assert "config: controller_name: unknown strategy 'no_such'" in err


def test_invalid_field_is_named(tmp_path, capsys):
    status, err = backtest(tmp_path, capsys, config=write_config(tmp_path, buy_spreads=[-0.01, 0.02]))
    assert status == exit_codes.INVALID and "config: buy_spreads: level 0: negative spread" in err


def test_generic_controller_cannot_be_backtested(tmp_path, capsys):
    config = tmp_path / "rebalance.yml"
    config.write_text("controller_name: portfolio_rebalance\n")
    status, err = backtest(tmp_path, capsys, config=config)
    assert status == exit_codes.INVALID and "portfolio_rebalance is a generic controller" in err


def hedged_config(tmp_path: Path) -> Path:
    config = write_config(tmp_path, controller_name="hedged_mm", trading_pair="ETH-BTC")
    config.write_text(config.read_text() + "hedge_trading_pair: ETH-USDT\n")
    return config


def perp_candles(tmp_path: Path, **kwargs) -> Path:
    folder = tmp_path / "perp"
    folder.mkdir(exist_ok=True)
    return write_candles(folder, **{"name": "ETH-USDT-PERP_5m.csv", **kwargs})


def test_hedged_mm_without_perp_candles_is_refused_naming_the_option(tmp_path, capsys):
    """Two markets (spot quotes, perp hedge): without the perp's candles the engine would run it unhedged."""
    status, err = backtest(tmp_path, capsys, config=hedged_config(tmp_path))
    assert status == exit_codes.INVALID
    assert "config: controller_name: hedged_mm quotes on spot and hedges on a perpetual" in err
    assert "--hedge-candles FILE" in err and "it unhedged" in err


@pytest.mark.parametrize(
    ("candles", "extra", "message"),
    [
        ({"rows": CANDLE_ROWS - 10}, [], "has no bar at 10 of the 200 bars"),
        ({}, ["--funding-rate", "0.5"], "funding_rate: 0.5 is outside (-0.01, 0.01)"),
        ({}, ["--hedge-taker-fee", "0.02"], "hedge_taker_fee: 0.02 is outside [0, 0.01)"),
    ],
)
def test_perp_inputs_are_checked_naming_the_field(tmp_path, capsys, candles, extra, message):
    perp = perp_candles(tmp_path, **candles)
    status, err = backtest(
        tmp_path, capsys, "--hedge-candles", str(perp), *extra, config=hedged_config(tmp_path)
    )
    assert status == exit_codes.INVALID and message in err


def test_perp_candles_of_another_interval_are_refused(tmp_path, capsys):
    folder = tmp_path / "perp"
    folder.mkdir()
    lines = ["timestamp,open,high,low,close,volume"]
    lines += [f"{1_600_000_000 + 60 * i},1,1.001,0.999,1,5" for i in range(CANDLE_ROWS * 5)]
    perp = folder / "ETH-USDT-PERP_1m.csv"
    perp.write_text("\n".join(lines) + "\n")
    status, err = backtest(tmp_path, capsys, "--hedge-candles", str(perp), config=hedged_config(tmp_path))
    assert status == exit_codes.INVALID and "hedge_candles: " in err and "give both alike" in err


def test_perp_options_on_an_unhedged_controller_are_refused(tmp_path, capsys):
    perp = perp_candles(tmp_path)
    status, err = backtest(tmp_path, capsys, "--hedge-candles", str(perp))
    assert status == exit_codes.INVALID and "hedge_candles: inventory_mm has no hedge" in err


def test_hedged_mm_with_perp_candles_reruns_in_the_runtime_with_them(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, inputs, *_: calls.append((argv, inputs)) or 0)
    perp = perp_candles(tmp_path)
    status, err = backtest(
        tmp_path,
        capsys,
        "--hedge-candles",
        str(perp),
        "--funding-rate",
        "-0.0002",
        config=hedged_config(tmp_path),
    )
    assert status == 0, err
    ((argv, inputs),) = calls
    assert argv[argv.index("--hedge-candles") + 1] == str(perp.resolve()) and perp in inputs
    assert argv[argv.index("--funding-rate") + 1] == "-0.0002"


def test_compare_builtins_leaves_hedged_mm_out_and_refuses_it_by_config(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, *_: calls.append(argv) or 0)
    candles = write_candles(tmp_path)
    plans = []
    real_plan = compare.plan_cases
    monkeypatch.setattr(
        compare,
        "plan_cases",
        lambda templates, *a, **k: plans.append(templates) or real_plan(templates, *a, **k),
    )
    assert cli.main(["compare", "--builtins", "--candles", str(candles), "--out", str(tmp_path / "cmp")]) == 0
    names = [name for name, _ in plans[0]]
    assert "inventory_mm" in names and "hedged_mm" not in names and "portfolio_rebalance" not in names
    config = tmp_path / "hedged.yml"
    config.write_text("controller_name: hedged_mm\n")
    status = cli.main(
        ["compare", "--configs", str(config), "--candles", str(candles), "--out", str(tmp_path / "c2")]
    )
    err = capsys.readouterr().err
    assert status == exit_codes.INVALID and "hedged_mm cannot be backtested" in err
    assert "compare and optimize take one candle file per market" in err and "--hedge-candles" in err


def test_candles_with_a_gap(tmp_path, capsys):
    status, err = backtest(tmp_path, capsys, candles=write_candles(tmp_path, skip=50))
    assert status == exit_codes.INVALID and "candles: " in err and "1 gap(s)" in err and "--fill-gaps" in err


def test_window_shorter_than_the_warm_up(tmp_path, capsys):
    # inventory_mm warms up max(volatility_window 48, trend_window 24) + 1 = 49 bars, +2 to trade
    status, err = backtest(tmp_path, capsys, candles=write_candles(tmp_path, rows=50))
    assert status == exit_codes.INVALID
    assert "has 50 bars, shorter than inventory_mm's warm-up of 49 bars plus 2 to trade (51)" in err


def test_interval_must_match_the_candles(tmp_path, capsys):
    status, err = backtest(tmp_path, capsys, config=write_config(tmp_path, interval="1m"))
    assert status == exit_codes.INVALID and "interval: '1m', but" in err and "5m bars" in err


def test_out_that_is_someone_elses_folder(tmp_path, capsys):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "thesis.txt").write_text("precious")
    status, err = backtest(tmp_path, capsys)
    assert status == exit_codes.INVALID and "holds no previous report" in err
    assert (tmp_path / "report" / "thesis.txt").read_text() == "precious"


def test_missing_candles_argument_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["backtest", str(write_config(tmp_path))])
    assert exit_info.value.code == 2 and "--candles" in capsys.readouterr().err


def test_compare_needs_configs(tmp_path, capsys):
    candles = write_candles(tmp_path)
    status = cli.main(["compare", "--candles", str(candles), "--out", str(tmp_path / "cmp")])
    assert status == exit_codes.INVALID and "give --configs FILE... or --builtins" in capsys.readouterr().err


def test_compare_names_the_case_at_fault(tmp_path, capsys):
    good = write_candles(tmp_path)
    short = write_candles(tmp_path, name="LTC-BTC_5m.csv", rows=40)
    status = cli.main(
        ["compare", "--builtins", "--candles", str(good), str(short), "--out", str(tmp_path / "cmp")]
    )
    err = capsys.readouterr().err
    assert status == exit_codes.INVALID and "on LTC-BTC_5m:" in err and "warm-up" in err
    assert not list(tmp_path.glob("cmp*"))


def test_compare_needs_a_market_in_the_file_name(tmp_path, capsys):
    candles = write_candles(tmp_path, name="prices.csv")
    status = cli.main(["compare", "--builtins", "--candles", str(candles), "--out", str(tmp_path / "cmp")])
    err = capsys.readouterr().err
    assert status == exit_codes.INVALID and "prices.csv: name must be <BASE>-<QUOTE>" in err


def test_good_input_reaches_the_runtime_with_absolute_paths(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(
        runtime, "run_in_runtime", lambda argv, inputs, writable: calls.append((argv, inputs, writable)) or 0
    )
    config, candles = write_config(tmp_path), write_candles(tmp_path)
    monkeypatch.chdir(tmp_path)
    argv = [
        "backtest",
        "config.yml",
        "--candles",
        candles.name,
        "--fill-model",
        "hummingbot",
        "--fee",
        "0.0005",
    ]
    assert cli.main(argv) == 0
    [(argv, inputs, writable)] = calls
    assert argv[:2] == ["backtest", str(config.resolve())]
    assert argv[argv.index("--candles") + 1] == str(candles.resolve())
    assert argv[argv.index("--out") + 1] == str(tmp_path / "backtest-inventory_mm-ETH-BTC_5m")
    assert argv[argv.index("--fee") + 1] == "0.0005"
    assert argv[argv.index("--fill-model") + 1] == "hummingbot"
    assert writable == [tmp_path]


def test_the_fill_model_options_reach_the_runtime_as_given(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, *_: calls.append(argv) or 0)
    config, candles = write_config(tmp_path), write_candles(tmp_path)
    options = ["--fill-model", "conservative", "--taker-fee", "0.0008", "--slippage", "0.0002", "--decisions"]
    assert cli.main(["backtest", str(config), "--candles", str(candles), *options, "path"]) == 0
    [argv] = calls
    assert " ".join([*options, "path"]) in " ".join(argv) and "--maker-fee" not in argv
    assert "--fee" not in argv  # the conservative model would refuse it in the runtime image


def test_without_fee_hummingbots_model_runs_at_the_default_flat_rate(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, *_: calls.append(argv) or 0)
    config, candles = write_config(tmp_path), write_candles(tmp_path)
    assert cli.main(["backtest", str(config), "--candles", str(candles), "--fill-model", "hummingbot"]) == 0
    [argv] = calls
    assert argv[argv.index("--fee") + 1] == repr(options.DEFAULT_FEE)


def test_the_conservative_model_is_the_default(tmp_path, monkeypatch):
    """Unasked, a figure never comes from Hummingbot's flattering model: not on the host, not in the
    runtime's re-run, not in the library either."""
    from controllers.analysis.inputs import prepare_backtest

    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, *_: calls.append(argv) or 0)
    config, candles = write_config(tmp_path), write_candles(tmp_path)
    assert cli.main(["backtest", str(config), "--candles", str(candles)]) == 0
    [argv] = calls
    assert argv[argv.index("--fill-model") + 1] == "conservative" and "--fee" not in argv
    job = prepare_backtest(config, candles, 0.001)
    assert (job.fill.maker_fee, job.fill.taker_fee) == (0.001, 0.001)  # binance's public tier


def test_a_market_maker_decides_along_each_bars_path_unless_told_and_an_algorithm_once_a_bar(tmp_path):
    """--decisions: path by default where the engine walks the bars (a bot re-prices on the book; the
    once-a-bar backtest flatters it, docs/backtest-vs-paper.md); close for an execution algorithm and in
    the execution and hedge studies, where path is refused by name before anything runs."""
    from controllers.analysis import execution_study, hedge_study
    from controllers.analysis.inputs import FillChoice, InputError, prepare_backtest

    candles = write_candles(tmp_path)

    def decisions(controller: str, given: str | None = None) -> str:
        (tmp_path / controller).mkdir(exist_ok=True)
        config = write_config(tmp_path / controller, controller_name=controller)
        return prepare_backtest(config, candles, 0.001, choice=FillChoice(decisions=given)).fill.decisions

    assert (decisions("inventory_mm"), decisions("inventory_mm", "close")) == ("path", "close")
    assert decisions("twap") == "close"
    with pytest.raises(InputError, match="^decisions: twap is stepped once a bar"):
        decisions("twap", "path")
    path = FillChoice(decisions="path")
    with pytest.raises(InputError, match="^decisions: execution algorithms .* are stepped once a bar"):
        execution_study.plan_study(
            [("twap", {"controller_name": "twap"})], [candles], volume_share=0.1, fee=0.001, choice=path
        )
    with pytest.raises(InputError, match="^decisions: a hedge's perp .* are stepped once a bar"):
        hedge_study.plan_study([candles], fee=0.001, capital=1000, choice=path)


def test_conservative_rates_come_from_the_flags_then_the_config_then_the_public_tier(tmp_path):
    from controllers.analysis.inputs import FillChoice, prepare_backtest

    candles = write_candles(tmp_path)

    def terms(fields, **flags):
        (tmp_path / "c").mkdir(exist_ok=True)
        choice = FillChoice("conservative", **flags)
        job = prepare_backtest(write_config(tmp_path / "c", **fields), candles, 0.001, choice=choice)
        return job.fill.maker_fee, job.fill.taker_fee, job.fill.slippage

    assert terms({"connector_name": "bitget_perpetual"}) == (0.0002, 0.0006, 0.0005)
    assert terms({"connector_name": "bitget_perpetual", "fee_taker": 0.0005}) == (0.0002, 0.0005, 0.0005)
    assert terms({"fee_taker": 0.0005}, taker_fee=0.0007, slippage=0.0) == (0.001, 0.0007, 0.0)
    hummingbot = prepare_backtest(
        write_config(tmp_path / "c"), candles, 0.001, choice=FillChoice("hummingbot")
    )
    assert hummingbot.fill is None  # Hummingbot's model: its one flat fee


@pytest.mark.parametrize("command", ["backtest", "compare", "optimize"])
def test_paths_through_a_parent_folder_reach_the_runtime_resolved(tmp_path, monkeypatch, command):
    """The runtime mounts each input at its real path only, so `../shared/...` (as the docs write it)
    must arrive resolved, or the file does not exist inside the container."""
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(
        runtime,
        "run_in_runtime",
        lambda argv, inputs, writable, *_: calls.append((argv, inputs, writable)) or 0,
    )
    for folder in ("shared", "repo", "reports"):
        (tmp_path / folder).mkdir()
    candles = write_candles(tmp_path / "shared", rows=2000)
    write_config(tmp_path)
    monkeypatch.chdir(tmp_path / "repo")
    through = f"../shared/{candles.name}"
    args = {
        "backtest": ["backtest", "../config.yml", "--candles", through, "--out", "../reports/run"],
        "compare": ["compare", "--configs", "../config.yml", "--candles", through, "--out", "../reports/cmp"],
        "optimize": [
            "optimize",
            "inventory_mm",
            "--candles",
            through,
            "--out",
            "../reports/opt",
            "--trials",
            "2",
        ],
    }[command]
    assert cli.main(args) == 0
    [(argv, inputs, writable)] = calls
    assert str(candles.resolve()) in argv
    assert candles.resolve() in [Path(p).resolve() for p in inputs]  # run_in_runtime mounts these
    reports = (tmp_path / "reports").resolve()
    assert writable and all(Path(p).resolve().is_relative_to(reports) for p in writable), writable
    assert not [item for item in argv if "/.." in item], argv


def test_a_report_appears_whole_or_not_at_all(tmp_path):
    from controllers.analysis.output import staged_output

    out = tmp_path / "report"
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        (staging / "metrics.json").write_text("{}")
        raise RuntimeError("the engine crashed half way")
    assert list(tmp_path.iterdir()) == []  # no report, no staging folder
    with staged_output(out) as staging:
        (staging / "metrics.json").write_text('{"run": 1}')
    with staged_output(out) as staging:  # a previous report is replaced, not merged
        (staging / "index.html").write_text("<html>")
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_compare_always_has_exactly_one_baseline_first():
    from controllers.analysis.compare import BASELINE_LABEL, with_baseline

    given = [
        ("imm", {"controller_name": "inventory_mm"}),
        ("fixed_spread", {"controller_name": "fixed_spread"}),
    ]
    assert [label for label, _ in with_baseline(given)] == [BASELINE_LABEL, "imm"]
    tuned = [("tight", {"controller_name": "fixed_spread", "buy_spreads": [0.003]})]
    assert [label for label, _ in with_baseline(tuned)] == [BASELINE_LABEL, "tight"]


def test_compare_table_and_summary_from_rows():
    from controllers.analysis.compare import BASELINE_LABEL, against_baseline, markdown_table

    rows = [
        {
            "market": "A_5m",
            "label": BASELINE_LABEL,
            "net_pnl_quote": 1.0,
            "sharpe": 1.0,
            "max_drawdown": 0.02,
        },
        {"market": "A_5m", "label": "x", "net_pnl_quote": 2.0, "sharpe": 0.5, "max_drawdown": 0.01},
        {
            "market": "B_5m",
            "label": BASELINE_LABEL,
            "net_pnl_quote": 1.0,
            "sharpe": None,
            "max_drawdown": 0.02,
        },
        {"market": "B_5m", "label": "x", "net_pnl_quote": 0.5, "sharpe": 2.0, "max_drawdown": 0.03},
    ]
    assert against_baseline(rows) == [
        "* `x` beats the baseline on PnL in 1/2 markets, on Sharpe in 0/2,"
        " and has the lower max drawdown in 1/2."
    ]
    table = markdown_table(rows).splitlines()
    assert table[2].startswith("| A_5m | fixed_spread (baseline) | 1.00 |") and "| n/a |" in table[4]


def test_the_operator_side_of_the_analysis_needs_neither_hummingbot_nor_pandas():
    import subprocess
    import sys

    modules = [
        "controllers.analysis.candles",
        "controllers.analysis.inputs",
        "controllers.analysis.metrics",
        "controllers.analysis.gate",
        "controllers.analysis.output",
        "controllers.analysis.compare",
        "controllers.analysis.runtime",
        *(f"controllers.cli.{name}" for name in cli.COMMANDS),
        "controllers.cli.options",
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('hummingbot', 'pandas'))))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root)}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_a_conservative_compare_charges_each_market_its_connectors_rates_and_tells_its_controllers(tmp_path):
    from controllers.analysis.compare import plan_cases
    from controllers.analysis.inputs import FillChoice

    perp = write_candles(tmp_path, name="XRP-USDT-PERP_5m.csv")
    templates = [("imm", {"controller_name": "inventory_mm"})]
    conservative = FillChoice("conservative", slippage=0.0)
    cases = plan_cases(templates, [perp], fee=0.001, capital=1000, choice=conservative)
    assert {(c.fill.maker_fee, c.fill.taker_fee, c.fill.slippage) for c in cases} == {(0.0002, 0.0005, 0.0)}
    fees = {(c.checked.config["fee_maker"], c.checked.config["fee_taker"]) for c in cases}
    assert fees == {(0.0002, 0.0005)}
    hummingbot = plan_cases(templates, [perp], fee=0.001, capital=1000, choice=FillChoice("hummingbot"))
    assert {c.fill for c in hummingbot} == {None}


def compare_argv(tmp_path: Path, *extra: str) -> list[str]:
    candles, config = write_candles(tmp_path), write_config(tmp_path)
    argv = ["compare", "--configs", str(config), "--candles", str(candles), "--out", str(tmp_path / "c")]
    return [*argv, *extra]


def test_compare_also_under_hummingbots_model_gives_each_run_its_own_costs(tmp_path, monkeypatch):
    """--also-model runs every case under both models: --fee is the flat rate of the Hummingbot run,
    --maker-fee the conservative run's, and the re-run and the regenerate line carry both."""
    plans = []
    real_plan = compare.plan_cases
    monkeypatch.setattr(compare, "plan_cases", lambda *a, **k: plans.append(k) or real_plan(*a, **k))
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, *_: calls.append(argv) or 0)
    options = ["--also-model", "hummingbot", "--fee", "0.0005", "--maker-fee", "0.0002"]
    assert cli.main(compare_argv(tmp_path, *options)) == 0
    assert [(k["choice"].model, k["fee"], k["choice"].maker_fee) for k in plans] == [
        ("conservative", 0.0005, 0.0002),
        ("hummingbot", 0.0005, None),
    ]
    [sent] = calls
    for line in (" ".join(sent), sent[sent.index("--display-command") + 1]):
        assert "--also-model hummingbot" in line and "--fee 0.0005" in line and "--maker-fee 0.0002" in line


def test_compare_refuses_the_same_model_twice(tmp_path, capsys):
    assert cli.main(compare_argv(tmp_path, "--also-model", "conservative")) == exit_codes.INVALID
    assert "also_model: --also-model conservative is already --fill-model" in capsys.readouterr().err


def test_side_by_side_sets_each_figure_of_the_two_models_next_to_each_other():
    def row(label, model, pnl, trades):
        return {
            "market": "ETH-BTC_5m",
            "label": label,
            "fill_model": model,
            "net_pnl_quote": pnl,
            "trades": trades,
        }

    conservative = [row("base", "conservative", -1.5, 3), row("imm", "conservative", 2.0, 4)]
    hummingbot = [row("base", "hummingbot", 10.25, 9), row("imm", "hummingbot", 20.0, 8)]
    table = compare.side_by_side(conservative, hummingbot).splitlines()
    assert table[0].startswith("| market | controller | PnL (conservative) | PnL (hummingbot) |")
    assert table[2].startswith("| ETH-BTC_5m | base | -1.50 | 10.25 | n/a | n/a | 3 | 9 |")
    assert table[3].startswith("| ETH-BTC_5m | imm | 2.00 | 20.00 |")
    with pytest.raises(ValueError, match="side_by_side: imm on ETH-BTC_5m is out of step"):
        compare.side_by_side(conservative, hummingbot[::-1])


def test_compare_passes_the_fill_model_to_the_runtime_and_its_regenerate_line(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "in_runtime", lambda: False)
    monkeypatch.setattr(runtime, "run_in_runtime", lambda argv, *_: calls.append(argv) or 0)
    candles, config = write_candles(tmp_path), write_config(tmp_path)
    options = ["--fill-model", "conservative", "--maker-fee", "0.0"]
    argv = ["compare", "--configs", str(config), "--candles", str(candles), "--out", str(tmp_path / "c")]
    assert cli.main([*argv, *options]) == 0
    [sent] = calls
    assert " ".join(options) in " ".join(sent)
    assert " ".join(options) in sent[sent.index("--display-command") + 1]
    # Neither the re-run nor the regenerate line carries --fee, which this model refuses.
    assert "--fee" not in sent and "--fee" not in sent[sent.index("--display-command") + 1]


def test_each_controller_is_ranked_against_its_own_markets_baseline_under_its_own_model():
    wobble = [0.0, 3.0, -1.0, 4.0, 2.0, 6.0, 1.0, 7.0, 5.0, 9.0]

    def row(label, model, pnl, start=0, first=0):
        """A run whose engine stepped bars first.. (its features may start later) and scores from start."""
        by_bar = {60.0 * (first + i): value for i, value in enumerate(pnl[first:])}
        return {"market": "M", "label": label, "fill_model": model, "sharpe": 1.0,
                "_pnl": by_bar, "_capital": 1000.0, "_start": 60.0 * start, "_periods": 365.0}  # fmt: skip

    rows = [
        row(compare.BASELINE_LABEL, "conservative", wobble),
        row("twin", "conservative", list(wobble), start=3, first=2),  # its engine started 2 bars later
        row("better", "conservative", [2 * v for v in wobble]),
        row(compare.BASELINE_LABEL, "hummingbot", [2 * v for v in wobble]),
        row("twin", "hummingbot", [2 * v for v in wobble]),
    ]
    out = compare.with_confidence(rows)
    assert all(not key.startswith("_") for r in out for key in r)  # the per-bar PnL never reaches a file
    assert out[0]["sharpe_diff"] is None and out[3]["sharpe_diff"] is None  # a baseline against itself
    assert out[1]["sharpe_diff"] == out[1]["sharpe_diff_low"] == out[1]["sharpe_diff_high"] == 0
    assert out[4]["sharpe_diff"] == 0  # against Hummingbot's baseline, not the conservative one
    assert out[2]["sharpe_diff_low"] <= out[2]["sharpe_diff"] <= out[2]["sharpe_diff_high"]
    assert out[2]["sharpe_diff"] != 0


def mounts(command: list[str]) -> tuple[list[str], list[str]]:
    """(bind mounts, tmpfs mounts) of a `docker run` command line."""
    binds = [command[i + 1] for i, part in enumerate(command) if part == "-v"]
    tmpfs = [command[i + 1] for i, part in enumerate(command) if part == "--tmpfs"]
    return binds, tmpfs


BACKTEST = runtime.cli_command(["backtest"])


def test_an_output_directly_under_tmp_does_not_collide_with_the_containers_scratch():
    """--out /tmp/report makes /tmp the writable folder; Docker refuses it next to a tmpfs at /tmp
    ("Duplicate mount point", exit 125), so the operator's /tmp is then the container's scratch."""
    binds, tmpfs = mounts(runtime.docker_command("img", BACKTEST, [Path("/data/c.csv")], [Path("/tmp")]))
    assert "/tmp:/tmp:rw" in binds and tmpfs == []
    binds, tmpfs = mounts(runtime.docker_command("img", BACKTEST, [Path("/tmp/c.csv")], [Path("/srv/out")]))
    assert tmpfs == ["/tmp:rw,size=1g"] and "/tmp/c.csv:/tmp/c.csv:ro" in binds  # a file inside: fine
    targets = [bind.split(":")[1] for bind in binds] + [entry.split(":")[0] for entry in tmpfs]
    assert len(targets) == len(set(targets))
