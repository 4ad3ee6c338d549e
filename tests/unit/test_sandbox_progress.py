"""sandbox/sandboxctl.py's build progress: on stderr, a line per Dockerfile step (not every line Docker
prints), so that stdout stays the image name callers parse; and `make demo` builds, where that progress
shows, the same kinds its playbooks load."""

import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "sandbox"))
import sandboxctl  # noqa: E402

# What the classic builder prints for a step that installs packages (abridged).
DOCKER_OUTPUT = """\
Sending build context to Docker daemon  2.048kB
Step 1/3 : ARG BASE
Step 2/3 : FROM ${BASE}
 ---> 72abbe114760
Step 3/3 : RUN set -eu;     apt-get update;     apt-get install -y mosquitto
 ---> Running in 3a82ac7e6685
Get:1 http://deb.debian.org/debian trixie InRelease [140 kB]
Setting up mosquitto (2.0.21-1) ...
Removing intermediate container 3a82ac7e6685
 ---> 150a61bd06ec
Successfully built 150a61bd06ec
"""


def fake_build(output: str, code: int) -> list[str]:
    script = "import sys; sys.stdout.write(sys.argv[1]); sys.exit(int(sys.argv[2]))"
    return [sys.executable, "-c", script, output, str(code)]


def test_a_build_shows_each_step_on_stderr_and_nothing_on_stdout(capsys):
    code, tail = sandboxctl.stream_build("mosquitto", fake_build(DOCKER_OUTPUT, 0))
    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    shown = err.splitlines()
    assert [re.sub(r"\[\d+:\d\d\] ", "", line) for line in shown] == [
        "sandbox: mosquitto Step 1/3 : ARG BASE",
        "sandbox: mosquitto Step 2/3 : FROM ${BASE}",
        "sandbox: mosquitto Step 3/3 : RUN set -eu; apt-get update; apt-get install -y mosquitto",
    ]
    assert tail.endswith("Successfully built 150a61bd06ec")


def test_a_long_step_shows_its_latest_line_now_and_then(capsys, monkeypatch):
    monkeypatch.setattr(sandboxctl, "HEARTBEAT_SECONDS", 0)
    sandboxctl.stream_build("mosquitto", fake_build(DOCKER_OUTPUT, 0))
    assert "  ... Setting up mosquitto (2.0.21-1) ..." in capsys.readouterr().err


def test_a_failed_build_returns_its_code_and_the_tail_of_its_output(capsys):
    failing = fake_build(DOCKER_OUTPUT + "E: Unable to locate\n", 100)
    code, tail = sandboxctl.stream_build("mosquitto", failing)
    assert code == 100
    assert tail.splitlines()[-2:] == ["Successfully built 150a61bd06ec", "E: Unable to locate"]


def test_long_step_lines_are_cut_short():
    assert len(sandboxctl.shorten("Step 4/4 : RUN " + "x" * 500)) == 120


def test_make_demo_builds_the_kinds_its_playbooks_load():
    makefile = (REPO / "Makefile").read_text()
    demo_images = re.search(r"^DEMO_IMAGES := (.*)$", makefile, re.M).group(1).split()
    loaded = [
        kind
        for playbook in ("bot_images.yml", "monitoring_images.yml")
        for kind in yaml.safe_load((REPO / "sandbox" / playbook).read_text())[0]["vars"]["sandbox_images"]
    ]
    assert demo_images == loaded
