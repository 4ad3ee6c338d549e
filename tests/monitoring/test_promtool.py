"""The real promtool and amtool (Debian's packages, in images) accept everything in monitoring/.

pytest -q tests/monitoring            # needs Docker; builds or reuses the images
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs Docker")


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_promtool_and_amtool_accept_monitoring(suite):
    result = subprocess.run(
        [str(REPO / "monitoring" / "check.sh")],
        env={**os.environ, "HBOT_MONITORING_SUITES": suite},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert result.stdout.count("SUCCESS") >= 10
    assert "FAILED" not in result.stdout
