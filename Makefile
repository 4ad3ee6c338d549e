# Two entry points: `make demo` (provision the sandbox VPS) and `make test` (everything CI runs).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export HBOT_SANDBOX_STATE ?= $(CURDIR)/inventories/sandbox/.state
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Day-2 targets act on INVENTORY (the sandbox unless you name yours), limited to LIMIT (hosts or groups).
INVENTORY ?= inventories/sandbox/hosts.yml
PLAY = ansible-playbook -i $(INVENTORY) $(if $(LIMIT),--limit $(LIMIT)) $(VAULT)
ifeq ($(abspath $(INVENTORY)),$(CURDIR)/inventories/sandbox/hosts.yml)
# The sandbox's vault password: generated at first use under .state/, never committed.
export ANSIBLE_VAULT_PASSWORD_FILE ?= $(CURDIR)/sandbox/vault_pass.py
endif
# Your own inventory: ansible-vault asks for the password unless ANSIBLE_VAULT_PASSWORD_FILE names a file.
VAULT = $(if $(ANSIBLE_VAULT_PASSWORD_FILE),,--ask-vault-pass)
SANDBOX := python3 sandbox/sandboxctl.py
DEMO_SUITE ?= trixie
# The image kinds the demo's playbooks load (sandbox/bot_images.yml's, then monitoring_images.yml's).
DEMO_IMAGES := hummingbot mosquitto prometheus alertmanager node-exporter cadvisor debian-slim
STAMP := $(VENV)/.installed
RESULTS_CANDLES ?= ../shared/data/candles/*.csv

.PHONY: help deps host-deps venv test-deps rehearsal demo tunnel logs upgrade backup restore test lint role-docs unit monitoring integration molecule molecule-host-vm runtime results bench down status clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: host-deps venv  ## Install everything the other targets need

host-deps:  ## docker.io, debootstrap and mosquitto (exporter tests) from Debian when absent; start dockerd when it is not running
	@command -v dockerd >/dev/null && command -v debootstrap >/dev/null && command -v mosquitto >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap mosquitto >/dev/null; }
	@docker info >/dev/null 2>&1 || { \
	  echo "starting dockerd"; (nohup dockerd >/var/log/dockerd.log 2>&1 &); \
	  for i in $$(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done; docker info >/dev/null; }

venv: $(STAMP)  ## Project-local .venv and Ansible collections
$(STAMP): pyproject.toml requirements.yml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip setuptools wheel
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python tools/install_collections.py
	touch $@

# The test run's own strategy plugin (tests/example_plugin), installed in its own step: `make venv`, which
# operators run, installs the product only.
EXAMPLE_STAMP := $(VENV)/.example-plugin
$(EXAMPLE_STAMP): $(STAMP) tests/example_plugin/pyproject.toml $(wildcard tests/example_plugin/hbot_example_strategy/*.py)
	$(BIN)/pip install -q ./tests/example_plugin
	touch $@

test-deps: host-deps $(EXAMPLE_STAMP)

demo: deps  ## Provision the sandbox VPS with playbooks/site.yml and show how to reach it
	$(SANDBOX) up sandbox-vps:2222 --suite $(DEMO_SUITE) --reuse
	@# Built (or reused) here first, where Docker's progress shows: the playbooks' build task shows
	@# nothing until it ends. They then find these cached; a kind missing here is still built there.
	for kind in $(DEMO_IMAGES); do $(SANDBOX) build --suite trixie --kind $$kind >/dev/null; done
	@# No registry here: Docker first, then the locally built images go into the VPS's Docker.
	ansible-playbook playbooks/host.yml
	ansible-playbook sandbox/prepare_bots.yml
	ansible-playbook sandbox/monitoring_images.yml
	ansible-playbook playbooks/site.yml
	@# The sandbox's stand-in for the operator's alert endpoint (the inventory's webhook URL).
	ansible-playbook sandbox/alert_sink.yml
	@echo; $(SANDBOX) status
	@echo; echo "Running on sandbox-vps:"; ssh -i $(HBOT_SANDBOX_STATE)/id_ed25519 \
	  -o UserKnownHostsFile=$(HBOT_SANDBOX_STATE)/known_hosts -p 2222 ops@127.0.0.1 \
	  "sudo docker ps --format 'table {{.Names}}\t{{.Status}}\t{{.Ports}}'" 2>/dev/null
	@echo; echo "SSH in:      ssh -i $(HBOT_SANDBOX_STATE)/id_ed25519 -o UserKnownHostsFile=$(HBOT_SANDBOX_STATE)/known_hosts -p 2222 ops@127.0.0.1"
	@echo "Dashboards:  make tunnel HOST=sandbox-vps   (Prometheus, Alertmanager; Grafana where images can be pulled)"
	@echo "Alerts:      delivered to /var/lib/alert-sink/alerts.jsonl on the VPS (try: docker stop hbot-bot1 there)"
	@echo; echo "Trading:     bot1 paper-trades the flagship inventory_mm on a 60x replay of recorded Binance ETH-BTC"
	@echo "             candles (Hummingbot's paper engine: no money, no exchange; every metric has mode=\"paper\")."
	@echo "  its fills: make logs BOT=bot1   (Hummingbot's own log of orders and fills), or its database"
	@echo "             /opt/hbot/bot1/data/bot1.sqlite on the VPS (TradeFill rows, market binance_PaperTrade)"
	@echo "  its PnL:   make tunnel HOST=sandbox-vps, then"
	@echo "             http://127.0.0.1:9090/classic/graph?g0.expr=hbot_controller_global_pnl_quote&g1.expr=hbot_fills_total"

logs:  ## A bot's errors.log, log tail and health: make logs BOT=bot1 [INVENTORY=...] [LIMIT=host]
	$(PLAY) playbooks/bot_logs.yml -e bot=$(BOT)

upgrade:  ## Rolling upgrade with rollback, host by host: make upgrade [INVENTORY=...] [LIMIT=...] [BOTS=bot1,bot2] [IMAGE=repo:tag]
	$(PLAY) playbooks/upgrade.yml -e bots=$(or $(BOTS),all) $(if $(IMAGE),-e image=$(IMAGE))

backup:  ## Archive bots' conf and data (consistent SQLite copies, retention): make backup [INVENTORY=...] [LIMIT=...] [BOTS=bot1]
	$(PLAY) playbooks/backup.yml -e bots=$(or $(BOTS),all)

restore:  ## Put back a bot's conf and data: make restore BOT=bot1 [INVENTORY=...] [LIMIT=host] [ARCHIVE=bot1-20260101T000000Z.tar.gz]
	$(PLAY) playbooks/restore.yml -e bot=$(BOT) -e archive=$(or $(ARCHIVE),latest)

tunnel:  ## Open Grafana, Prometheus and Alertmanager of HOST through SSH: make tunnel HOST=sandbox-vps [INVENTORY=...]
	monitoring/tunnel.sh $(HOST) $(INVENTORY)

# make test runs its stages at most TEST_SLOTS at once, the longest first, each next one as soon as a slot
# frees (tools/together.py: each stage's log printed whole when it ends, with its time, and the CPU use).
# Three VPS stages at once keep 2 cores 94-100% busy while they converge; when their verifies mostly wait
# and the cores stay under TEST_FILL busy for TEST_FILL_WINDOW seconds, the run takes a fourth slot
# (docs/ci-time.md).
TEST_SLOTS ?= 3
TEST_FILL ?= 0.75
TEST_FILL_WINDOW ?= 90
TEST_STAGES := molecule-bots molecule-monitoring molecule-host rehearsal runtime integration lint unit monitoring
test: test-deps  ## Everything CI runs: its stages side by side, TEST_SLOTS at once (each stage timed)
	python tools/together.py --slots $(TEST_SLOTS) --fill $(TEST_FILL) --fill-window $(TEST_FILL_WINDOW) $(TEST_STAGES)

lint:  ## yamllint, ansible-lint (production profile; its syntax-check rule runs --syntax-check on every playbook), ruff, roles' defaults/argument_specs/README in step
	yamllint -s .
	ansible-lint --profile production
	python tools/role_specs.py check
	ruff check .

role-docs:  ## Write roles/*/README.md from each role's meta/argument_specs.yml (make lint fails when stale)
	python tools/role_specs.py readme

