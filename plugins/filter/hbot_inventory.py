"""Filters for the inventory-wide preflight (playbooks/preflight.yml): checks that belong to no one role.

- `hbot_unknown_settings`: a variable with a role's prefix that no role knows (a typo such as
  `hummingbot_bot` would otherwise drop every bot silently), with the nearest known name.
- `hbot_placeholders`: values still holding what the shipped example inventory says to replace. The
  message names the variable and the field, never the value (it may be a secret).
- `hbot_unencrypted_vaults`: vault files of the inventory that are not ansible-vault encrypted.

Pure functions over plain data; the task passes what Ansible sees.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import yaml

PREFIXES = ("hardening_", "docker_", "hummingbot_", "monitoring_")
# What the shipped example inventory (inventories/production) says to replace, by pattern.
PLACEHOLDERS = (
    (re.compile(r"replace-?me|PLACEHOLDER|replaceWithYourOwn", re.I), "the example's placeholder"),
    (re.compile(r"^-1001234567890$"), "the example's Telegram chat id"),
)
# Documentation address ranges (RFC 5737, RFC 3849): an example host, never a real VPS.
EXAMPLE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def known_settings(roles_dir: str) -> list[str]:
    """Every variable a role documents (meta/argument_specs.yml) or sets (defaults/, vars/)."""
    names: set[str] = set()
    for role in sorted(Path(roles_dir).iterdir()):
        specs = role / "meta" / "argument_specs.yml"
        if specs.is_file():
            for entry in (yaml.safe_load(specs.read_text()) or {}).get("argument_specs", {}).values():
                names.update((entry or {}).get("options", {}))
        for folder in ("defaults", "vars"):
            for path in sorted((role / folder).glob("*.yml")):
                names.update(yaml.safe_load(path.read_text()) or {})
    return sorted(names)


def hbot_unknown_settings(names: Any, roles_dir: str, facts: Any = ()) -> list[str]:
    """One error per role-prefixed variable that no role knows; `facts` are names the roles set at run
    time (set_fact, register), which a later play may see."""
    known = known_settings(roles_dir)
    allowed = set(known) | set(facts or ())
    errors = []
    for name in sorted({str(n) for n in names}):
        if not name.startswith(PREFIXES) or name in allowed:
            continue
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        hint = f"; did you mean {near[0]}?" if near else ""
        errors.append(f"{name}: no role has such a setting{hint} (see roles/*/meta/argument_specs.yml)")
    return errors


def _walk(value: Any, path: str):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, value


def hbot_placeholders(settings: Any) -> list[str]:
    """Fields that still hold a placeholder of the example inventory, or an example address. `settings`
    maps variable names to their (templated) values."""
    errors = []
    plain = json.loads(json.dumps(settings, default=str))
    for name in sorted(plain):
        for path, value in _walk(plain[name], name):
            if not isinstance(value, str):
                continue
            for pattern, what in PLACEHOLDERS:
                if pattern.search(value):
                    errors.append(f"{path}: still {what}; replace it with your own")
                    break
            else:
                if name == "ansible_host":
                    try:
                        address = ipaddress.ip_address(value)
                    except ValueError:
                        continue
                    if any(address in network for network in EXAMPLE_NETWORKS):
                        errors.append(f"{path}: {value} is a documentation address (the example's)")
    return errors


def hbot_unencrypted_vaults(inventory_dir: str) -> list[str]:
    """Vault files (a name with "vault" under group_vars/ or host_vars/) that are not encrypted."""
    root = Path(inventory_dir)
    errors = []
    for folder in ("group_vars", "host_vars"):
        for path in sorted((root / folder).rglob("*vault*")):
            if not path.is_file() or path.name.endswith(".example"):
                continue
            if not path.read_bytes().startswith(b"$ANSIBLE_VAULT;"):
                where = path.relative_to(root)
                errors.append(f"{where}: not encrypted; run ansible-vault encrypt {path} first")
    return errors


class FilterModule:
    def filters(self):
        return {
            "hbot_unknown_settings": hbot_unknown_settings,
            "hbot_placeholders": hbot_placeholders,
            "hbot_unencrypted_vaults": hbot_unencrypted_vaults,
        }
