"""tools/together.py: make test's stages side by side (at most --slots at once), each log whole, a failure
anywhere fails the run."""

import os
import subprocess
import sys
from pathlib import Path

TOGETHER = Path(__file__).resolve().parents[2] / "tools" / "together.py"


def together(tmp_path, *args: str) -> subprocess.CompletedProcess:
    # stdin a pipe (as under a CI runner), so that a stage's /dev/null stdin is together.py's doing.
    return subprocess.run([sys.executable, str(TOGETHER), *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, input="")


def test_stages_run_at_once_and_each_log_is_printed_whole(tmp_path):
    # Each stage waits for the other's file: run one after the other, both would hang until the timeout.
    done = together(
        tmp_path,
        "first=touch a; for i in $(seq 100); do [ -e b ] && break; sleep 0.1; done; echo one; echo two",
        "second=touch b; for i in $(seq 100); do [ -e a ] && break; sleep 0.1; done; echo three",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "one\ntwo\n== first: exit 0" in done.stdout
    assert "three\n== second: exit 0" in done.stdout
    assert (tmp_path / ".cache" / "first.log").read_text() == "one\ntwo\n"
    assert "CPU busy" in done.stdout.splitlines()[-1]


def test_one_failing_stage_fails_the_wave_and_is_named(tmp_path):
    done = together(tmp_path, "good=true", "bad=echo broken; exit 3")
    assert done.returncode == 1
    assert "broken\n== bad: exit 3" in done.stdout
    assert done.stdout.splitlines()[-2].endswith("failed: bad")
    assert done.stdout.splitlines()[-1] == "== bad: (no pytest summary in its log)"


def test_the_failed_tests_a_stage_names_are_repeated_last(tmp_path):
    # As molecule's verifier prints pytest's summary, far up a long log: boxed, coloured, wrapped at 80.
    log = tmp_path / "verify.txt"
    log.write_text(
        "\n".join(
            f"  \033[2m│\033[0m {line}"
            for line in [
                "tests/test_x.py::test_slow[ansible://vps] FAILED",
                "=========================== short test summary info",
                "  ============================",
                "FAILED",
                "  tests/test_x.py::test_the_paper_bot_trades_the_replayed_market_through_",
                "  hummingbots_paper_engine[ansible://vps]",
                "FAILED tests/test_y.py::test_two - assert 1 == 2",
                "=================== 2 failed, 54 passed in 535.40s (0:08:55)",
                "  ===================",
            ]
        )
        + "\n"
    )
    done = together(tmp_path, f"boxed=cat {log} && seq 5000; exit 2", "good=true")
    assert done.returncode == 1
    assert done.stdout.splitlines()[-2:] == [
        "== boxed: FAILED tests/test_x.py::test_the_paper_bot_trades_the_replayed_market_through_"
        "hummingbots_paper_engine[ansible://vps]",
        "== boxed: FAILED tests/test_y.py::test_two - assert 1 == 2",
    ]


def test_stages_get_a_blocking_stdin_as_ansible_requires(tmp_path):
    # Ansible refuses a non-blocking stdin; /dev/null is what a shell gives its background jobs.
    done = together(tmp_path, "stdin=readlink /proc/self/fd/0")
    assert "/dev/null" in done.stdout


def test_a_bare_name_is_a_make_target(tmp_path):
    (tmp_path / "Makefile").write_text("hello:\n\t@echo from make\n")
    done = together(tmp_path, "hello")
    assert done.returncode == 0, done.stdout
    assert "from make\n== hello: exit 0" in done.stdout


def test_slots_hold_a_stage_back_until_one_ends_then_start_it_in_order(tmp_path):
    # One slot: the second stage starts only once the first has written its file; side by side, cat fails.
    done = together(tmp_path, "--slots", "1", "first=sleep 0.5; echo written > a", "second=cat a",
                    "third=true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "written\n== second: exit 0" in done.stdout
    started = [line for line in done.stdout.splitlines() if ": started (" in line]
    order = [line.split(":")[0] for line in started]
    assert order == ["== first", "== second", "== third"]


def test_a_bad_slot_count_is_refused_naming_the_option(tmp_path):
    done = together(tmp_path, "--slots", "0", "a=true")
    assert done.returncode != 0
    assert "--slots" in done.stderr


def idle_stat(tmp_path) -> Path:
    """A /proc/stat stand-in whose first line a stage advances: idle cores, busy ones, as it is told."""
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 100 1000 0 0 0 0 0 0\n")
    return stat


def advance(stat: Path, busy: bool) -> str:
    """A shell loop (in the background of a stage, for 6 s) moving the stat file's counters every 0.1 s."""
    column = "$2" if busy else "$5"
    step = f"awk '{{{column}+=10; print}}' {stat} > {stat}.new && mv {stat}.new {stat}"
    return f"for i in $(seq 60); do {step}; sleep 0.1; done &"


def test_fill_adds_a_slot_once_the_cores_idle_with_every_slot_taken(tmp_path):
    # One slot, and the first stage waits for the second's file: only an extra slot lets it end.
    stat = idle_stat(tmp_path)
    done = subprocess.run(
        [sys.executable, str(TOGETHER), "--slots", "1", "--fill", "0.5", "--fill-window", "1",
         f"first={advance(stat, busy=False)} for i in $(seq 100); do [ -e b ] && break; sleep 0.1; done;"
         " [ -e b ]", "second=touch b"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, input="",
        env={**os.environ, "TOGETHER_PROC_STAT": str(stat)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "== the cores were under 50% busy for 1 s: 2 slots from now on" in done.stdout


def test_fill_leaves_the_next_stage_waiting_while_the_cores_are_busy(tmp_path):
    stat = idle_stat(tmp_path)
    done = subprocess.run(
        [sys.executable, str(TOGETHER), "--slots", "1", "--fill", "0.5", "--fill-window", "1",
         f"first={advance(stat, busy=True)} sleep 3; [ ! -e b ]", "second=touch b"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, input="",
        env={**os.environ, "TOGETHER_PROC_STAT": str(stat)},
    )
    assert done.returncode == 0, done.stdout + done.stderr  # second had not run while first did
    assert "slots from now on" not in done.stdout


def test_a_fill_share_out_of_range_is_refused_naming_the_option(tmp_path):
    done = together(tmp_path, "--slots", "2", "--fill", "1.5", "a=true")
    assert done.returncode != 0
    assert "--fill takes a number from 0 to 1, not '1.5'" in done.stderr
