#!/usr/bin/env python3
"""Cold build time of every image `make test` uses: a benchmark that prints figures, not a test.

A fresh machine has none of the content-hash cached images, so CI's first run pays for all of them.
This builds each one from nothing (debootstrap included) under a throwaway image namespace, so the
cached images stay untouched, times it, and removes the throwaway images afterwards.

    python3 tests/bench/bench_images.py            # writes docs/bench-images.{json,md}

Add the warm `make test` stage times (printed by `make test`) to the total to get a fresh machine's CI.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

NAMESPACE = f"hbotcold{os.getpid()}"
os.environ["HBOT_IMAGE_NAMESPACE"] = NAMESPACE  # read by sandboxctl at import

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "sandbox"))
sys.path.insert(0, str(REPO / "tests" / "bench"))

import sandboxctl  # noqa: E402
from hbot_runtime import write_outputs  # noqa: E402

# (kind, suite) as the test stages request them; kinds not listed are counted on trixie.
USED_BY_TESTS = [
    ("vps", "bookworm"),
    ("vps", "trixie"),
    ("scanner", "bookworm"),
    ("prometheus", "bookworm"),
    ("alertmanager", "bookworm"),
]
BOOKWORM_ONLY = {"scanner"}


def images_to_build() -> list[tuple[str, str]]:
    kinds = sorted(p.name for p in sandboxctl.IMAGES.iterdir() if (p / "Dockerfile").is_file())
    pairs = list(USED_BY_TESTS) + [(kind, "trixie") for kind in kinds if kind not in BOOKWORM_ONLY]
    unique = list(dict.fromkeys(pairs))
    # parents first, so each timed build is that image's own cost
    depth = {kind: _depth(kind) for kind in kinds}
    return sorted(unique, key=lambda pair: (depth.get(pair[0], 0), pair[1] != "bookworm"))


def _depth(kind: str) -> int:
    parent = sandboxctl.base_kind(sandboxctl.IMAGES / kind)
    return 0 if parent is None else 1 + _depth(parent)


def timed(action) -> float:
    start = time.monotonic()
    action()
    return round(time.monotonic() - start, 1)


def remove_namespace_images() -> None:
    listed = subprocess.run(
        ["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    mine = [name for name in listed if name.startswith(f"{NAMESPACE}-")]
    if mine:
        subprocess.run(["docker", "rmi", "-f", *mine], capture_output=True, check=False)


def markdown(data: dict) -> str:
    lines = [
        "# Cold image builds (what a fresh machine's first `make test` pays)",
        "",
        f"`python3 tests/bench/bench_images.py`, {data['when']}, {data['cpus']} CPUs, load average at start"
        f" {data['load_at_start']}. Raw figures: `bench-images.json`.",
        "",
        "| image | suite | seconds |",
        "|---|---|---:|",
    ]
    lines += [f"| {row['image']} | {row['suite']} | {row['seconds']:.1f} |" for row in data["builds"]]
    lines += [
        f"| **total** | | **{data['total_seconds']:.1f}** |",
        "",
        "Every image is cached by content hash afterwards, so later runs pay under a second each. A fresh"
        " machine's CI time is this total plus the warm stage times `make test` prints"
        " (`== make <stage>: N s`).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    builds = []
    try:
        for suite in ("bookworm", "trixie"):
            seconds = timed(lambda suite=suite: sandboxctl.build_rootfs(suite))
            builds.append({"image": "rootfs (debootstrap + import)", "suite": suite, "seconds": seconds})
            print(f"rootfs {suite}: {seconds} s", flush=True)
        for kind, suite in images_to_build():
            seconds = timed(lambda kind=kind, suite=suite: sandboxctl.build_image(kind, suite))
            builds.append({"image": kind, "suite": suite, "seconds": seconds})
            print(f"{kind} {suite}: {seconds} s", flush=True)
    finally:
        remove_namespace_images()
    data = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "load_at_start": round(load, 1),
        "platform": platform.platform(),
        "builds": builds,
        "total_seconds": round(sum(row["seconds"] for row in builds), 1),
    }
    text = markdown(data)
    print(text)
    if not args.no_write:
        write_outputs("bench-images", data, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
