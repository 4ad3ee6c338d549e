"""Reports appear whole or not at all: written into a staging folder beside the target, then renamed.

    with staged_output(out) as staging:
        (staging / "metrics.json").write_text(...)
    # `out` now holds exactly what was written; on an exception nothing is left behind

An existing `out` is only replaced when it is empty or is a previous report (holds metrics.json or
results.csv); anything else is refused, so a typo in --out cannot delete someone's folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from controllers.analysis.errors import AnalysisError
from controllers.shared_base.plain import plain

REPORT_MARKERS = ("metrics.json", "results.csv")


class OutputError(AnalysisError):
    """The output folder cannot be used; the message says why."""


def check_output_dir(out: Path) -> None:
    """Refuse an --out that is a file or a folder of something other than a previous report."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError("out", f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not any((out / name).is_file() for name in REPORT_MARKERS):
        raise OutputError("out", f"{out} is a non-empty folder that holds no previous report; choose another")
    if not out.parent.is_dir():
        raise OutputError("out", f"the parent folder {out.parent} does not exist")


@contextlib.contextmanager
def staged_output(out: str | Path) -> Iterator[Path]:
    """A fresh folder next to `out`; renamed onto `out` when the block succeeds, removed when it fails."""
    out = Path(out).absolute()
    check_output_dir(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield staging
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, retired / out.name)
            os.replace(staging, out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_json(path: Path, data: Any) -> None:
    """`data` as JSON; NaN and infinities become null (JSON has neither)."""
    path.write_text(json.dumps(plain(data, finite=True), indent=2, sort_keys=False, allow_nan=False) + "\n")
