"""The connector list the bots preflight checks against is Hummingbot's own, not a hand list: the shipped
roles/hummingbot/files/hummingbot_connectors.json equals what the image's Hummingbot reports."""

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_connector_list_is_hummingbots():
    path = REPO / "tools" / "hummingbot_connectors.py"
    spec = importlib.util.spec_from_file_location("hummingbot_connectors", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    shipped = json.loads((REPO / "roles/hummingbot/files/hummingbot_connectors.json").read_text())
    assert shipped["connectors"] == tool.connectors()
    assert shipped["connectors"]["bitget"] == ["api_key", "secret_key", "passphrase"]
