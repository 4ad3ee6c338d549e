#!/usr/bin/env python3
"""Vault password client for the sandbox: prints $HBOT_SANDBOX_STATE/vault-pass, creating it (random,
0600) on first use. Point ANSIBLE_VAULT_PASSWORD_FILE here; nothing secret is ever committed."""

import os
import secrets
from pathlib import Path

state = Path(
    os.environ.get("HBOT_SANDBOX_STATE", Path(__file__).resolve().parents[3] / "inventories/sandbox/.state")
)
state.mkdir(mode=0o700, parents=True, exist_ok=True)
password_file = state / "vault-pass"
if not password_file.exists():
    descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
print(password_file.read_text().strip())
