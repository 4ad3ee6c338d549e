import json

import yaml

from controllers import cli
from controllers.cli import exit_codes


def test_list_shows_every_builtin(run_cli):
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    for name in (
        "inventory_mm",
        "hedged_mm",
        "pmm_rsi_llm",
        "fixed_spread",
        "regime_trend",
        "portfolio_rebalance",
        "twap",
        "vwap",
        "iceberg",
    ):
        assert name in result.stdout


def test_list_json(capsys):
    assert cli.main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {row["name"]: row for row in data["strategies"]}
    assert rows["regime_trend"]["module"] == "controllers.directional_trading.regime_trend"


def test_show_yaml_and_json(capsys):
    assert cli.main(["show", "pmm_rsi_llm"]) == 0
    config = yaml.safe_load(capsys.readouterr().out)
    assert config["controller_name"] == "pmm_rsi_llm" and config["executor_refresh_time"] == 30
    assert cli.main(["show", "inventory_mm", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["controller_type"] == "market_making"


def test_show_unknown_names_it(capsys):
    assert cli.main(["show", "nope_mm"]) == 2
    assert "nope_mm" in capsys.readouterr().err


def test_validate_round_trips_show_output(tmp_path, run_cli):
    shown = run_cli("show", "inventory_mm")
    config_file = tmp_path / "inventory_mm.yml"
    config_file.write_text(shown.stdout)
    result = run_cli("validate", str(config_file))
    assert result.returncode == 0, result.stderr
    assert "ok (inventory_mm)" in result.stdout


def test_validate_fails_with_field_named_errors(tmp_path, run_cli):
    config = yaml.safe_load(run_cli("show", "pmm_rsi_llm").stdout)
    config.update(sell_spreads=[0.001], stop_loss=0, leverage=10)
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(config))
    unknown = tmp_path / "unknown.yml"
    unknown.write_text("controller_name: mystery\n")
    result = run_cli("validate", str(bad), str(unknown))
    assert result.returncode == 1
    assert f"{bad}: sell_spreads:" in result.stderr
    assert f"{bad}: stop_loss:" in result.stderr
    assert f"{bad}: leverage:" in result.stderr
    assert f"{unknown}: controller_name:" in result.stderr and "mystery" in result.stderr


def test_validate_unreadable_file(tmp_path, capsys):
    broken = tmp_path / "broken.yml"
    broken.write_text("a: [unclosed\n")
    assert cli.main(["validate", str(broken), str(tmp_path / "missing.yml")]) == 1
    err = capsys.readouterr().err
    assert "broken.yml: cannot read" in err and "missing.yml: cannot read" in err


def test_parser_is_extensible():
    parser = cli.build_parser()
    actions = [a for a in parser._actions if a.dest == "command"]
    assert set(actions[0].choices) == set(cli.COMMANDS)


def test_every_exit_code_has_one_meaning_documented_once():
    codes = {name: value for name, value in vars(exit_codes).items() if name.isupper()}
    assert sorted(codes.values()) == list(range(len(codes)))  # 0.. without a gap or a shared value
    table = [line for line in exit_codes.__doc__.splitlines() if line.startswith("| ") and "|" in line[2:]]
    for name, value in codes.items():
        assert sum(line.startswith(f"| {value} ") and f" {name} " in line for line in table) == 1, name


def test_a_command_that_crashes_exits_failed_not_invalid(monkeypatch, capsys):
    """Python's own status for an uncaught exception is 1, which is INVALID (bad input)."""

    def crash(args, registry):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(cli.COMMANDS["list"], "run", crash)
    assert cli.main(["list"]) == exit_codes.FAILED
    assert "RuntimeError: the engine fell over" in capsys.readouterr().err
