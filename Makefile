# The two commands of a newcomer: `make up` (bring the system up and do its main job) and
# `make test` (everything CI runs). Heavy builds are cached outside the repository in
# $(WABA_CACHE) (default ~/.cache/waba-operator), keyed by version.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export WABA_CACHE ?= $(HOME)/.cache/waba-operator
JEST := node --experimental-vm-modules node_modules/jest/bin/jest.js

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

node_modules: package-lock.json
	npm ci
	@touch node_modules

.PHONY: install
install: node_modules ## install the locked npm dependencies

.PHONY: build
build: node_modules ## compile TypeScript to dist/
	npx tsc -p tsconfig.build.json

.PHONY: lint
lint: node_modules ## typecheck and lint
	npx tsc -p tsconfig.json --noEmit
	npx eslint .

.PHONY: tools
tools: ## build the local control plane's binaries (cached; a warm cache builds nothing)
	e2e/cluster/build-tools.sh

# The local cluster (e2e/cluster/up.sh): its state, logs and admin kubeconfig live in this directory.
export WABA_CLUSTER_DIR ?= /tmp/waba-cluster
KUBECTL := $(WABA_CACHE)/bin/kubectl --kubeconfig $(WABA_CLUSTER_DIR)/kubeconfig

.PHONY: cluster-up
cluster-up: node_modules tools ## start the local cluster on loopback (or reuse the running one)
	e2e/cluster/up.sh

.PHONY: cluster-down
cluster-down: ## stop the local cluster: no process and no directory left
	e2e/local/down.sh
	e2e/cluster/down.sh

.PHONY: up
up: ## bring the system up and do its main job: an instance Ready (kind with Docker, else the local control plane)
	@if docker info >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory kind-up; \
	else \
	  echo "No Docker engine: the local control plane, kwok simulating the pods, the operator running here."; \
	  $(MAKE) --no-print-directory cluster-up && node --import tsx e2e/local/up.ts; \
	fi

.PHONY: down
down: ## stop what make up started (the kind cluster, or the local operator and cluster)
	@if docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory kind-down; else $(MAKE) --no-print-directory cluster-down; fi

.PHONY: test
test: node_modules tools lint ## lint, unit tests and every integration suite (starts what it needs)
	$(JEST)

.PHONY: test-unit
test-unit: node_modules ## unit tests only (no PostgreSQL, no control plane)
	$(JEST) --selectProjects unit

# Images and the kind path (a machine with Docker). Images are tagged with package.json's version,
# which is also the chart's appVersion (its default tags).
VERSION = $(shell node -p "require('./package.json').version")

.PHONY: images
images: ## build the operator and runtime images (needs Docker), tagged with package.json's version
	docker build --file operator/Dockerfile --build-arg VERSION=$(VERSION) --tag waba-operator:$(VERSION) .
	docker build --file runtime/Dockerfile --build-arg VERSION=$(VERSION) --tag waba-runtime:$(VERSION) .

.PHONY: kind-up
kind-up: ## a kind cluster (needs Docker): images, the chart, the simulator, an example instance Ready
	e2e/kind/up.sh

.PHONY: kind-e2e
kind-e2e: node_modules ## the end-to-end suites on the kind cluster of kind-up, with real pods
	e2e/kind/e2e.sh

.PHONY: kind-down
kind-down: ## delete the kind cluster
	e2e/kind/down.sh

.PHONY: e2e
e2e: node_modules tools ## the chart's end-to-end suite on the local control plane (part of make test)
	$(JEST) --selectProjects kube -- e2e/chart e2e/kind

# The benchmark (bench/run.ts): one instance as processes on loopback, open-loop load; figures in
# bench/results/<timestamp>.json. BENCH_ARGS passes options, e.g. BENCH_ARGS="--shards 1,2,4 --rate 1500".
# The load generator's garbage collection pauses count as latency of the requests due and the
# answers arriving meanwhile. With V8's helper threads its young-generation pauses took 17 ms at
# the median (p90 30 ms), presumably waiting for helpers that wait for one of the two busy cores;
# collecting on one thread, 3.6 ms (p90 11 ms).
BENCH_NODE := node --single-threaded-gc --import tsx
.PHONY: bench
bench: build ## benchmark one instance (the build output, as the image runs it): 1000 messages/s for 60 s, accept → delivered webhook
	$(BENCH_NODE) bench/run.ts $(BENCH_ARGS)

.PHONY: bench-status-writes
bench-status-writes: node_modules ## the CoreApp's batched status write alone, planner defaults vs index scans only (BENCH_ARGS="--early")
	node --import tsx bench/status-writes.ts $(BENCH_ARGS)

.PHONY: bench-load-client
bench-load-client: node_modules ## what the load generator's HTTP client costs per request, against undici's (BENCH_ARGS="--rounds 3")
	$(BENCH_NODE) bench/load-client-cost.ts $(BENCH_ARGS)

.PHONY: bench-find-max
bench-find-max: build ## raise the rate until p99 accept latency, loss or delivery breaks: the sustainable maximum
	$(BENCH_NODE) bench/run.ts --find-max $(BENCH_ARGS)
