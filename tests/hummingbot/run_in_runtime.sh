#!/usr/bin/env bash
# Run a command inside the Hummingbot runtime image, building (or reusing) it first.
#
#   tests/hummingbot/run_in_runtime.sh pytest -q tests/hummingbot
#   tests/hummingbot/run_in_runtime.sh python tests/hummingbot/prove_backtest.py
#
# The repository is mounted read-only at /src (the working directory) and the shared candles
# read-only at /data/candles; /tmp is a fresh tmpfs. Nothing is written into the repository:
# no bytecode, no pytest cache. The container has no network unless HBOT_RUNTIME_NETWORK says
# otherwise, so whatever runs here is offline by construction.
#
# Why not controllers/analysis/runtime.py, the product's launcher: test suites need root in the image
# (the PostgreSQL test switches user with runuser), the candles at a fixed /data/candles and repository
# folders writable in place (HBOT_RUNTIME_RW); the product's launcher runs as the calling user with
# each input at its own path, and would need all three as options for this one caller.
#
# Environment: HBOT_RUNTIME_KIND (hummingbot-analysis: the Hummingbot runtime plus matplotlib, Optuna
# and PostgreSQL; `hummingbot` for the bare runtime), HBOT_RUNTIME_SUITE (trixie), HBOT_CANDLES_DIR (<repo>/../shared/data/candles),
# HBOT_RUNTIME_NETWORK (none), HBOT_RUNTIME_RW (none; e.g. "docs"), PYTHON (python3, runs sandboxctl
# on the host).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SUITE=${HBOT_RUNTIME_SUITE:-trixie}
CANDLES=${HBOT_CANDLES_DIR:-$REPO/../shared/data/candles}
NETWORK=${HBOT_RUNTIME_NETWORK:-none}
KIND=${HBOT_RUNTIME_KIND:-hummingbot-analysis}

IMAGE=$("${PYTHON:-python3}" "$REPO/sandbox/sandboxctl.py" build --kind "$KIND" --suite "$SUITE")

[ "$#" -gt 0 ] || set -- pytest -q tests/hummingbot

args=(--rm --init --network "$NETWORK" --label hbot.runtime=1
      -v "$REPO:/src:ro" -w /src --tmpfs /tmp:rw,nosuid,size=2g
      -e PYTHONPATH=/src:/src/tests/hummingbot -e PYTHONDONTWRITEBYTECODE=1
      -e PYTEST_ADDOPTS="-p no:cacheprovider ${PYTEST_ADDOPTS:-}" -e HOME=/tmp)
# HBOT_RUNTIME_RW: space-separated repository folders mounted writable over the read-only /src,
# e.g. HBOT_RUNTIME_RW=docs for the benchmark scripts that write their figures there.
for rw in ${HBOT_RUNTIME_RW:-}; do
    mkdir -p "$REPO/$rw"
    args+=(-v "$(cd "$REPO/$rw" && pwd):/src/$rw:rw")
done
if [ -d "$CANDLES" ]; then
    args+=(-v "$(cd "$CANDLES" && pwd):/data/candles:ro" -e HBOT_CANDLES_DIR=/data/candles)
else
    echo "run_in_runtime: no candles at $CANDLES; /data/candles stays empty" >&2
fi
if [ -t 0 ] && [ -t 1 ]; then
    args+=(-it)
fi

exec docker run "${args[@]}" "$IMAGE" "$@"
