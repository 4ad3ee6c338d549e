"""The bots' plan: every bot an inventory declares (`hummingbot_bots`), checked and turned into what the
bots role applies. Pure Python beside the strategy registry; the Ansible filter `hbot_bots_plan` is a thin
wrapper around `plan_bots`, so the rules here are the only ones.

Each bot's own fields are a pydantic model (`BotDeclaration`); what needs the whole list or the vault
(unique names and folders, credentials, controller configs through the registry) is checked in
`plan_bots`. Every error starts with the inventory path of the field at fault, e.g.
`hummingbot_bots[0].controllers[1].config.total_amount_quote: ...`, and never holds a secret.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BOT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")  # a folder, compose service, container and MQTT id
CONTROLLER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MEMORY = re.compile(r"^[0-9]+[kmg]$")
RESERVED_NAMES = {"mosquitto"}
# Hummingbot's own controller fields it re-reads live (ControllerConfigBase, is_updatable).
HUMMINGBOT_UPDATABLE = {"manual_kill_switch"}
CONTAINER_ROOT = PurePosixPath("/home/hummingbot")
CONTROLLER_KEYS = ("plugin", "id", "config", "backtest_report")


def image_pinned(image: Any) -> bool:
    """name:tag with a tag other than `latest`, or name@sha256:digest. The one rule for every image the
    roles run (the bots' and, through the `hbot_image_pinned` filter, the other roles' images)."""
    if not isinstance(image, str) or not image or any(c.isspace() for c in image):
        return False
    if "@" in image:
        return re.fullmatch(r"[^@]+@sha256:[0-9a-f]{64}", image) is not None
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in ("", "latest")


def memory_size(value: Any) -> bool:
    """A Docker memory size such as 512m or 1g, above zero."""
    text = str(value)
    return MEMORY.fullmatch(text) is not None and int(text[:-1]) > 0


def pinned_or_error(image: Any) -> Any:
    if image is not None and not image_pinned(image):
        raise ValueError(
            f"{image!r} has no version; pin a tag other than latest "
            f"(e.g. hummingbot/hummingbot:version-2.12.0) or a digest"
        )
    return image


def memory_or_error(memory: Any) -> Any:
    if memory is None:
        return None
    if not memory_size(memory):
        raise ValueError(f"{memory!r} must be a size like 512m or 1g")
    return str(memory)


def number_or_error(value: Any) -> Any:
    """YAML's `yes`/`true` must not pass as 1 CPU or a drawdown of 1."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} must be a number")
    return value


def nearest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """'; did you mean X?' for the closest known name, else the known names."""
    near = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(known)}"


class BotDeclaration(BaseModel):
    """One entry of hummingbot_bots, as the operator writes it."""

    model_config = ConfigDict(extra="forbid", strict=False, allow_inf_nan=False)

    name: str
    connector: Any = None
    credentials: Any = None
    controllers: Any = None
    image: str | None = None
    cpus: float | None = Field(default=None, gt=0, le=64)
    memory: str | None = None
    state: Literal["enabled", "stopped"] = "enabled"
    max_global_drawdown_quote: float | None = Field(default=None, gt=0)
    dir: str | None = None
    # The alert limits the monitoring layer's exporter applies to this bot (its config validates them).
    limits: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        if not BOT_NAME.match(name) or name in RESERVED_NAMES:
            raise ValueError(
                f"{name!r} is not safe as a folder and container name "
                f"(lowercase letter first, then a-z 0-9 _ -, at most 31; not {sorted(RESERVED_NAMES)})"
            )
        return name

    _pinned = field_validator("image")(pinned_or_error)
    _memory = field_validator("memory", mode="before")(memory_or_error)
    _numbers = field_validator("cpus", "max_global_drawdown_quote", mode="before")(number_or_error)

    @field_validator("limits", mode="before")
    @classmethod
    def _limits_mapping(cls, limits: Any) -> Any:
        if limits is None:
            return {}
        if not isinstance(limits, dict):
            raise ValueError("expected a mapping of alert limits (max_drawdown_quote, ...)")
        return limits

    @field_validator("dir")
    @classmethod
    def _absolute(cls, folder: str | None) -> str | None:
        if folder is None:
            return None
        folder = folder.rstrip("/")
        if not folder.startswith("/") or "/../" in f"{folder}/" or "/./" in f"{folder}/":
            raise ValueError(f"{folder!r} must be an absolute path without . or ..")
        return folder


class PlanDefaults(BaseModel):
    """The host-wide values a bot falls back to, each checked under the role variable that sets it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    image: str
    cpus: float = Field(gt=0, le=64)
    memory: str
    root: str
    script: str

    _pinned = field_validator("image")(pinned_or_error)
    _memory = field_validator("memory", mode="before")(memory_or_error)
    _numbers = field_validator("cpus", mode="before")(number_or_error)


# The role variable behind each of PlanDefaults' fields, for its errors.
DEFAULT_VARIABLES = {"image": "hummingbot_image", "cpus": "hummingbot_cpus", "memory": "hummingbot_memory"}


def bot_folder(bot: Mapping[str, Any], root: str) -> str:
    """A bot's host folder: its `dir`, or <hummingbot_root>/<name>."""
    return str(bot.get("dir") or f"{root}/{bot.get('name')}").rstrip("/")


