#!/usr/bin/env python
"""Prepare one bot's host folder before it starts; run by the bots role in a one-shot container of the
bot's own image, with the bot folder mounted at /target and its conf/ at /home/hummingbot/conf.

1. Built-ins: copy the image's scripts/ and controllers/ into the bot folder. A file is written when it
   is missing or still exactly what an earlier image put there (.hbot-builtins.json records that);
   a file the operator changed is never overwritten, only reported by name.
2. Unattended first boot with Hummingbot's own crypto (ETHKeyFileSecretManger): conf/.password_verification
   and conf/connectors/<connector>.yml for each connector of HBOT_CONNECTORS (the bot's own, and a
   hedged bot's perpetual), rewritten only when the password or a key changes (a paper bot has no
   connectors: only the password check).
3. conf/conf_client.yml: instance_id and the mqtt_bridge section, written through Hummingbot's own model.

Input (environment, never arguments): HBOT_IMAGE_ID, HBOT_CONFIG_PASSWORD, HBOT_CONNECTORS (JSON:
connector -> its keys, field names without the connector prefix), HBOT_CLIENT_CONFIG (JSON).
Output: one JSON line {"changed": [...], "operator_edited": [...]}; exit 2 with {"error": ...} on bad input.
"""

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

TARGET = Path("/target")
IMAGE_ROOT = Path("/home/hummingbot")
# The official image compiles Hummingbot in place in its source tree and does not install it: Python
# imports it from /home/hummingbot, as the image's bin/path_util.py arranges for bin/ scripts.
sys.path.insert(0, str(IMAGE_ROOT))
BUILTIN_DIRS = ("scripts", "controllers")
MANIFEST = TARGET / ".hbot-builtins.json"


class BadInput(Exception):
    pass


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync_builtins(image_id: str, changed: list, edited: list) -> None:
    recorded = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {"files": {}}
    files = dict(recorded.get("files", {}))
    for folder in BUILTIN_DIRS:
        for source in sorted((IMAGE_ROOT / folder).rglob("*")):
            if not source.is_file() or "__pycache__" in source.parts:
                continue
            relative = str(source.relative_to(IMAGE_ROOT))
            target = TARGET / relative
            wanted = sha256(source)
            if target.is_file():
                current = sha256(target)
                if current == wanted:
                    files[relative] = wanted
                    continue
                if current != files.get(relative):
                    edited.append(relative)  # the operator's version stays
                    continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            target.chmod(0o644)
            files[relative] = wanted
            changed.append(relative)
    manifest = {"image": image_id, "files": files}
    if manifest != recorded:
        MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        MANIFEST.chmod(0o644)
        if not changed:
            changed.append(MANIFEST.name)


def first_boot(password: str, connectors: dict[str, dict], changed: list) -> None:
    from hummingbot.client.config.config_crypt import (
        PASSWORD_VERIFICATION_PATH,
        ETHKeyFileSecretManger,
        store_password_verification,
        validate_password,
    )
    from hummingbot.client.config.config_helpers import get_connector_config_yml_path, list_connector_configs
    from hummingbot.client.config.security import Security

    if not password:
        raise BadInput("config password: empty")
    secrets = ETHKeyFileSecretManger(password)
    Security.secrets_manager = secrets
    ours = {get_connector_config_yml_path(connector) for connector in connectors}
    password_changed = PASSWORD_VERIFICATION_PATH.exists() and not validate_password(secrets)
    if password_changed:
        # Other connector files were encrypted with the old password; the bot could not decrypt them.
        others = [p.name for p in list_connector_configs() if p not in ours]
        if others:
            raise BadInput(
                f"config password changed but conf/connectors/ holds other files encrypted with the old "
                f"one: {', '.join(others)}; remove them or keep the old password"
            )
    if password_changed or not PASSWORD_VERIFICATION_PATH.exists():
        store_password_verification(secrets)
        changed.append("conf/.password_verification")
    PASSWORD_VERIFICATION_PATH.chmod(0o600)
    for connector, keys in connectors.items():  # none for a paper bot: its paper engine needs no keys
        write_keys(connector, keys, password_changed, changed)


def write_keys(connector: str, keys: dict, password_changed: bool, changed: list) -> None:
    """conf/connectors/<connector>.yml, encrypted, unless it already holds exactly these keys."""
    from hummingbot.client.config.config_helpers import (
        ClientConfigAdapter,
        get_connector_config_yml_path,
        load_connector_config_map_from_file,
        save_to_yml,
    )
    from hummingbot.client.settings import AllConnectorSettings

    connector_file = get_connector_config_yml_path(connector)
    template = AllConnectorSettings.get_connector_config_keys(connector)
    if template is None:
        raise BadInput(f"connector {connector!r}: Hummingbot has no such connector with API keys")
    fields = [name for name in type(template).model_fields if name != "connector"]
    wanted = {f"{connector}_{key}": str(value) for key, value in keys.items()}
    unknown = sorted(set(wanted) - set(fields))
    missing = sorted(set(fields) - set(wanted))
    if unknown or missing:
        strip = len(connector) + 1
        raise BadInput(
            f"credentials for {connector}: expected keys {[f[strip:] for f in fields]}; "
            f"missing {[f[strip:] for f in missing]}, unknown {[f[strip:] for f in unknown]}"
        )
    if connector_file.exists() and not password_changed:
        try:
            current = load_connector_config_map_from_file(connector_file)
            same = all(_plain(getattr(current, name)) == value for name, value in wanted.items())
        except Exception:  # unreadable or not ours: rewrite it
            same = False
        if same:
            connector_file.chmod(0o600)
            return
    config = ClientConfigAdapter(template.model_copy())
    for name, value in wanted.items():
        setattr(config, name, value)
    save_to_yml(connector_file, config)
    connector_file.chmod(0o600)
    changed.append(f"conf/connectors/{connector_file.name}")


def _plain(value):
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def client_config(overrides: dict, changed: list) -> None:
    from hummingbot.client.config.config_helpers import load_client_config_map_from_file, save_to_yml
    from hummingbot.client.settings import CLIENT_CONFIG_PATH

    before = CLIENT_CONFIG_PATH.read_bytes() if CLIENT_CONFIG_PATH.exists() else b""
    config = load_client_config_map_from_file()
    for name, value in overrides.items():
        if isinstance(value, dict):
            section = getattr(config, name)
            for key, item in value.items():
                setattr(section, key, item)
        else:
            setattr(config, name, value)
    save_to_yml(CLIENT_CONFIG_PATH, config)
    # Reading it back rewrites it normalized (900 -> 900.0), as every start does.
    load_client_config_map_from_file()
    CLIENT_CONFIG_PATH.chmod(0o600)  # holds the MQTT password
    if CLIENT_CONFIG_PATH.read_bytes() != before:
        changed.append("conf/conf_client.yml")


def main() -> int:
    changed, edited = [], []
    try:
        sync_builtins(os.environ.get("HBOT_IMAGE_ID", ""), changed, edited)
        first_boot(
            os.environ.get("HBOT_CONFIG_PASSWORD", ""),
            json.loads(os.environ.get("HBOT_CONNECTORS") or "{}"),
            changed,
        )
        client_config(json.loads(os.environ.get("HBOT_CLIENT_CONFIG") or "{}"), changed)
    except BadInput as error:
        print(json.dumps({"error": str(error), "changed": changed}))
        return 2
    print(json.dumps({"changed": changed, "operator_edited": edited}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
