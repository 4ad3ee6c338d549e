#!/usr/bin/env bash
# Validate everything in monitoring/ with the real tools, built from Debian's packages:
#   promtool check config / check rules / test rules, amtool check-config.
#
#   monitoring/check.sh                    # Debian trixie's Prometheus and Alertmanager
#   HBOT_MONITORING_SUITES="bookworm trixie" monitoring/check.sh   # both: older and newer
#
# Templates are rendered with monitoring/examples/vars.yml (or $HBOT_MONITORING_VARS) first.
# The images are built once and reused (sandbox/sandboxctl.py caches them by content).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SUITES=${HBOT_MONITORING_SUITES:-trixie}
VARS=${HBOT_MONITORING_VARS:-$HERE/examples/vars.yml}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}

RENDERED=$(mktemp -d)
trap 'rm -rf "$RENDERED"' EXIT
"$PYTHON" "$HERE/render_examples.py" "$RENDERED" "$VARS"
chmod -R a+rX "$RENDERED"

for suite in $SUITES; do
    prometheus=$(python3 "$REPO/sandbox/sandboxctl.py" build --kind prometheus --suite "$suite")
    alertmanager=$(python3 "$REPO/sandbox/sandboxctl.py" build --kind alertmanager --suite "$suite")
    run=(docker run --rm --network none -v "$HERE:/monitoring:ro" -v "$RENDERED:/rendered:ro")
    echo "== $suite: $("${run[@]}" --entrypoint promtool "$prometheus" --version | head -1)"
    "${run[@]}" --entrypoint promtool "$prometheus" check config /rendered/prometheus.yml
    "${run[@]}" --entrypoint sh "$prometheus" -c 'promtool check rules /monitoring/prometheus/rules/*.yml'
    "${run[@]}" -w /monitoring/prometheus/tests --entrypoint sh "$prometheus" -c 'promtool test rules *.yml'
    echo "== $suite: $("${run[@]}" --entrypoint amtool "$alertmanager" --version | head -1)"
    "${run[@]}" --entrypoint amtool "$alertmanager" check-config /rendered/alertmanager.yml
done
echo "monitoring/check.sh: all checks passed ($SUITES)"