def _errors(error: ValidationError, where: str, known: tuple[str, ...]) -> list[str]:
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            lines.append(f"{where}.{field}: unknown field{nearest(field, known)}")
            continue
        message = item["msg"].removeprefix("Value error, ")
        got = "" if item["type"].startswith("value_error") else f" (got {item.get('input')!r})"
        lines.append(f"{where}.{field}: {message}{got}" if field else f"{where}: {message}")
    return lines


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


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
        errors.extend(
            f"{at}.{key}: unknown field{nearest(key, CONTROLLER_KEYS)}"
            for key in sorted(set(map(str, entry)) - set(CONTROLLER_KEYS))
        )
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
        {"src": src, "dest": dest, "digest": hashlib.sha256(Path(src).read_bytes()).hexdigest()}
        for dest, src in sorted(ship.items())
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


def _check_credentials(where: str, bot: dict, connector, credentials: dict, connector_keys: dict, errors):
    ref = bot.get("credentials")
    keys = credentials.get(ref) if isinstance(ref, str) else None
    if not isinstance(keys, dict):
        errors.append(
            f"{where}.credentials: {ref!r} is not in hummingbot_credentials (the vault); "
            f"known: {sorted(credentials)}"
        )
        return
    if not connector:
        return
    wanted = connector_keys[connector]
    for field in wanted:
        if not str(keys.get(field) or "").strip():
            errors.append(
                f"hummingbot_credentials.{ref}.{field}: missing or empty in the vault "
                f"({connector} needs {', '.join(wanted)})"
            )
    for field in sorted(set(keys) - set(wanted)):
        errors.append(
            f"hummingbot_credentials.{ref}.{field}: {connector} has no such key "
            f"(expected {', '.join(wanted)})"
        )


def plan_bots(
    bots: Any, defaults: Any, credentials: Any, connector_keys: Mapping[str, list], registry
) -> dict:
    """Check every bot and controller; return {"errors": [...], "bots": [...]} (no bots if any error)."""
    errors: list[str] = []
    try:
        base = PlanDefaults.model_validate(defaults)
    except ValidationError as error:
        for item in error.errors():
            variable = DEFAULT_VARIABLES.get(str(item["loc"][0]), str(item["loc"][0]))
            errors.append(f"{variable}: {item['msg'].removeprefix('Value error, ')}")
        return {"errors": errors, "bots": []}
    if not isinstance(bots, list):
        problem = f"hummingbot_bots: expected a list of bots, got {type(bots).__name__}"
        return {"errors": [problem], "bots": []}
    if not isinstance(credentials, dict):
        credentials = {}
        errors.append("hummingbot_credentials: expected a mapping (from ansible-vault) of name -> API keys")
    for name, reason in sorted(registry.plugin_failures.items()):
        errors.append(f"hummingbot_bots: strategy plugin {name!r} failed to load: {reason}")
    known_fields = tuple(BotDeclaration.model_fields)
    names: dict[str, int] = {}
    folders: dict[str, int] = {}
    planned: list[dict] = []
    for index, raw in enumerate(bots):
        where = f"hummingbot_bots[{index}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: expected a mapping (name, connector, credentials, controllers, ...)")
            continue
        try:
            bot = BotDeclaration.model_validate(raw)
        except ValidationError as error:
            errors.extend(_errors(error, where, known_fields))
            bot = None
        name = raw.get("name")
        usable = isinstance(name, str) and BOT_NAME.match(name) and name not in RESERVED_NAMES
        if bot is None and not usable:
            continue  # without a usable name, nothing else about this bot can be planned
        if name in names:
            errors.append(f"{where}.name: {name!r} is already used by hummingbot_bots[{names[name]}]")
            continue
        names[name] = index
        connector = raw.get("connector")
        if connector not in connector_keys:
            hint = nearest(str(connector), sorted(connector_keys)).removeprefix("; ")
            errors.append(
                f"{where}.connector: {connector!r} is not a connector Hummingbot knows; {hint} "
                f"(hummingbot_connector_key_fields)"
            )
            connector = None
        _check_credentials(where, raw, connector, credentials, connector_keys, errors)
        folder = bot_folder(raw, base.root)
        if folder in folders:
            errors.append(
                f"{where}.dir: {folder!r} makes this bot share its folder and database "
                f"({folder}/data/*.sqlite) with hummingbot_bots[{folders[folder]}]"
            )
        folders[folder] = index
        controllers, files = _plan_controllers(registry, where, raw, errors)
        if bot is None:
            continue
        script = {
            "script_file_name": base.script,
            "markets": {},
            "candles_config": [],
            "controllers_config": [c["file"] for c in controllers],
            "max_global_drawdown_quote": bot.max_global_drawdown_quote,
        }
        planned.append(
            {
                "name": name,
                "dir": folder,
                "image": bot.image or base.image,
                "connector": connector,
                "credentials": raw.get("credentials"),
                "state": bot.state,
                "cpus": bot.cpus if bot.cpus is not None else base.cpus,
                "memory": bot.memory or base.memory,
                "database": f"{folder}/data/{name}.sqlite",
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


def exporter_bots(bots: Any, root: str) -> list[dict]:
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
