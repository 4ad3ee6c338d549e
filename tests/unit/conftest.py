import os
import subprocess
import sys
from pathlib import Path

import pytest

from controllers.analysis.runtime import cli_command

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_cli():
    """Run `hbot-strategies` as a subprocess (python -m, so it works before the console script exists)."""

    def run(*args: str, extra_path: Path | None = None) -> subprocess.CompletedProcess:
        paths = [str(p) for p in (extra_path, REPO_ROOT) if p is not None]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")])}
        return subprocess.run(
            cli_command(args, python=sys.executable),
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=REPO_ROOT,
        )

    return run
