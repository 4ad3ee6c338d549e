#!/usr/bin/env python3
"""Install the collections pinned in requirements.yml into the path ansible.cfg names.

Ansible Galaxy first. Where Galaxy is unreachable (as on the project's build machines, which
reach PyPI only), take the same pinned versions out of the `ansible` community package on
PyPI, which bundles them; a version mismatch is an error, never silently accepted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / ".ansible" / "collections"
# The community package release that bundles exactly the versions pinned in requirements.yml.
ANSIBLE_BUNDLE = "ansible==12.3.0"


def pinned() -> dict[str, str]:
    spec = yaml.safe_load((REPO / "requirements.yml").read_text())
    return {c["name"]: str(c["version"]) for c in spec["collections"]}


def installed_version(name: str) -> str | None:
    manifest = TARGET / "ansible_collections" / name.replace(".", "/") / "MANIFEST.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def from_galaxy() -> bool:
    galaxy = Path(sys.executable).with_name("ansible-galaxy")
    result = subprocess.run(
        [str(galaxy), "collection", "install", "-r", str(REPO / "requirements.yml"), "-p", str(TARGET)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode == 0


def from_pypi_bundle(wanted: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", ANSIBLE_BUNDLE, "-d", tmp],
            check=True,
        )
        wheel = zipfile.ZipFile(next(Path(tmp).glob("ansible-*.whl")))
        for name, version in wanted.items():
            prefix = f"ansible_collections/{name.replace('.', '/')}/"
            bundled = json.loads(wheel.read(prefix + "MANIFEST.json"))["collection_info"]["version"]
            if bundled != version:
                sys.exit(f"requirements.yml pins {name} {version}, but {ANSIBLE_BUNDLE} bundles {bundled}")
            destination = TARGET / prefix
            shutil.rmtree(destination, ignore_errors=True)
            for member in wheel.namelist():
                if member.startswith(prefix) and not member.endswith("/"):
                    wheel.extract(member, TARGET)


def main() -> int:
    wanted = pinned()
    missing = {n: v for n, v in wanted.items() if installed_version(n) != v}
    if not missing:
        print("collections: all pinned versions present")
        return 0
    if not from_galaxy():
        print(f"collections: Galaxy unreachable; taking {', '.join(missing)} from {ANSIBLE_BUNDLE} on PyPI")
        from_pypi_bundle(missing)
    still_missing = {n: v for n, v in wanted.items() if installed_version(n) != v}
    if still_missing:
        sys.exit(f"collections: could not install {still_missing}")
    print(f"collections: installed {', '.join(f'{n} {v}' for n, v in wanted.items())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
