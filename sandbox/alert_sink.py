"""Test-only webhook receiver: appends each POSTed body to a file, one JSON line per notification.

    python3 alert_sink.py OUTPUT_FILE [PORT]

It stands in for the operator's webhook endpoint in the sandbox; the product's receivers come from
the inventory (webhook URL, Telegram, email).
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_BODY_BYTES = 1024 * 1024


def notification_line(body: bytes, received: float) -> str:
    """One JSON line: when it arrived and the body Alertmanager sent (or the raw text if not JSON)."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = body.decode(errors="replace")
    return json.dumps({"received": received, "body": payload}, sort_keys=True) + "\n"


def handler_for(output: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
            line = notification_line(self.rfile.read(length), time.time())
            with open(output, "a", encoding="utf-8") as sink:
                sink.write(line)
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            sys.stderr.write(f"alert-sink: {format % args}\n")

    return Handler


def main(argv: list[str]) -> int:
    output = argv[0]
    port = int(argv[1]) if len(argv) > 1 else 9199
    HTTPServer(("0.0.0.0", port), handler_for(output)).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
