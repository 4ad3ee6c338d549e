#!/usr/bin/env python3
"""Vault password client for the sandbox: prints $HBOT_SANDBOX_STATE/vault-pass, creating it (random,
0600) on first use. Point ANSIBLE_VAULT_PASSWORD_FILE here; nothing secret is ever committed.

Several ansible processes may start at once on a fresh clone (ansible-lint's parallel syntax checks):
the file is written whole under a temporary name and linked into place, so a reader never sees it
half-written, and the first process to link it wins."""

import os
import secrets
import tempfile
from pathlib import Path

state = Path(
    os.environ.get("HBOT_SANDBOX_STATE", Path(__file__).resolve().parents[1] / "inventories/sandbox/.state")
)
state.mkdir(mode=0o700, parents=True, exist_ok=True)
password_file = state / "vault-pass"
if not password_file.exists():
    descriptor, temporary = tempfile.mkstemp(dir=state, prefix=".vault-pass-")  # created 0600
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        os.link(temporary, password_file)
    except FileExistsError:
        pass  # another process published it first; use theirs
    finally:
        os.unlink(temporary)
print(password_file.read_text().strip())
