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
import math
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from controllers.plugin_system.registry import ConfigError
from controllers.shared_base.indicators import interval_seconds
from controllers.shared_base.plain import digest

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


PAPER_SUFFIX = "_paper_trade"
REPLAY_IN_CONTAINER = CONTAINER_ROOT / "data/replay/candles.csv"  # beside it, a `halt` file pauses the feed
REPLAY_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
TRADING_RULE_FIELDS = (
    "min_order_size",
    "min_price_increment",
    "min_base_amount_increment",
    "min_notional_size",
)


class ReplayDeclaration(BaseModel):
    """paper.replay: recorded candles the paper connector replays (the sandbox, CI, a rehearsal)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    candles: str  # CSV on the control node (relative: to the inventory's folder)
    trading_pair: str
    speed: float = Field(default=60.0, gt=0, le=10_000)  # replayed seconds per real second
    spread_bps: float = Field(default=2.0, gt=0, le=1_000)  # half-spread of the replayed book
    history_bars: int = Field(default=500, ge=0)  # bars the strategies see as history at the start
    trading_rules: dict[str, float] = Field(default_factory=dict)

    _numbers = field_validator("speed", "spread_bps", "history_bars", mode="before")(number_or_error)

    @field_validator("trading_rules")
    @classmethod
    def _rule_fields(cls, rules: dict[str, float]) -> dict[str, float]:
        for name, value in rules.items():
            if name not in TRADING_RULE_FIELDS:
                raise ValueError(f"{name!r} is not a trading rule{nearest(name, TRADING_RULE_FIELDS)}")
            if value < 0:
                raise ValueError(f"{name}: {value} is below 0")
        return rules


def _some_balance(balances: dict[str, float]) -> dict[str, float]:
    if not balances:
        raise ValueError("set the paper account's starting balance per asset, e.g. {USDT: 1000, ETH: 0.5}")
    for asset, amount in balances.items():
        if isinstance(amount, bool) or amount < 0:
            raise ValueError(f"{asset}: {amount!r} must be a number, 0 or more")
    return balances


class PaperPerpetualDeclaration(BaseModel):
    """paper.perpetual: the paper perpetual account a paper hedged_mm hedges on (the role's
    hbot_paper.PaperPerpetual: market orders on the replay's own prices, zero basis, constant funding)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    balances: dict[str, float]  # its collateral, a separate account from the spot one, e.g. {BTC: 0.5}
    funding_rate: float = Field(default=0.0001, gt=-0.05, lt=0.05)  # per period; longs pay when > 0
    funding_hours: float = Field(default=8.0, gt=0, le=24)  # the funding period, in replayed hours

    _numbers = field_validator("funding_rate", "funding_hours", mode="before")(number_or_error)
    _balances = field_validator("balances")(_some_balance)


class PaperDeclaration(BaseModel):
    """paper: what a `mode: paper` bot trades with, and on which market data."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    balances: dict[str, float]
    market: Literal["live", "replay"] = "live"
    replay: ReplayDeclaration | None = None
    perpetual: PaperPerpetualDeclaration | None = None  # a hedged_mm's hedge account (replay only)

    _balances = field_validator("balances")(_some_balance)


class BotDeclaration(BaseModel):
    """One entry of hummingbot_bots, as the operator writes it."""

    model_config = ConfigDict(extra="forbid", strict=False, allow_inf_nan=False)

    name: str
    connector: Any = None
    credentials: Any = None
    # More exchange accounts a live bot trades on (connector -> key of hummingbot_credentials): a
    # hedged_mm's perpetual (hedge_connector_name), whose keys the bot also needs.
    extra_connectors: dict[str, str] = Field(default_factory=dict)
    controllers: Any = None
    image: str | None = None
    cpus: float | None = Field(default=None, gt=0, le=64)
    memory: str | None = None
    state: Literal["enabled", "stopped"] = "enabled"
    # paper: Hummingbot's paper engine with the balances of `paper`, on live or replayed market data.
    mode: Literal["live", "paper"] = "live"
    paper: PaperDeclaration | None = None
    max_global_drawdown_quote: float | None = Field(default=None, gt=0)
    # Share of the exchange's rate limits this bot may use (Hummingbot's rate_limits_share_pct). Unset:
    # what the bots that set it leave, split evenly among the bots on the same exchange and host.
    rate_limits_share_pct: float | None = Field(default=None, gt=0, le=100)
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
    _numbers = field_validator("cpus", "max_global_drawdown_quote", "rate_limits_share_pct", mode="before")(
        number_or_error
    )

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
    inventory_dir: str = ""  # relative paths in the inventory (paper.replay.candles) are relative to it

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


def _updatable_fields(registry, name: str) -> set[str]:
    fields = registry.params_model(name).model_fields
    return HUMMINGBOT_UPDATABLE | {
        field
        for field, info in fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("is_updatable")
    }


def _paper_controller(full: dict, at: str, bot: dict, replay: dict | None, errors: list) -> None:
    """A paper bot's controller trades on <exchange>_paper_trade and reads candles from the exchange
    (live) or the replay, whose pair and bar interval it must match."""
    if replay is not None:
        if full.get("trading_pair") != replay["trading_pair"]:
            errors.append(
                f"{at}.config.trading_pair: {full.get('trading_pair')!r} but the bot's replay "
                f"(paper.replay.trading_pair) holds {replay['trading_pair']!r}"
            )
        # The registry has validated the interval; controllers without candles have none.
        seconds = interval_seconds(full["interval"]) if full.get("interval") else None
        if seconds is not None and seconds % replay["interval"]:
            errors.append(
                f"{at}.config.interval: {full.get('interval')!r} is not a multiple of the replay's "
                f"{replay['interval']:.0f}s candles (paper.replay.candles)"
            )
    hedge = full.get("hedge_connector_name")
    if hedge:
        # Hummingbot's paper connectors are spot only: the hedge goes to the role's paper perpetual, on
        # the replay's own prices, so its pair must be the replay's.
        if not (bot.get("paper") or {}).get("perpetual"):
            errors.append(
                f"{at}.config.hedge_connector_name: {hedge!r}: a paper bot hedges on a paper perpetual "
                f"account; set paper.perpetual (its collateral balances) on the bot"
            )
        elif replay is not None and full.get("hedge_trading_pair") != replay["trading_pair"]:
            errors.append(
                f"{at}.config.hedge_trading_pair: {full.get('hedge_trading_pair')!r} but the paper perpetual "
                f"replays {replay['trading_pair']!r} (paper.replay.trading_pair, zero basis)"
            )
        full["hedge_connector_name"] = f"{hedge}{PAPER_SUFFIX}"
    if "candles_connector" in full and not full.get("candles_connector"):
        full["candles_connector"] = bot.get("connector")
    full["connector_name"] = f"{bot.get('connector')}{PAPER_SUFFIX}"


def _plan_controllers(
    registry, where: str, bot: dict, errors: list, replay: dict | None = None
) -> tuple[list, list]:
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
        try:
            checked = registry.check(full)
        except ConfigError as error:
            errors.extend(f"{at}.config.{problem}" for problem in error.errors)
            continue
        if bot.get("mode") == "paper":
            _paper_controller(full, at, bot, replay, errors)
        hot = sorted(_updatable_fields(registry, plugin))
        controllers.append(
            {
                "id": controller_id,
                "plugin": plugin,
                "file": f"{controller_id}.yml",
                "config": full,
                "hot_fields": hot,
                "cold_digest": digest({k: v for k, v in full.items() if k not in hot}),
                # What a backtest report of this config carries (the backtest gate compares them): the
                # config as the operator wrote it for the exchange, before a paper bot's connector swap.
                "fingerprint": checked.fingerprint,
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


def _check_credentials(at: str, ref: Any, connector, credentials: dict, connector_keys: dict, errors):
    """The vault entry `ref` (named at `at`) holds exactly the keys `connector` needs."""
    keys = credentials.get(ref) if isinstance(ref, str) else None
    if not isinstance(keys, dict):
        errors.append(
            f"{at}: {ref!r} is not in hummingbot_credentials (the vault); known: {sorted(credentials)}"
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


def _paper_perpetual_exchange(where: str, controllers: list, errors: list) -> str | None:
    """The exchange of a paper bot's perpetual account: its hedged controllers' one hedge connector."""
    hedges = sorted(
        {
            c["config"]["hedge_connector_name"].removesuffix(PAPER_SUFFIX)
            for c in controllers
            if c["config"].get("hedge_connector_name")
        }
    )
    if len(hedges) == 1:
        return hedges[0]
    errors.append(
        f"{where}.paper.perpetual: no controller hedges on a perpetual (remove it)"
        if not hedges
        else f"{where}.paper.perpetual: one paper perpetual account per bot, but the controllers hedge on "
        f"{', '.join(hedges)}"
    )
    return None


def _check_extra_connectors(
    where: str, bot: BotDeclaration, controllers: list, credentials: dict, connector_keys: dict, errors: list
) -> dict[str, str]:
    """Every connector the bot's controllers trade on besides the bot's own has keys: an entry of
    extra_connectors, live only. Returns connector -> credentials name, the bot's own first."""
    connectors = {str(bot.connector): str(bot.credentials)} if bot.mode == "live" else {}
    if bot.extra_connectors and bot.mode != "live":
        errors.append(f"{where}.extra_connectors: a paper bot trades on no exchange account (remove it)")
        return connectors
    for connector, ref in sorted(bot.extra_connectors.items()):
        at = f"{where}.extra_connectors.{connector}"
        if connector == bot.connector:
            errors.append(f"{at}: the bot's own connector (its keys are `credentials`)")
        elif connector not in connector_keys:
            hint = nearest(connector, sorted(connector_keys)).removeprefix("; ")
            errors.append(f"{at}: not a connector Hummingbot knows; {hint} (hummingbot_connector_key_fields)")
        else:
            _check_credentials(at, ref, connector, credentials, connector_keys, errors)
            connectors[connector] = ref
    if bot.mode == "live":
        for index, controller in enumerate(controllers):
            hedge = controller["config"].get("hedge_connector_name")
            if hedge and hedge != bot.connector and hedge not in bot.extra_connectors:
                errors.append(
                    f"{where}.controllers[{index}].config.hedge_connector_name: {hedge!r} has no keys on this"
                    f" bot; add it to {where}.extra_connectors with its hummingbot_credentials entry"
                )
    return connectors


def _read_replay(where: str, declaration: ReplayDeclaration, inventory_dir: str, errors: list) -> dict | None:
    """The replay's candles on the control node: readable, with the columns and a regular interval."""
    at = f"{where}.paper.replay.candles"
    path = Path(declaration.candles)
    if not path.is_absolute():
        path = Path(inventory_dir or ".") / path
    try:
        with path.open(newline="") as handle:
            header = handle.readline().strip().split(",")
            rows = [handle.readline().strip().split(",") for _ in range(2)]
        missing = [column for column in REPLAY_COLUMNS if column not in header]
        if missing:
            errors.append(
                f"{at}: {path} lacks the columns {', '.join(missing)} (needs {', '.join(REPLAY_COLUMNS)})"
            )
            return None
        stamps = [float(row[header.index("timestamp")]) for row in rows]
    except (OSError, UnicodeDecodeError) as error:
        errors.append(f"{at}: cannot read {path}: {error.strerror if isinstance(error, OSError) else error}")
        return None
    except (ValueError, IndexError):
        errors.append(f"{at}: {path} needs at least two rows of numbers under its header")
        return None
    if stamps[1] <= stamps[0]:
        errors.append(f"{at}: {path}'s timestamps must rise (seconds, one row per bar)")
        return None
    return {
        "source": str(path.resolve()),
        "digest": hashlib.sha256(path.read_bytes()).hexdigest(),
        "trading_pair": declaration.trading_pair,
        "interval": stamps[1] - stamps[0],
    }


def _plan_paper(
    where: str, bot: BotDeclaration, inventory_dir: str, errors: list
) -> tuple[dict, dict | None]:
    """The `paper:` section of the V2 script's config (read by the role's hbot_paper.py), and the replay."""
    if bot.mode == "live":
        if bot.paper is not None:
            errors.append(f"{where}.mode: 'live' trades real money; set mode: paper to use the paper section")
        return {}, None
    if bot.paper is None:
        errors.append(f"{where}.paper: required with mode: paper (balances, and market: live or replay)")
        return {}, None
    paper = bot.paper
    if (paper.market == "replay") != (paper.replay is not None):
        errors.append(
            f"{where}.paper.replay: required with market: replay"
            if paper.replay is None
            else f"{where}.paper.market: {paper.market!r} with a replay section; set market: replay"
        )
        return {}, None
    section = {"exchange": None, "market": paper.market, "balances": paper.balances}
    if paper.perpetual is not None:
        if paper.replay is None:
            errors.append(
                f"{where}.paper.perpetual: needs market: replay (the paper perpetual replays its candles)"
            )
        # Its exchange is the hedged controllers' hedge connector (_paper_perpetual_exchange).
        section["perpetual"] = {"exchange": None, **paper.perpetual.model_dump()}
    if paper.replay is None:
        return section, None
    replay = _read_replay(where, paper.replay, inventory_dir, errors)
    section["replay"] = {
        **paper.replay.model_dump(exclude={"candles"}),
        "candles": str(REPLAY_IN_CONTAINER),
    }
    return section, replay


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
        paper, replay = _plan_paper(where, bot, base.inventory_dir, errors) if bot else ({}, None)
        if paper:
            paper["exchange"] = connector
        elif raw.get("mode", "live") == "live":
            ref = raw.get("credentials")
            _check_credentials(f"{where}.credentials", ref, connector, credentials, connector_keys, errors)
        folder = bot_folder(raw, base.root)
        if folder in folders:
            errors.append(
                f"{where}.dir: {folder!r} makes this bot share its folder and database "
                f"({folder}/data/*.sqlite) with hummingbot_bots[{folders[folder]}]"
            )
        folders[folder] = index
        controllers, files = _plan_controllers(registry, where, raw, errors, replay)
        if bot is None:
            continue
        connectors = _check_extra_connectors(where, bot, controllers, credentials, connector_keys, errors)
        if paper.get("perpetual"):
            paper["perpetual"]["exchange"] = _paper_perpetual_exchange(where, controllers, errors)
        script = {
            "script_file_name": base.script,
            "markets": {},
            "candles_config": [],
            "controllers_config": [c["file"] for c in controllers],
            "max_global_drawdown_quote": bot.max_global_drawdown_quote,
            "paper": paper,
        }
        planned.append(
            {
                "name": name,
                "dir": folder,
                "image": bot.image or base.image,
                "connector": connector,
                # Every exchange account the bot trades on (connector -> credentials name): the role
                # encrypts each one's keys into conf/connectors/. None for a paper bot.
                "connectors": connectors,
                "mode": bot.mode,
                "replay": replay,
                "state": bot.state,
                "cpus": bot.cpus if bot.cpus is not None else base.cpus,
                "memory": bot.memory or base.memory,
                "rate_limits_share_pct": bot.rate_limits_share_pct,
                "database": f"{folder}/data/{name}.sqlite",
                "script_config": f"{name}.yml",
                "script": script,
                "controllers": controllers,
                "files": files,
                "mounts": _mounts(files),
                "cold_digest": digest(
                    {
                        "script": script,
                        "controllers": [c["cold_digest"] for c in controllers],
                        "files": [f["digest"] for f in files],
                        "replay": replay and replay["digest"],
                    }
                ),
            }
        )
    _share_rate_limits(planned, names, errors)
    return {"errors": errors, "bots": planned if not errors else []}


def _share_rate_limits(planned: list[dict], names: dict[str, int], errors: list) -> None:
    """Bots on one host reach an exchange from one IP, and the exchange limits that IP (and an account)
    as a whole: several bots each using 100% get rate-limited, then banned. Every bot that talks to the
    same exchange (live, or paper on the live market) gets a share; shares set in the inventory are
    kept, the rest is split evenly among the others; a sum over 100 is refused. A replay bot talks to
    no exchange and keeps 100."""
    groups: dict[str, list[dict]] = {}
    for bot in planned:
        if bot["replay"] is None and bot["connector"]:
            groups.setdefault(bot["connector"], []).append(bot)
        elif bot["rate_limits_share_pct"] is None:
            bot["rate_limits_share_pct"] = 100.0
    for connector, bots in groups.items():
        fixed = [bot for bot in bots if bot["rate_limits_share_pct"] is not None]
        free = [bot for bot in bots if bot["rate_limits_share_pct"] is None]
        left = 100 - sum(bot["rate_limits_share_pct"] for bot in fixed)
        if left < 0 or (free and left <= 0):
            sharing = ", ".join(
                f"{bot['name']} {'unset' if bot in free else format(bot['rate_limits_share_pct'], 'g')}"
                for bot in bots
            )
            for bot in fixed:
                errors.append(
                    f"hummingbot_bots[{names[bot['name']]}].rate_limits_share_pct: the bots on {connector} "
                    f"share this host's IP and their shares must sum to 100 at most, with some left for "
                    f"each bot that sets none ({sharing})"
                )
            continue
        for bot in free:
            bot["rate_limits_share_pct"] = math.floor(left / len(free) * 100) / 100
    for bot in planned:  # 100, not 100.0: Hummingbot's own default, so a lone bot's conf is left as is
        share = bot["rate_limits_share_pct"]
        bot["rate_limits_share_pct"] = int(share) if share is not None and share == int(share) else share


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
                "mode": bot.get("mode") if bot.get("mode") in ("live", "paper") else "live",
            }
        )
    return watched
