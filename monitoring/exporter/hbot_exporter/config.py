"""Exporter configuration: which bots to read and where, validated before anything starts.

Every error names the offending field (for example `bots[1].db_path: Field required`), so the
monitoring role can fail before it changes a host.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BOT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
# MQTT topic levels must not contain wildcards or separators.
INSTANCE_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,128}$"
PASSWORD_ENV = "HBOT_EXPORTER_MQTT_PASSWORD"


class ConfigError(ValueError):
    """Invalid exporter configuration; the message names every offending field."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BotLimits(StrictModel):
    """Thresholds the alert rules compare against; exported as hbot_limit_* gauges."""

    max_drawdown_quote: Annotated[float, Field(gt=0)] | None = None
    no_fill_seconds: Annotated[float, Field(gt=0)] = 3600.0
    # Off unless set: a directional controller may rightly hold no order for hours.
    no_quote_seconds: Annotated[float, Field(gt=0)] | None = None
    max_inventory_base: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)


class BotConfig(StrictModel):
    name: str = Field(pattern=BOT_NAME_PATTERN)
    db_path: Path
    errors_log_path: Path
    mqtt_instance_id: str = Field(pattern=INSTANCE_ID_PATTERN)
    limits: BotLimits = Field(default_factory=BotLimits)
    # paper: the bot trades on Hummingbot's paper engine; every series of the bot carries mode="paper".
    mode: Literal["live", "paper"] = "live"

    @property
    def health_path(self) -> Path:
        """logs/health.json, beside errors.log: the bot's own account of whether it can trade."""
        return self.errors_log_path.with_name("health.json")

    @field_validator("db_path", "errors_log_path")
    @classmethod
    def absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"must be an absolute path, got {str(value)!r}")
        return value


class MqttConfig(StrictModel):
    host: str = Field(min_length=1)
    port: Annotated[int, Field(ge=1, le=65535)] = 1883
    username: str | None = None
    # Prefer password_file or the HBOT_EXPORTER_MQTT_PASSWORD environment variable over inline.
    password: str | None = None
    password_file: Path | None = None
    namespace: str = Field(default="hbot", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    client_id: str = Field(default="hbot-exporter", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    keepalive_seconds: Annotated[int, Field(ge=5, le=3600)] = 30
    # Hummingbot's performance report is well under 1 KB per controller; anything far larger is refused.
    max_payload_bytes: Annotated[int, Field(ge=256, le=16 * 1024 * 1024)] = 64 * 1024

    @model_validator(mode="after")
    def credentials_pair(self) -> MqttConfig:
        if self.password is not None and self.password_file is not None:
            raise ValueError("set only one of password and password_file")
        if (self.password is not None or self.password_file is not None) and not self.username:
            raise ValueError("username is required when a password is set")
        return self

    def resolved_password(self) -> str | None:
        if self.password_file is not None:
            return self.password_file.read_text().strip()
        return self.password if self.password is not None else os.environ.get(PASSWORD_ENV)


class ExporterConfig(StrictModel):
    listen_address: str = "127.0.0.1"
    listen_port: Annotated[int, Field(ge=1, le=65535)] = 9400
    mqtt: MqttConfig
    # A bot is down when no heartbeat arrived for this long; Hummingbot sends one every 10 s.
    heartbeat_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    # Controller PnL and state older than this are dropped rather than shown as current.
    controller_stale_seconds: Annotated[float, Field(gt=0)] = 300.0
    # Caps the work of one scrape: a large backlog (first start on a big DB) is read over several.
    max_rows_per_scrape: Annotated[int, Field(ge=100)] = 100_000
    max_errors_log_bytes_per_scrape: Annotated[int, Field(ge=4096)] = 4 * 1024 * 1024
    # How long a scrape waits for a locked database before reporting it down.
    db_busy_timeout_ms: Annotated[int, Field(ge=0, le=5000)] = 50
    # Distinct pair/controller label values kept per bot; the rest are reported as "other".
    max_label_values: Annotated[int, Field(ge=1, le=1000)] = 50
    bots: list[BotConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_bots(self) -> ExporterConfig:
        for field in ("name", "mqtt_instance_id", "db_path", "errors_log_path"):
            seen: dict[Any, int] = {}
            for index, bot in enumerate(self.bots):
                value = getattr(bot, field)
                if value in seen:
                    raise ValueError(
                        f"bots[{index}].{field}: {str(value)!r} is already used by bots[{seen[value]}]"
                    )
                seen[value] = index
        return self


def format_errors(error: ValidationError) -> list[str]:
    messages = []
    for item in error.errors():
        location = ""
        for part in item["loc"]:
            location += f"[{part}]" if isinstance(part, int) else (f".{part}" if location else str(part))
        message = item["msg"].removeprefix("Value error, ")
        messages.append(f"{location}: {message}" if location else message)
    return messages


def parse_config(data: Any) -> ExporterConfig:
    if not isinstance(data, dict):
        raise ConfigError("exporter config: the top level must be a mapping")
    try:
        return ExporterConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError("invalid exporter config: " + "; ".join(format_errors(error))) from None


def load_config(path: Path) -> ExporterConfig:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise ConfigError(f"cannot read exporter config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"exporter config {path} is not valid YAML: {error}") from None
    return parse_config(data)
