#!/usr/bin/env bash
# Open Grafana, Prometheus and Alertmanager of one host through SSH: they listen on the host's
# loopback only. User, address, port, key and known_hosts come from the inventory.
#
#   monitoring/tunnel.sh HOST [INVENTORY]          # default inventory: ansible.cfg's
#   HBOT_TUNNEL_PROMETHEUS=19090 monitoring/tunnel.sh vps1 inventories/production/hosts.yml
#
# Local ports: HBOT_TUNNEL_GRAFANA (3000), HBOT_TUNNEL_PROMETHEUS (9090), HBOT_TUNNEL_ALERTMANAGER (9093).
# Runs until interrupted (Ctrl-C).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HOST=${1:?usage: monitoring/tunnel.sh HOST [INVENTORY]}
INVENTORY=${2:-}
export PATH="$REPO/.venv/bin:$PATH"
export ANSIBLE_CONFIG=${ANSIBLE_CONFIG:-$REPO/ansible.cfg}

# The host's variables, templated as a play would see them (ansible-inventory --host does not
# expand {{ inventory_dir }} and friends); no connection to the host is made.
# shellcheck disable=SC2016
FIELDS='{{ {"address": ansible_host | default(inventory_hostname), "port": ansible_port | default(22),
  "user": ansible_user | default(""), "key": ansible_ssh_private_key_file | default(ansible_private_key_file | default("")),
  "common_args": ansible_ssh_common_args | default(""),
  "grafana": monitoring_grafana_enabled | default(true), "grafana_port": monitoring_grafana_port | default(3000),
  "prometheus_port": monitoring_prometheus_port | default(9090),
  "alertmanager_port": monitoring_alertmanager_port | default(9093),
  "bind": monitoring_bind_address | default("127.0.0.1")} | to_json }}'
args=(ansible "$HOST" -c local -m ansible.builtin.debug -a "msg=$FIELDS")
[ -n "$INVENTORY" ] && args+=(-i "$INVENTORY")
json=$(ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json ANSIBLE_LOAD_CALLBACK_PLUGINS=1 "${args[@]}")

mapfile -t ssh_cmd < <(python3 - "$HOST" "$json" <<'PY'
import json, os, shlex, sys
host, raw = sys.argv[1], sys.argv[2]
result = json.loads(raw)["plays"][0]["tasks"][0]["hosts"].get(host)
if result is None or result.get("failed"):
    sys.exit(f"tunnel: host {host} is not in the inventory")
v = result["msg"] if isinstance(result["msg"], dict) else json.loads(result["msg"])
local = {"grafana": int(os.environ.get("HBOT_TUNNEL_GRAFANA", 3000)),
         "prometheus": int(os.environ.get("HBOT_TUNNEL_PROMETHEUS", 9090)),
         "alertmanager": int(os.environ.get("HBOT_TUNNEL_ALERTMANAGER", 9093))}
services = [("prometheus", v["prometheus_port"], "/"), ("alertmanager", v["alertmanager_port"], "/")]
if str(v["grafana"]).lower() == "true":
    services.insert(0, ("grafana", v["grafana_port"], "/"))
# A connection of its own (ssh keeps the first value of an option, so these win over common_args).
cmd = ["ssh", "-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=15",
       "-o", "ControlMaster=no", "-o", "ControlPath=none", "-p", str(v["port"])]
if v["key"]:
    cmd += ["-i", v["key"], "-o", "IdentitiesOnly=yes"]
cmd += shlex.split(v["common_args"])
for name, remote, _ in services:
    cmd += ["-L", f"127.0.0.1:{local[name]}:{v['bind']}:{remote}"]
cmd.append(f"{v['user']}@{v['address']}" if v["user"] else v["address"])
for name, _, path in services:
    print(f"# {name}: http://127.0.0.1:{local[name]}{path}", file=sys.stderr)
print("\n".join(cmd))
PY
)
echo "# tunnel to $HOST open until Ctrl-C:" >&2
exec "${ssh_cmd[@]}"
