"""Filter `hbot_bots_plan`: validate the declared bots through the strategy registry and plan each one.

Runs on the controller (filters always do), before anything on a host changes. Returns
{"errors": [...], "bots": [...]}; every error starts with the inventory path of the field at fault,
e.g. `hummingbot_bots[0].controllers[1].config.total_amount_quote: ...`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
from pathlib import Path, PurePosixPath
from typing import Any

BOT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")  # a folder, compose service, container and MQTT id
CONTROLLER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MEMORY = re.compile(r"^[0-9]+[kmg]$")
RESERVED_NAMES = {"mosquitto"}
# Hummingbot's own controller fields it re-reads live (ControllerConfigBase, is_updatable).
HUMMINGBOT_UPDATABLE = {"manual_kill_switch"}
CONTAINER_ROOT = PurePosixPath("/home/hummingbot")
STATES = ("enabled", "stopped")
BOT_KEYS = (
    "name", "image", "connector", "credentials", "controllers", "cpus", "memory", "state",
    "max_global_drawdown_quote", "dir", "limits",
)
CONTROLLER_KEYS = ("plugin", "id", "config", "backtest_report")


def unknown_keys(where: str, entry: dict, known: tuple[str, ...]) -> list[str]:
    """One error per key not in `known`, with the nearest known key when one is close."""
    errors = []
    for key in sorted(set(map(str, entry)) - set(known)):
        near = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(known)}"
        errors.append(f"{where}.{key}: unknown field{hint}")
    return errors


def bot_folder(bot: dict, root: str) -> str:
    """A bot's host folder: its `dir`, or <hummingbot_root>/<name>."""
    return str(bot.get("dir", f"{root}/{bot.get('name')}")).rstrip("/")


def _registry():
    try:
        from controllers.plugin_system.registry import load_registry
    except ImportError:  # not installed in this Python: use the checkout this plugin lives in
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from controllers.plugin_system.registry import load_registry
    return load_registry()


def _untagged(value: Any) -> Any:
    """The inventory's data as plain Python: ansible-core 2.19 hands filters tagged subclasses of str, float
    and friends, which pydantic refuses ("buy_spreads.0: Input should be a valid number" for a float list),
    so a list that `hbot-strategies validate` accepts would fail here. A JSON round trip drops the tags."""
    return json.loads(json.dumps(value, default=str))


