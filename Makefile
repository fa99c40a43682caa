# TwaOperator: the two commands are `make run` and `make test`; both set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := build

CONFIG       ?= Release
DOTNET       ?= dotnet
NATIVE_DIR   := build/native
CLI_DIR      := build/cli
OPERATOR_DIR := build/operator
JOBS         ?= $(shell nproc)
APT_PACKAGES := libtorch-dev libgloo-dev libopenblas0-pthread cmake g++ redis-server prometheus dataset-fashion-mnist python3-torch
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: deps build test run bench clean

## deps: install the Debian packages the build and tests use (skipped when all are present); kubectl (for the
## CRD test) from Debian's kubernetes-client only when no kubectl is on PATH, so a newer one is kept
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v kubectl >/dev/null || missing="$$missing kubernetes-client"; \
	if [ -z "$$missing" ]; then echo "deps: all present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing
	@command -v $(DOTNET) >/dev/null || { echo "deps: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

## build: native shim (CMake) + every .NET project; bin/twa is the CLI
build: deps
	cmake -S trainer/native -B $(NATIVE_DIR) -DCMAKE_BUILD_TYPE=Release > /dev/null
	cmake --build $(NATIVE_DIR) -j $(JOBS)
	$(DOTNET) build TwaOperator.sln -c $(CONFIG) -p:SkipNativeBuild=true -nologo -v:q
	$(DOTNET) publish trainer/Twa.Cli -c $(CONFIG) -p:SkipNativeBuild=true -o $(CLI_DIR) -nologo -v:q
	@mkdir -p bin
	@printf '#!/bin/sh\nexec "$$(dirname "$$(readlink -f "$$0")")/../$(CLI_DIR)/twa" "$$@"\n' > bin/twa && chmod +x bin/twa
	$(DOTNET) publish operator/Twa.Operator -c $(CONFIG) -p:SkipNativeBuild=true -o $(OPERATOR_DIR) -nologo -v:q
	@printf '#!/bin/sh\nexec "$$(dirname "$$(readlink -f "$$0")")/../$(OPERATOR_DIR)/twa-operator" "$$@"\n' > bin/twa-operator && chmod +x bin/twa-operator
	@bin/twa --version

## test: every test project (prints a 'N passed, N failed' summary line)
test: build
	tools/run-tests.sh $(CONFIG)

## run: the main job on the embedded default (local, no cluster): LeNet-5 on Fashion-MNIST, base + SWA + TWA
run: build
	bin/twa train examples/fashion-mnist-lenet.yaml --out runs/latest

## bench: benchmarks (figures as ratios against baselines measured in the same run), then the operator's
## reconcile-loop cost (200 TwaJobs x 4 pods against the fake API server) into bench-results/operator.txt
bench: build
	bin/twa bench --out bench-results/bench.json
	set -o pipefail; $(DOTNET) test tests/Twa.Operator.Tests/Twa.Operator.Tests.csproj -c $(CONFIG) --no-build -nologo \
	  --filter Category=Bench --logger "console;verbosity=detailed" | grep -o 'bench.operator .*' | tee bench-results/operator.txt

clean:
	rm -rf build bin bench-results
	$(DOTNET) clean TwaOperator.sln -nologo -v:q
