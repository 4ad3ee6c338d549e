"""Filter `hbot_mosquitto_passwd`: a Mosquitto 2 password-file line, computed on the controller.

Mosquitto's own format `user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>`. The salt is
derived from the password and user (HMAC), so the line is stable and the role stays idempotent
without running mosquitto_passwd (which takes the password as an argument) on the host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

ITERATIONS = 101  # mosquitto_passwd's default
SALT_BYTES = 12


def hbot_mosquitto_passwd(password: str, user: str) -> str:
    if not password:
        raise ValueError(f"MQTT password for {user!r} is empty")
    salt = hmac.new(password.encode(), f"hbot-mosquitto-salt:{user}".encode(), hashlib.sha256).digest()[
        :SALT_BYTES
    ]
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    return f"{user}:$7${ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


class FilterModule:
    def filters(self):
        return {"hbot_mosquitto_passwd": hbot_mosquitto_passwd}
