#!/usr/bin/env python3
"""Keep each role's defaults, argument_specs and README in step (`make lint` runs `check`).

    python tools/role_specs.py check     # exit 1, naming each disagreement, when they drift
    python tools/role_specs.py readme    # write roles/<role>/README.md from meta/argument_specs.yml

The rules:
- every variable of defaults/main.yml is an option of one of the role's entry points;
- a plain default (no template) is the option's `default:`, with the same value; a templated one
  ("{{ ... }}") cannot be compared, and its spec `default:` says in words what it renders to;
- a required option's defaults value, if any, is an empty placeholder ("", [], {}) that preflight refuses;
- an option with neither a `default:` nor `required: true` is one the role leaves unset unless the
  inventory sets it (a receiver, a heartbeat URL): it must not appear in defaults with a plain value;
- the README is exactly what `readme` writes: the argument_specs are its one source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
ROLES = REPO / "roles"
GENERATED = (
    "<!-- Generated from meta/argument_specs.yml and defaults/main.yml by tools/role_specs.py readme;"
    " edit those. -->"
)


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text()) if path.is_file() else None


def _templated(value: Any) -> bool:
    return "{{" in json.dumps(value, default=str)


def entry_points(role: Path) -> dict[str, dict]:
    return (_load(role / "meta" / "argument_specs.yml") or {}).get("argument_specs", {})


def options(role: Path) -> dict[str, dict]:
    """Every option of every entry point (an entry point repeats main's options through a YAML anchor)."""
    found: dict[str, dict] = {}
    for spec in entry_points(role).values():
        found.update(spec.get("options") or {})
    return found


def problems(role: Path) -> list[str]:
    defaults = _load(role / "defaults" / "main.yml") or {}
    known = options(role)
    where = f"roles/{role.name}"
    found = []
    for name, value in defaults.items():
        option = known.get(name)
        if option is None:
            found.append(f"{where}/defaults/main.yml: {name} has no option in meta/argument_specs.yml")
        elif _templated(value) or (option.get("required") and value in ("", [], {})):
            continue  # not comparable; or a required setting's empty placeholder, which preflight refuses
        elif "default" not in option:
            found.append(f"{where}/meta/argument_specs.yml: {name} has no default: ({json.dumps(value)})")
        elif option["default"] != value:
            found.append(
                f"{where}/meta/argument_specs.yml: {name} default: {json.dumps(option['default'])}"
                f" but defaults/main.yml: {json.dumps(value)}"
            )
    readme = role / "README.md"
    if not readme.is_file() or readme.read_text() != render_readme(role):
        found.append(f"{where}/README.md: not what argument_specs say; run python tools/role_specs.py readme")
    return found


def _text(value: Any) -> str:
    lines = value if isinstance(value, list) else [value]
    return " ".join(" ".join(str(line).split()) for line in lines if line is not None)


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def _default(name: str, option: dict, defaults: dict) -> str:
    if option.get("required") and defaults.get(name, "") in ("", [], {}):
        return "required"
    if name not in defaults:
        return f"`{json.dumps(option['default'])}`" if "default" in option else "unset"
    if _templated(defaults[name]):  # the spec's words for what it renders to, else the template itself
        words = option.get("default")
        return f"`{words}`" if isinstance(words, str) and words else f"`{defaults[name]}`"
    return f"`{json.dumps(defaults[name])}`"


def render_readme(role: Path) -> str:
    defaults = _load(role / "defaults" / "main.yml") or {}
    specs = entry_points(role)
    main = specs.get("main", {})
    out = [f"# Role `{role.name}`", "", GENERATED, "", _text(main.get("short_description", "")), ""]
    out += [f"- {_text(line)}" for line in main.get("description") or []]
    shown: set[str] = set()
    for entry, spec in specs.items():
        fresh = {name: o for name, o in (spec.get("options") or {}).items() if name not in shown}
        out += ["", f"## Entry point `{entry}`"]
        if entry != "main" and spec is main:  # a YAML anchor to main's spec
            out += ["", f"`tasks/{entry}.yml` alone, with `main`'s variables."]
            continue
        if entry != "main":  # main's words open the file
            out += ["", _text(spec.get("short_description", "")), ""]
            out += [f"- {_text(line)}" for line in spec.get("description") or []]
        if not fresh:
            out += ["", "Variables: as `main`." if entry != "main" else "No variables."]
            continue
        out += ["", "| variable | type | default | description |", "|---|---|---|---|"]
        for name, option in fresh.items():
            kind = option.get("type", "str")
            if option.get("elements"):
                kind += f" of {option['elements']}"
            if option.get("choices"):
                kind += f" ({', '.join(map(str, option['choices']))})"
            out.append(
                f"| `{name}` | {_cell(kind)} | {_cell(_default(name, option, defaults))}"
                f" | {_cell(_text(option.get('description', '')))} |"
            )
        shown |= set(fresh)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    roles = sorted(path for path in ROLES.iterdir() if (path / "meta" / "argument_specs.yml").is_file())
    if argv[1:] == ["readme"]:
        for role in roles:
            (role / "README.md").write_text(render_readme(role))
        return 0
    if argv[1:] == ["check"]:
        found = [problem for role in roles for problem in problems(role)]
        print("\n".join(found) or f"{len(roles)} roles: defaults, argument_specs and README agree")
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