unit:  ## Python unit tests
	HBOT_REQUIRE_EXAMPLE_PLUGIN=1 pytest -q tests/unit

monitoring:  ## promtool/amtool checks and rule unit tests with Debian's Prometheus and Alertmanager
	pytest -q -p no:cacheprovider tests/monitoring

integration:  ## Bad-input preflight tests (host and bot layers) against fresh sandbox VPSes
	pytest -q -p no:cacheprovider tests/integration

molecule:  ## Molecule: converge, idempotence, testinfra verify (host on Debian 12 and 13; bots; monitoring), side by side
	python tools/together.py molecule-host molecule-bots molecule-monitoring

molecule-host-vm: test-deps  ## The host layer on Debian 12 and 13 VMs under QEMU, for Lynis's own index (not in make test: 74 min emulated)
	@command -v qemu-system-x86_64 >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; }
	cd tests && molecule test -s host-vm

molecule-%:  ## One molecule scenario: make molecule-host, molecule-bots or molecule-monitoring (own VPSes, ports, state)
	cd tests && molecule test -s $*

rehearsal:  ## The production path as an operator walks it: a copy of inventories/production on two sandbox VPSes, then upgrades
	pytest -q -p no:cacheprovider tests/rehearsal

runtime:  ## Strategy and analysis tests inside the real Hummingbot runtime (analysis image: + matplotlib, Optuna)
	tests/hummingbot/run_in_runtime.sh pytest -q -p no:cacheprovider tests/hummingbot

