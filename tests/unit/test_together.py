"""tools/together.py: make test's stages side by side, each log whole, a failure anywhere fails the wave."""

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
    assert done.stdout.splitlines()[-1].endswith("failed: bad")


def test_stages_get_a_blocking_stdin_as_ansible_requires(tmp_path):
    # Ansible refuses a non-blocking stdin; /dev/null is what a shell gives its background jobs.
    done = together(tmp_path, "stdin=readlink /proc/self/fd/0")
    assert "/dev/null" in done.stdout


def test_a_bare_name_is_a_make_target(tmp_path):
    (tmp_path / "Makefile").write_text("hello:\n\t@echo from make\n")
    done = together(tmp_path, "hello")
    assert done.returncode == 0, done.stdout
    assert "from make\n== hello: exit 0" in done.stdout