def _image_pinned(image: str) -> bool:
    """name:tag (tag not `latest`) or name@sha256:digest."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in ("", "latest")


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _updatable_fields(registry, name: str) -> set[str]:
    fields = registry.params_model(name).model_fields
    return HUMMINGBOT_UPDATABLE | {
        field
        for field, info in fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("is_updatable")
    }


def _plan_controllers(registry, where: str, bot: dict, errors: list) -> tuple[list, list]:
    controllers, ship = [], {}
    entries = bot.get("controllers")
    if not isinstance(entries, list) or not entries:
        errors.append(f"{where}.controllers: a bot needs at least one controller (list of plugin + config)")
        return [], []
    seen_ids: dict[str, int] = {}
    for index, entry in enumerate(entries):
        at = f"{where}.controllers[{index}]"
        if not isinstance(entry, dict):
            errors.append(f"{at}: expected a mapping with plugin and config")
            continue
        errors.extend(unknown_keys(at, entry, CONTROLLER_KEYS))
        plugin = entry.get("plugin")
        if plugin not in registry.names():
            errors.append(f"{at}.plugin: unknown controller {plugin!r}; known: {', '.join(registry.names())}")
            continue
        config = entry.get("config", {})
        if not isinstance(config, dict):
            errors.append(f"{at}.config: expected a mapping of fields, got {type(config).__name__}")
            continue
        controller_id = str(entry.get("id", plugin))
        if not CONTROLLER_ID.match(controller_id):
            errors.append(
                f"{at}.id: {controller_id!r} must be letters, digits, '_', '-' or '.' (it names a file)"
            )
            continue
        if controller_id in seen_ids:
            errors.append(
                f"{at}.id: {controller_id!r} is already used by controllers[{seen_ids[controller_id]}]"
            )
            continue
        seen_ids[controller_id] = index
        spec = registry.get(plugin)
        full = {
            **registry.default_config(plugin),
            "connector_name": bot.get("connector"),
            **config,
            "id": controller_id,
            "controller_name": plugin,
            "controller_type": spec.controller_type,
        }
        if full.get("connector_name") != bot.get("connector"):
            errors.append(
                f"{at}.config.connector_name: {full.get('connector_name')!r} but the bot's connector "
                f"(and credentials) is {bot.get('connector')!r}"
            )
            continue
        problems = registry.validate(full)
        errors.extend(f"{at}.config.{problem}" for problem in problems)
        if problems:
            continue
        hot = sorted(_updatable_fields(registry, plugin))
        controllers.append(
            {
                "id": controller_id,
                "plugin": plugin,
                "file": f"{controller_id}.yml",
                "config": full,
                "hot_fields": hot,
                "cold_digest": _digest({k: v for k, v in full.items() if k not in hot}),
            }
        )
        for item in registry.files_to_ship(plugin):
            ship[str(item.destination)] = str(item.source)
    files = [
        {"src": src, "dest": dest, "digest": _file_digest(Path(src))} for dest, src in sorted(ship.items())
    ]
    return controllers, files


def _mounts(files: list) -> list:
    """Read-only mounts: each controller module as a file, each shared folder (shared_base) as one folder."""
    mounts = {}
    for item in files:
        dest = PurePosixPath(item["dest"])
        parts = dest.parts  # controllers/<type or shared_base>/...
        rel = PurePosixPath(*parts[:2]) if len(parts) >= 3 and parts[1] == "shared_base" else dest
        mounts[str(rel)] = {"host": f"plugins/{rel}", "container": str(CONTAINER_ROOT / rel)}
    return [mounts[key] for key in sorted(mounts)]


def hbot_bots_plan(bots: Any, defaults: dict, credentials: Any, connector_keys: dict) -> dict:
    """Validate every bot and controller; return the plan the role applies (or the errors)."""
    errors: list[str] = []
    planned: list[dict] = []
    bots, credentials = _untagged(bots), _untagged(credentials)
    if not isinstance(bots, list):
        return {
            "errors": [f"hummingbot_bots: expected a list of bots, got {type(bots).__name__}"],
            "bots": [],
        }
    if not isinstance(credentials, dict):
        credentials = {}
        errors.append("hummingbot_credentials: expected a mapping (from ansible-vault) of name -> API keys")
    registry = _registry()
    for name, reason in sorted(registry.plugin_failures.items()):
        errors.append(f"hummingbot_bots: strategy plugin {name!r} failed to load: {reason}")
    names: dict[str, int] = {}
    databases: dict[str, int] = {}
    for index, bot in enumerate(bots):
        where = f"hummingbot_bots[{index}]"
        if not isinstance(bot, dict):
            errors.append(f"{where}: expected a mapping (name, connector, credentials, controllers, ...)")
            continue
        errors.extend(unknown_keys(where, bot, BOT_KEYS))
        limits = bot.get("limits", {})
        if not isinstance(limits, dict):
            errors.append(f"{where}.limits: expected a mapping of alert limits (max_drawdown_quote, ...)")
        name = bot.get("name")
        if not isinstance(name, str) or not BOT_NAME.match(name) or name in RESERVED_NAMES:
            errors.append(
                f"{where}.name: {name!r} is not safe as a folder and container name "
                f"(lowercase letter first, then a-z 0-9 _ -, at most 31; not {sorted(RESERVED_NAMES)})"
            )
            continue
        if name in names:
            errors.append(f"{where}.name: {name!r} is already used by hummingbot_bots[{names[name]}]")
            continue
        names[name] = index
        image = bot.get("image", defaults["image"])
        if not isinstance(image, str) or not _image_pinned(image):
            errors.append(
                f"{where}.image: {image!r} has no version; pin a tag other than latest "
                f"(e.g. hummingbot/hummingbot:version-2.12.0) or a digest"
            )
        connector = bot.get("connector")
        if connector not in connector_keys:
            near = difflib.get_close_matches(str(connector), sorted(connector_keys), n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(sorted(connector_keys))}"
            errors.append(
                f"{where}.connector: {connector!r} is not a connector Hummingbot knows; {hint} "
                f"(hummingbot_connector_key_fields)"
            )
            connector = None
        ref = bot.get("credentials")
        keys = credentials.get(ref) if isinstance(ref, str) else None
        if not isinstance(keys, dict):
            errors.append(
                f"{where}.credentials: {ref!r} is not in hummingbot_credentials (the vault); "
                f"known: {sorted(credentials)}"
            )
        elif connector:
            for field in connector_keys[connector]:
                if not str(keys.get(field) or "").strip():
                    errors.append(
                        f"hummingbot_credentials.{ref}.{field}: missing or empty in the vault "
                        f"({connector} needs {', '.join(connector_keys[connector])})"
                    )
            for field in sorted(set(keys) - set(connector_keys[connector])):
                errors.append(
                    f"hummingbot_credentials.{ref}.{field}: {connector} has no such key "
                    f"(expected {', '.join(connector_keys[connector])})"
                )
        state = bot.get("state", "enabled")
        if state not in STATES:
            errors.append(f"{where}.state: {state!r} is not one of {list(STATES)}")
        cpus = bot.get("cpus", defaults["cpus"])
        if isinstance(cpus, bool) or not isinstance(cpus, int | float) or not 0 < cpus <= 64:
            errors.append(f"{where}.cpus: {cpus!r} must be a number of CPUs, above 0 (e.g. 0.5)")
        memory = str(bot.get("memory", defaults["memory"]))
        if not MEMORY.match(memory) or int(memory[:-1]) == 0:
            errors.append(f"{where}.memory: {memory!r} must be a size like 512m or 1g")
        drawdown = bot.get("max_global_drawdown_quote")
        if drawdown is not None and (
            isinstance(drawdown, bool) or not isinstance(drawdown, int | float) or drawdown <= 0
        ):
            errors.append(
                f"{where}.max_global_drawdown_quote: {drawdown!r} must be a positive number or unset"
            )
        folder = bot_folder(bot, defaults["root"])
        if not folder.startswith("/") or "/../" in f"{folder}/" or "/./" in f"{folder}/":
            errors.append(f"{where}.dir: {folder!r} must be an absolute path without . or ..")
        database = f"{folder}/data/{name}.sqlite"
        database_key = folder
        if database_key in databases:
            errors.append(
                f"{where}.dir: {folder!r} makes this bot share its folder and database "
                f"({folder}/data/*.sqlite) with hummingbot_bots[{databases[database_key]}]"
            )
        databases[database_key] = index
        controllers, files = _plan_controllers(registry, where, bot, errors)
        script = {
            "script_file_name": defaults["script"],
            "markets": {},
            "candles_config": [],
            "controllers_config": [c["file"] for c in controllers],
            "max_global_drawdown_quote": drawdown,
        }
        planned.append(
            {
                "name": name,
                "dir": folder,
                "image": image,
                "connector": connector,
                "credentials": ref,
                "state": state,
                "cpus": cpus,
                "memory": memory,
                "database": database,
                "script_config": f"{name}.yml",
                "script": script,
                "controllers": controllers,
                "files": files,
                "mounts": _mounts(files),
                "cold_digest": _digest(
                    {
                        "script": script,
                        "controllers": [c["cold_digest"] for c in controllers],
                        "files": [f["digest"] for f in files],
                    }
                ),
            }
        )
    return {"errors": errors, "bots": planned if not errors else []}


def hbot_exporter_bots(bots: Any, root: str) -> list[dict]:
    """What the bot exporter reads for each bot the bots role runs on this host (every bot not declared
    stopped): its database, errors.log and MQTT instance id, from the one declaration in hummingbot_bots,
    and its alert limits (the bot's `limits`). Malformed entries are skipped here: the bots preflight
    names them."""
    if not isinstance(bots, list):
        return []
    watched = []
    for bot in bots:
        if not isinstance(bot, dict) or not isinstance(bot.get("name"), str) or bot.get("state") == "stopped":
            continue
        folder, name = bot_folder(bot, root), bot["name"]
        watched.append(
            {
                "name": name,
                "db_path": f"{folder}/data/{name}.sqlite",
                "errors_log_path": f"{folder}/logs/errors.log",
                "mqtt_instance_id": name,
                "limits": bot.get("limits") or {},
            }
        )
    return watched


class FilterModule:
    def filters(self):
        return {"hbot_bots_plan": hbot_bots_plan, "hbot_exporter_bots": hbot_exporter_bots}
