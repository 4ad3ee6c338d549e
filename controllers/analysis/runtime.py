"""The one launcher: run a command inside the Hummingbot analysis runtime image, from the host.

The operator's venv (Python 3.11) has no Hummingbot, so `hbot-strategies backtest|compare|optimize`
check their inputs on the host and then run the parsed command again in the image (run_in_runtime;
`hummingbot-analysis`, built locally by sandbox/sandboxctl.py and cached by content hash), offline
(`--network none`). The benchmarks that generate data in the image use the same launcher (run_in_image):

* the repository read-only at /src (the code that runs is the checkout's);
* every input file read-only at its own absolute path, so paths inside configs still resolve
  (e.g. `sentiment_source`) and reports name the files the operator gave;
* only the output's parent folder writable, at its own path, so the staged report is renamed
  into place on one filesystem; the container runs as the calling user;
* a private tmpfs on /tmp, unless the writable folder is /tmp itself (Docker refuses both there).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SANDBOXCTL = REPO_ROOT / "sandbox/sandboxctl.py"
DEFAULT_KIND = "hummingbot-analysis"
SCRATCH = Path("/tmp")  # the container's scratch space (HOME too: matplotlib and tqdm write there)
CLI_MODULE = "controllers.cli"  # `python -m CLI_MODULE` is `hbot-strategies`, console script or not


def cli_command(argv: Sequence[str], python: str = "python") -> list[str]:
    """`hbot-strategies ARGV` as a process, through the module (works before the console script is
    installed, and inside the image, which has none)."""
    return [python, "-W", "ignore", "-m", CLI_MODULE, *argv]


def in_runtime() -> bool:
    """True where Hummingbot is importable (inside the runtime image)."""
    return importlib.util.find_spec("hummingbot") is not None


def build_image(kind: str | None = None, suite: str | None = None) -> str:
    """The runtime image's tag, built (or reused from cache) by sandboxctl."""
    kind = kind or os.environ.get("HBOT_RUNTIME_KIND", DEFAULT_KIND)
    suite = suite or os.environ.get("HBOT_RUNTIME_SUITE", "trixie")
    done = subprocess.run(
        [sys.executable, str(SANDBOXCTL), "build", "--kind", kind, "--suite", suite],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def docker_command(
    image: str,
    command: Sequence[str],
    inputs: Iterable[Path],
    writable: Iterable[Path],
    network: str = "none",
) -> list[str]:
    """`docker run` for COMMAND in the image, with the mounts described above."""
    options = [
        "docker",
        "run",
        "--rm",
        "--init",
        "--label",
        "hbot.runtime=1",
        "--network",
        network,
        "--user",
        f"{os.getuid()}:{os.getgid()}",
        "-v",
        f"{REPO_ROOT}:/src:ro",
        "-w",
        "/src",
        "-e",
        "PYTHONPATH=/src",
        "-e",
        "PYTHONDONTWRITEBYTECODE=1",
        "-e",
        "HOME=/tmp",
        "-e",
        "MPLBACKEND=Agg",
    ]
    mounted: set[Path] = set()
    for path in writable:
        options += ["-v", f"{path}:{path}:rw"]
        mounted.add(path)
    for path in inputs:
        if path not in mounted and not any(parent in mounted for parent in path.parents):
            options += ["-v", f"{path}:{path}:ro"]
            mounted.add(path)
    if SCRATCH not in mounted:
        # A private /tmp, unless the operator's output folder is /tmp itself: Docker refuses a bind
        # mount and a tmpfs at one point ("Duplicate mount point"), and that folder is writable anyway.
        options += ["--tmpfs", f"{SCRATCH}:rw,size=1g"]
    if sys.stderr.isatty():
        options.append("-t")  # tqdm draws its bar on a terminal
    return [*options, image, *command]


def run_in_image(
    command: Sequence[str],
    inputs: Iterable[Path],
    writable: Iterable[Path],
    network: str = "none",
    kind: str | None = None,
) -> int:
    """Run COMMAND (from /src, the checkout) inside the runtime image of `kind`; its exit status.

    Its paths must be absolute (they are the same inside); `inputs` are mounted read-only,
    `writable` folders read-write; `network` stays "none" unless a remote service is needed.
    """
    image = build_image(kind)
    resolved = [p.resolve() for p in inputs], [p.resolve() for p in writable]
    return subprocess.run(docker_command(image, command, *resolved, network), check=False).returncode


def run_in_runtime(
    argv: Sequence[str], inputs: Iterable[Path], writable: Iterable[Path], network: str = "none"
) -> int:
    """Re-run the parsed command `hbot-strategies ARGV` inside the analysis image; its exit status,
    which is the command's (controllers/cli/exit_codes.py) unless Docker itself failed."""
    return run_in_image(cli_command(argv), inputs, writable, network)
