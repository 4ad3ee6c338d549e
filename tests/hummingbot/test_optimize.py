"""`hbot-strategies optimize` for real: Optuna over Hummingbot's engine on real candles, SQLite, PostgreSQL.

Runs inside the analysis runtime (Optuna, psycopg2 and Debian's PostgreSQL):

    tests/hummingbot/run_in_runtime.sh \
        pytest -q tests/hummingbot/test_optimize.py

Searches are kept small (a few trials on a few hundred real 5-minute bars) so each test stays well
under a couple of minutes on a loaded two-core machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("hummingbot", reason="runs inside the Hummingbot runtime image")
import optuna  # noqa: E402  (the analysis runtime has it; a missing Optuna is a failure, not a skip)

from controllers.analysis.optimize import build_request  # noqa: E402
from controllers.analysis.optimize.evaluate import evaluate_window  # noqa: E402
from controllers.analysis.runtime import cli_command  # noqa: E402
from controllers.cli.optimize import search_and_report  # noqa: E402
from controllers.plugin_system.registry import load_registry  # noqa: E402

CANDLES_DIR = Path(os.environ.get("HBOT_CANDLES_DIR", "/data/candles"))
ETH_BTC = CANDLES_DIR / "ETH-BTC_5m.csv"
LTC_BTC = CANDLES_DIR / "LTC-BTC_5m.csv"
WINDOW_ROWS = "300"  # the last 300 bars: 210 searched, 90 held out
SPACE = """\
buy_spreads: {low: 0.003, high: 0.012}
sell_spreads: {low: 0.003, high: 0.012}
volatility_window: {low: 10, high: 40}
"""
CRASH_ABOVE_WINDOW = 25

pytestmark = pytest.mark.skipif(not ETH_BTC.exists(), reason=f"no candles at {CANDLES_DIR}")


@pytest.fixture
def space_file(tmp_path: Path) -> Path:
    path = tmp_path / "space.yml"
    path.write_text(SPACE)
    return path


def optimize_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """The command as an operator runs it (inside the runtime: no delegation)."""
    return subprocess.run(
        cli_command(["optimize", *args], python=sys.executable),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_report(out: Path) -> dict:
    return json.loads((out / "optimize.json").read_text())


def test_sqlite_search_reports_in_sample_next_to_held_out(tmp_path: Path, space_file: Path):
    out = tmp_path / "report"
    result = optimize_cli(
        "inventory_mm",
        "--candles",
        str(ETH_BTC),
        "--out",
        str(out),
        "--space",
        str(space_file),
        "--trials",
        "5",
        "--workers",
        "2",
        "--last-rows",
        WINDOW_ROWS,
        "--seed",
        "3",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = read_report(out)
    # unasked, the figures come from the conservative model at binance's public tier, and say so
    model = report["fill_model"]
    assert (model["name"], model["maker_fee"], model["taker_fee"]) == ("conservative", 0.001, 0.001)
    assert model["tick"] > 0  # read from the candle file

    # the study in the SQLite file holds exactly the trials the report lists
    study = optuna.load_study(study_name=report["study"], storage=f"sqlite:///{out / 'optimize.db'}")
    assert len(study.trials) == 5 == len(report["trials"])
    assert report["storage"] == f"sqlite:///{out / 'optimize.db'}"
    # the base config is trial 0, so the best is never worse in-sample than it
    assert study.trials[0].params["buy_spreads"] == pytest.approx(0.003)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert report["best"]["value"] == pytest.approx(max(t.value for t in complete))
    assert report["best"]["value"] >= study.trials[0].value

    (market,) = report["markets"]
    assert market["market"] == "ETH-BTC_5m"
    assert market["split"] == {
        "rows": 300,
        "train_rows": 210,
        "test_rows": 90,
        "warmup": 41,
        "test_feed_start": 169,
    }
    assert market["held_out"][0] > market["train"][1]  # the held-out tail starts after the searched head
    best = market["best"]
    assert best["in_sample"]["sharpe"] == pytest.approx(report["best"]["value"])
    assert isinstance(best["out_of_sample"]["sharpe"], float)
    assert best["out_of_sample"]["bars"] == 91  # 90 held-out bars plus the base bar of the first return
    assert isinstance(market["base"]["out_of_sample"]["sharpe"], float)

    markdown = (out / "optimize.md").read_text()
    assert "| sharpe in-sample | sharpe held-out |" in markdown
    assert "- Conservative fill model" in markdown and "maker 0.100% on limit fills" in markdown
    assert f"Trial {report['best']['trial']}, in-sample objective" in markdown
    for trial in report["trials"]:
        if trial["state"] == "FAIL":  # e.g. Hummingbot's summary raising on a window without fills
            assert f"- trial {trial['number']}: {trial['error']}" in markdown


# -- fault injection ------------------------------------------------------------------------------
# The built-in controllers do not crash on a valid config, so a crash is injected around the real
# backtest: a test double for "a strategy that raises", the one thing the real code cannot provide.
def crashing_evaluate(config, candles, *, fee, warmup_bars, fill=None, score_from_row=None):
    if config["volatility_window"] > CRASH_ABOVE_WINDOW:
        raise RuntimeError(f"injected crash at volatility_window {config['volatility_window']}")
    return evaluate_window(
        config, candles, fee=fee, warmup_bars=warmup_bars, fill=fill, score_from_row=score_from_row
    )


def test_crashing_trials_are_failed_reported_and_the_search_goes_on(tmp_path: Path, space_file: Path, capsys):
    out = tmp_path / "report"
    request = build_request(
        load_registry(),
        controller="inventory_mm",
        candles=[ETH_BTC],
        output=out,
        trials=6,
        workers=2,
        space_file=space_file,
        last_rows=int(WINDOW_ROWS),
        seed=11,
    )
    assert search_and_report(request, evaluate=crashing_evaluate) == 0
    report = read_report(out)
    by_state: dict[str, list[dict]] = {}
    for trial in report["trials"]:
        by_state.setdefault(trial["state"], []).append(trial)
    assert len(report["trials"]) == 6
    injected = [t for t in report["trials"] if "injected crash" in (t["error"] or "")]
    assert injected, "the seed must sample some volatility_window above the crash threshold"
    assert by_state.get("COMPLETE"), "the search must go on past the crashes"
    for trial in report["trials"]:
        window = trial["params"]["volatility_window"]
        if window > CRASH_ABOVE_WINDOW:
            assert trial["state"] == "FAIL"
            assert trial["error"] == f"RuntimeError: injected crash at volatility_window {window}"
        else:
            assert "injected" not in (trial["error"] or "")
    assert report["best"]["params"]["volatility_window"] <= CRASH_ABOVE_WINDOW
    markdown = (out / "optimize.md").read_text()
    for trial in injected:
        assert f"- trial {trial['number']}: RuntimeError: injected crash" in markdown
    assert f"{len(by_state['FAIL'])} fail" in capsys.readouterr().out


# -- PostgreSQL: the shared storage that lets the same command scale past one machine ---------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_database_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; Debian's package brings the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture
def postgres() -> Iterator[str]:
    """Debian's PostgreSQL on 127.0.0.1, in a throw-away cluster on the runtime's tmpfs."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert binaries, "no PostgreSQL in this image: run in the hummingbot-analysis runtime (the default)"
    bin_dir = binaries[-1].parent
    root = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()

    def run(*command: str) -> None:
        subprocess.run(as_database_user(list(command)), check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "optuna", "--no-sync")
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=40"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "optuna", "optuna")
        yield f"postgresql://optuna@127.0.0.1:{port}/optuna"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_storage_two_workers_share_one_study(tmp_path: Path, space_file: Path, postgres: str):
    out = tmp_path / "report"
    result = optimize_cli(
        "inventory_mm",
        "--candles",
        str(ETH_BTC),
        str(LTC_BTC),
        "--out",
        str(out),
        "--space",
        str(space_file),
        "--trials",
        "6",
        "--workers",
        "2",
        "--last-rows",
        WINDOW_ROWS,
        "--seed",
        "5",
        "--storage",
        postgres,
        "--study",
        "shared-study",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (out / "optimize.db").exists()  # nothing went to SQLite

    study = optuna.load_study(study_name="shared-study", storage=postgres)
    assert len(study.trials) == 6
    pids = {t.user_attrs["worker_pid"] for t in study.trials}
    assert len(pids) == 2, f"both workers must have run trials of the one study, got pids {pids}"
    report = read_report(out)
    assert set(report["worker_pids"]) == pids
    assert report["storage"] == postgres
    assert [m["market"] for m in report["markets"]] == ["ETH-BTC_5m", "LTC-BTC_5m"]
    # the objective is the mean in-sample Sharpe over both markets
    best = study.best_trial
    in_sample = best.user_attrs["in_sample"]
    assert best.value == pytest.approx(
        (in_sample["ETH-BTC_5m"]["sharpe"] + in_sample["LTC-BTC_5m"]["sharpe"]) / 2
    )