results: venv  ## Regenerate docs/strategy-results.md (every built-in on every shared candle file, under both fill models), docs/execution-results.md, docs/hedge-results.md, docs/backtest-vs-paper.md and docs/flatten-results.md
	hbot-strategies compare --builtins --candles $(RESULTS_CANDLES) --also-model hummingbot --fee 0.001 --fill-gaps \
	  --notes docs/strategy-results.notes.md --title "Strategy results: every built-in against the baseline" \
	  --out docs/strategy-results --display-command "make results"
	hbot-strategies execution --builtins --candles $(RESULTS_CANDLES) --fill-gaps \
	  --out docs/execution-results --display-command "make results"
	hbot-strategies hedge --candles $(RESULTS_CANDLES) --fill-gaps \
	  --out docs/hedge-results --display-command "make results"
	@# The paper side runs the role's paper connector (roles/, not the package): a runtime-image script.
	HBOT_CANDLES_DIR=$(dir $(firstword $(wildcard $(RESULTS_CANDLES)))) python3 tests/bench/backtest_vs_paper.py
	HBOT_CANDLES_DIR=$(dir $(firstword $(wildcard $(RESULTS_CANDLES)))) python3 tests/bench/flatten_study.py

bench:  ## Benchmarks: host converge timings; exporter scrape latency and memory
	python tests/bench/bench_converge.py --playbook host.yml
	python tests/bench/bench_exporter.py

down:  ## Remove every sandbox host
	$(SANDBOX) down

status:  ## Each bot's state, health and last heartbeat: make status [INVENTORY=...] [LIMIT=...]; plus the sandbox hosts
	@if [ "$(abspath $(INVENTORY))" = "$(CURDIR)/inventories/sandbox/hosts.yml" ]; then $(SANDBOX) status; fi
	$(PLAY) playbooks/status.yml

clean: down  ## Remove sandbox hosts, the venv and collections
	rm -rf $(VENV) .ansible
