"""Print, as JSON, every connector Hummingbot knows with the API key fields it asks for (field names
without the connector prefix): what the bots preflight checks connectors and credentials against.
Runs where Hummingbot is importable (the runtime image):

    sandbox/sandboxctl.py build --kind hummingbot-analysis --suite trixie   # then, in that image:
    python tools/hummingbot_connectors.py > roles/hummingbot/files/hummingbot_connectors.json

`make runtime` fails when the shipped file differs from the image's Hummingbot.
"""

import json
import sys


def connectors() -> dict:
    from hummingbot.client.settings import AllConnectorSettings

    found = {}
    for name in sorted(AllConnectorSettings.get_connector_settings()):
        keys = AllConnectorSettings.get_connector_config_keys(name)
        fields = [] if keys is None else [f for f in type(keys).model_fields if f != "connector"]
        found[name] = [field.removeprefix(f"{name}_") for field in fields]
    return found


if __name__ == "__main__":
    json.dump({"hummingbot": "2.12.0", "connectors": connectors()}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
