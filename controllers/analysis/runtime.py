"""Run an analysis command inside the Hummingbot analysis runtime image, from the host.

The operator's venv (Python 3.11) has no Hummingbot, so `hbot-strategies backtest|compare` check
their inputs on the host and then run themselves again in the image (`hummingbot-analysis`, built
locally by sandbox/sandboxctl.py and cached by content hash), offline (`--network none`):

* the repository read-only at /src (the code that runs is the checkout's);
* every input file read-only at its own absolute path, so paths inside configs still resolve
  (e.g. `sentiment_source`) and reports name the files the operator gave;
* only the output's parent folder writable, at its own path, so the staged report is renamed
  into place on one filesystem; the container runs as the calling user.
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
    argv: Sequence[str],
    inputs: Iterable[Path],
    writable: Iterable[Path],
    network: str = "none",
) -> list[str]:
    """`docker run` for `hbot-strategies ARGV` in the image, with the mounts described above."""
    command = [
        "docker",
        "run",
        "--rm",
        "--init",
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
        command += ["-v", f"{path}:{path}:rw"]
        mounted.add(path)
    for path in inputs:
        if path not in mounted and not any(parent in mounted for parent in path.parents):
            command += ["-v", f"{path}:{path}:ro"]
            mounted.add(path)
    if SCRATCH not in mounted:
        # A private /tmp, unless the operator's output folder is /tmp itself: Docker refuses a bind
        # mount and a tmpfs at one point ("Duplicate mount point"), and that folder is writable anyway.
        command += ["--tmpfs", f"{SCRATCH}:rw,size=1g"]
    if sys.stderr.isatty():
        command.append("-t")  # tqdm draws its bar on a terminal
    return [*command, image, "python", "-W", "ignore", "-m", "controllers.plugin_system.cli", *argv]


def run_in_runtime(
    argv: Sequence[str], inputs: Iterable[Path], writable: Iterable[Path], network: str = "none"
) -> int:
    """Run `hbot-strategies ARGV` inside the runtime image; its exit status.

    argv's paths must be absolute (they are the same inside); `inputs` are mounted read-only,
    `writable` folders read-write; `network` stays "none" unless a remote service is needed.
    """
    image = build_image()
    command = docker_command(
        image, argv, [p.resolve() for p in inputs], [p.resolve() for p in writable], network
    )
    return subprocess.run(command, check=False).returncode
