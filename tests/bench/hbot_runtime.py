"""Shared plumbing for the benchmark scripts that run inside the Hummingbot runtime image.

A script calls `reexec_in_runtime(__file__)` first: on the host (no hummingbot importable) it runs
itself again through tests/hummingbot/run_in_runtime.sh with docs/ mounted writable, so

    python3 tests/bench/<script>.py ...
    HBOT_RUNTIME_RW=docs tests/hummingbot/run_in_runtime.sh python tests/bench/<script>.py ...

do the same thing. Inside the image it makes tests/hummingbot importable and returns.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"


def reexec_in_runtime(script: str) -> None:
    if importlib.util.find_spec("hummingbot") is None:
        runner = REPO_ROOT / "tests/hummingbot/run_in_runtime.sh"
        relative = Path(script).resolve().relative_to(REPO_ROOT)
        env = {**os.environ, "HBOT_RUNTIME_RW": "docs"}
        os.execvpe(str(runner), [str(runner), "python", "-W", "ignore", str(relative), *sys.argv[1:]], env)
    for path in (REPO_ROOT, REPO_ROOT / "tests/hummingbot"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import warnings

    warnings.filterwarnings("ignore")


def write_outputs(stem: str, data: dict[str, Any], markdown: str) -> list[Path]:
    """docs/<stem>.json and docs/<stem>.md, or stdout when docs/ is not writable."""
    text = json.dumps(data, indent=2, default=_plain) + "\n"
    if os.access(DOCS, os.W_OK):
        written = [DOCS / f"{stem}.json", DOCS / f"{stem}.md"]
        written[0].write_text(text)
        written[1].write_text(markdown)
        return written
    print(f"--- docs/{stem}.json (docs/ is read-only here; HBOT_RUNTIME_RW=docs mounts it) ---")
    print(text)
    print(f"--- docs/{stem}.md ---")
    print(markdown)
    return []


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def fmt(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"
