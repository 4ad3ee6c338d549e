"""Filters for the inventory-wide preflight (playbooks/preflight.yml): checks that belong to no one role.

- `hbot_unknown_settings`: a variable with a role's prefix that no role knows (a typo such as
  `hummingbot_bot` would otherwise drop every bot silently), with the nearest known name.
- `hbot_inventory_problems`: values still holding what the shipped example inventory says to replace,
  example addresses, and vault variables referenced but never defined. The message names the file, line
  and field (or the vault variable and field), never the value (it may be a secret).
- `hbot_unencrypted_vaults`: vault files of the inventory that are not ansible-vault encrypted.
- `hbot_set_at`: where the inventory's plain files set a variable, for the roles' preflight messages.

Pure functions over plain data; the task passes what Ansible sees.
"""

from __future__ import annotations

import difflib
import functools
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
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
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


def hbot_unknown_settings(names: Any, roles_dir: str) -> list[str]:
    """One error per role-prefixed variable that no role knows (the check runs first in site.yml, before
    any role has set a fact)."""
    known = known_settings(roles_dir)
    allowed = set(known)
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


def _placeholder(value: str) -> str | None:
    for pattern, what in PLACEHOLDERS:
        if pattern.search(value):
            return what
    return None


def _walk_nodes(node: yaml.Node, path: str):
    """(field path, scalar node) for every scalar of a composed YAML document, keeping line numbers."""
    if isinstance(node, yaml.MappingNode):
        for key, item in node.value:
            yield from _walk_nodes(item, f"{path}.{key.value}" if path else str(key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk_nodes(item, f"{path}[{index}]")
    elif isinstance(node, yaml.ScalarNode):
        yield path, node


def _inventory_files(root: Path) -> list[Path]:
    """The inventory's plain YAML files: hosts files and group/host vars (encrypted ones are read through
    Ansible instead; examples are not read)."""
    files = [p for p in sorted(root.glob("*.y*ml")) if p.is_file()]
    for folder in ("group_vars", "host_vars"):
        found = sorted((root / folder).rglob("*"))
        files += [p for p in found if p.is_file() and p.suffix in (".yml", ".yaml", "")]
    return [p for p in files if not p.read_bytes().startswith(b"$ANSIBLE_VAULT;")]


def hbot_inventory_problems(inventory_dir: str, defined: Any, vault_values: Any) -> list[str]:
    """Placeholders of the example inventory still in place, documentation addresses, and references to
    vault variables that nothing defines. Plain files are read as YAML (file, line and field named);
    `vault_values` are the vault_* variables as Ansible decrypted them (field named). A value is never
    shown, except an example address."""
    root = Path(inventory_dir)
    known = {str(name) for name in defined}
    errors, plain_names = [], set()
    for path in _inventory_files(root):
        where = path.relative_to(root)
        try:
            documents = list(yaml.compose_all(path.read_text()))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            errors.append(f"{where}{line}: not valid YAML: {getattr(error, 'problem', error)}")
            continue
        for document in documents:
            if isinstance(document, yaml.MappingNode):
                plain_names.update(str(key.value) for key, _ in document.value)
            for field, node in _walk_nodes(document, ""):
                at = f"{where}:{node.start_mark.line + 1}: {field}"
                value = str(node.value)
                if PRIVATE_KEY.search(value):
                    errors.append(
                        f"{at}: holds a private key in a plain file (not shown); remove it now, and if it "
                        f"was ever committed or shared, make a new key pair. Only public keys go here."
                    )
                    continue
                what = _placeholder(value)
                if what:
                    errors.append(f"{at}: still {what}; replace it with your own")
                    continue
                if field.endswith("ansible_host"):
                    try:
                        address = ipaddress.ip_address(value)
                    except ValueError:
                        address = None
                    if address and any(address in network for network in EXAMPLE_NETWORKS):
                        errors.append(f"{at}: {value} is a documentation address (the example's)")
                for name in sorted(set(re.findall(r"(?<![\w.])(vault_[A-Za-z0-9_]+)", value)) - known):
                    errors.append(
                        f"{at}: {name} is not defined; put it in group_vars/all/vault.yml "
                        f"(from vault.yml.example) and encrypt that file"
                    )
    plain = json.loads(json.dumps(vault_values or {}, default=str))
    for name in sorted(set(plain) - plain_names):  # those in plain files were read above, with their line
        for field, value in _walk(plain[name], name):
            what = _placeholder(value) if isinstance(value, str) else None
            if what:
                errors.append(f"{field} (vault): still {what}; replace it with your own")
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


_UNKNOWN = object()  # a value the file cannot tell (vault-encrypted, another tag): it may be the one in use


class _ValueLoader(yaml.SafeLoader):
    """Safe YAML that reads Ansible's tags (!vault, !unsafe) as an unknown value instead of failing."""


_ValueLoader.add_multi_constructor("!", lambda loader, suffix, node: _UNKNOWN)


@functools.lru_cache(maxsize=8)
def _top_level_keys(inventory_dir: str) -> dict[str, tuple[tuple[str, Any], ...]]:
    """Each top-level key of the inventory's plain files -> (where it is set (file:line), the value written
    there). Read once per process: the roles' preflight asks for every setting it checks."""
    root = Path(inventory_dir)
    places: dict[str, list[tuple[str, Any]]] = {}
    for path in _inventory_files(root):
        loader = _ValueLoader(path.read_text())
        try:
            while loader.check_node():
                document = loader.get_node()
                for key, value in document.value if isinstance(document, yaml.MappingNode) else []:
                    places.setdefault(str(key.value), []).append(
                        (
                            f"{path.relative_to(root)}:{key.start_mark.line + 1}",
                            loader.construct_object(value, True),
                        )
                    )
        except yaml.YAMLError:
            continue  # the inventory check names it
        finally:
            loader.dispose()
    return {key: tuple(found) for key, found in places.items()}


def _may_be(written: Any, value: Any) -> bool:
    """Whether the value written in a file may be the value in use: equal, or not knowable from the file
    (anywhere in it a vault value, or a template that Ansible renders)."""
    text = json.dumps(written, sort_keys=True, default=lambda v: "{{ unknown }}" if v is _UNKNOWN else str(v))
    return "{{" in text or text == json.dumps(value, sort_keys=True, default=str)


def hbot_set_at(variable: str, inventory_dir: Any, *value: Any) -> str:
    """Where the inventory's plain files set a variable at the top level: " (set in group_vars/all/x.yml:12)",
    each place when several do, or "" when none does (a default, an extra var, an encrypted file).

    Given the value in use, only the places that wrote it are named: a value from elsewhere (an extra
    var overriding the inventory) names no file rather than the wrong one."""
    if not inventory_dir or not Path(str(inventory_dir)).is_dir():
        return ""
    places = _top_level_keys(str(inventory_dir)).get(variable, ())
    named = [place for place, written in places if not value or _may_be(written, value[0])]
    return f" (set in {', '.join(named)})" if named else ""


class FilterModule:
    def filters(self):
        return {
            "hbot_unknown_settings": hbot_unknown_settings,
            "hbot_inventory_problems": hbot_inventory_problems,
            "hbot_unencrypted_vaults": hbot_unencrypted_vaults,
            "hbot_set_at": hbot_set_at,
        }
