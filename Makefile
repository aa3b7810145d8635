# Thin wrappers over the Maven Wrapper (Maven 3.9.16, fetched from Maven Central on first use).
# No Docker needed: Keycloak runs from its Maven Central distribution as a local process.

MVNW      := ./mvnw -B
RECIPE    ?= resource-server-spring

.PHONY: help test run build clean conformance interop docs docs-serve bench bench-scaleout eject eject-test probe fuzz

help:
	@echo "make test                 build every module and run every test (real Keycloak, real HTTP)"
	@echo "make run [RECIPE=name]    start Keycloak + a recipe, show a client walk-through, keep serving"
	@echo "                          recipes: $(notdir $(wildcard recipes/*))"
	@echo "make conformance          the official MCP conformance suite: keycloak-dcr client (2026-07-28 and 2025-11-25 wires), authorization servers (github-proxy, Keycloak realm)"
	@echo "make interop              real MCP clients (mcp-remote, the TypeScript SDK) sign in to every server recipe in Chromium, URL only; the SDK's Enterprise-Managed Authorization client to its recipe"
	@echo "make probe URL=...        check any MCP server's OAuth as a compliant client sees it (PROBE_OPTS='--json --token-file f --register')"
	@echo "make docs                 build the cookbook site (docs-site/target/site) and check it in headless Chromium"
	@echo "make docs-serve           serve the built site on http://127.0.0.1:8000/ (DOCS_PORT to change)"
	@echo "make fuzz                 differential fuzzing of every server recipe's body filter vs the MCP SDK (Jazzer, 5 min a target)"
	@echo "make bench                what auth costs (against the MCP TypeScript SDK's too), gateway and proxy latency, the full flow: figures against same-run baselines (benchmarks/target/results.md)"
	@echo "make bench-scaleout       1 to 3 instances of each server recipe behind HAProxy (7 to 9 minutes; its own section of benchmarks/results.md)"
	@echo "make eject RECIPE=x DEST=dir  write one recipe as a standalone Maven project"
	@echo "make build                compile and package without tests"
	@echo "make clean"

test:
	$(MVNW) verify

build:
	$(MVNW) -DskipTests install

# Installs the test kit, compiles the recipe (tests included), then runs its demo main class
# from the recipe's own folder (it reads keycloak/realm.json there).
run:
	@test -d recipes/$(RECIPE) || { echo "No recipe '$(RECIPE)'. Choose one of: $(notdir $(wildcard recipes/*))"; exit 2; }
	$(MVNW) -q -DskipTests -pl recipes/$(RECIPE) -am install
	cd recipes/$(RECIPE) && ../../mvnw -B -q exec:java -Dcookbook.keycloak.port=$${KEYCLOAK_PORT:-8180}

# Installs the pinned suite and a Node 22 runtime from the npm registry on first use.
conformance:
	tools/conformance/run-client-auth.sh
	tools/conformance/run-authorization-server.sh

# Installs the pinned clients and a Node 22 runtime from the npm registry on first use; needs Debian's
# chromium. INTEROP_OPTS: recipe names to run only those, --client <name>, --verbose.
interop:
	tools/interop/run.sh $(INTEROP_OPTS)

docs:
	$(MVNW) -q -f docs-site/pom.xml verify
	@echo "Site: docs-site/target/site/index.html (make docs-serve to browse it)"

docs-serve:
	@test -f docs-site/target/site/index.html || $(MVNW) -q -f docs-site/pom.xml -DskipTests process-classes
	$(MVNW) -q -f docs-site/pom.xml exec:java@serve

# The probe (probe/README.md) against any MCP server URL, through probe/mcp-oauth-probe (which builds its
# jar when missing or stale). The probe exits 0 every MUST passes, 1 a MUST failed, 2 usage or unreachable;
# GNU make turns any failure into its own exit code 2, so the last line says which it was. Where the exit
# code matters (CI), run probe/mcp-oauth-probe directly.
probe:
	@test -n "$(URL)" || { echo "Usage: make probe URL=http://127.0.0.1:8080/mcp [PROBE_OPTS='--json --token-file token.txt']"; exit 2; }
	@probe/mcp-oauth-probe $(PROBE_OPTS) $(URL); code=$$?; \
	case $$code in \
	  0) ;; \
	  1) echo "make probe: the probe exited 1: a MUST failed (make itself exits 2; probe/mcp-oauth-probe exits 1)" >&2 ;; \
	  *) echo "make probe: the probe exited $$code: usage error, or no answer from the server (make itself exits 2)" >&2 ;; \
	esac; exit $$code

# Not part of `make test`: loopback load and JMH, 9 minutes on a quiet 2-core machine (up to 20 when builds share the cores). Refreshes benchmarks/results.md, the
# copy the docs site shows once committed, above its scale-out section, which stays as it was.
# `make bench-scaleout` (1 to 3 instances of each server recipe behind HAProxy, 7 to 9 minutes of JVM startups) runs
# that figure alone and rewrites only its section of results.md; BENCH_OPTS=-Dbench.only=scaleOut.javalin for one recipe.
# Builds the orchestrator, the servers it starts in JVMs of their own and the twins from this checkout (the
# reactor, nothing installed), writes each module's runtime classpath to target/classpath.txt, then runs
# the orchestrator with plain java; it starts every child as `java -cp <module>/target/classes:<classpath> Main`.
# The peer (benchmarks/peer-ts: the MCP TypeScript SDK's bearer auth, and Node 22) is installed from the npm
# registry, pinned by its package-lock.json, on first use; without npm the peer figure fails.
BENCH_MODULES := benchmarks,benchmarks/twin-spring,benchmarks/twin-spring-security,benchmarks/twin-micronaut,benchmarks/refresh-storm,$\
                 recipes/resource-server-spring,recipes/resource-server-micronaut,recipes/resource-server-javalin,$\
                 recipes/github-proxy,recipes/token-gateway,recipes/multi-user-store
JAVA      ?= $(if $(JAVA_HOME),$(JAVA_HOME)/bin/java,java)
PEER      := benchmarks/peer-ts

define bench-run
	$(MVNW) -q -DskipTests -pl $(BENCH_MODULES) -am package dependency:build-classpath \
		-Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
	cd benchmarks && $(JAVA) -cp "target/classes:$$(cat target/classpath.txt)" \
		-Dcookbook.keycloak.port=$${KEYCLOAK_PORT:-8180} $(1) dev.mcpoauth.cookbook.benchmarks.Bench
endef

bench:
	@if [ ! -x $(PEER)/node_modules/node/bin/node ] || [ $(PEER)/package-lock.json -nt $(PEER)/node_modules/.package-lock.json ]; then \
	  echo "Installing the peer (MCP TypeScript SDK, jose, Node 22) from the npm registry ..."; \
	  (cd $(PEER) && npm ci --no-audit --no-fund --loglevel=error); \
	fi
	$(call bench-run,$(BENCH_OPTS))

bench-scaleout:
	$(call bench-run,-Dbench.only=scaleOut $(BENCH_OPTS))

# Not part of `make test` (which runs each *FuzzTest on its committed inputs only): Jazzer fuzzes every
# *FuzzTest of every recipe for its @FuzzTest maxDuration (5 minutes), one JVM a target, with Jackson and
# the MCP SDK instrumented too. A finding fails the run and lands as a new input under the test's
# src/test/resources/.../<Test>Inputs folder, so `make test` replays it from then on. Logs: target/fuzz/.
# FUZZ_ONLY=regex limits the run to the test files whose path matches (FUZZ_ONLY=token-gateway).
FUZZ_INCLUDES := dev.mcpoauth.**:tools.jackson.**:io.modelcontextprotocol.**
FUZZ_ONLY     ?= .

fuzz:
	@mkdir -p target/fuzz; status=0; \
	for test in $$(find recipes -path '*/src/test/java/*' -name '*FuzzTest.java' | grep -E '$(FUZZ_ONLY)' | sort); do \
	  recipe=$$(echo $$test | cut -d/ -f1-2); class=$$(basename $$test .java); log=target/fuzz/$$(basename $$recipe)-$$class.log; \
	  echo "== $$recipe $$class (log: $$log)"; \
	  JAZZER_FUZZ=1 $(MVNW) test -pl $$recipe -am -Dtest=$$class -Dsurefire.failIfNoSpecifiedTests=false \
	    -Djazzer.instrumentation_includes='$(FUZZ_INCLUDES)' > $$log 2>&1 || status=1; \
	  grep -E '^Done [0-9]+ runs|^#[0-9]+.*(DONE|pulse)' $$log | tail -n 2; \
	  grep -E 'Tests run:.*Fail|== Java Exception|AssertionError|crash-' $$log | head -n 5; \
	done; exit $$status

# A recipe as a project of its own; the test kit goes into your local Maven repository.
eject:
	@test -n "$(DEST)" || { echo "Usage: make eject RECIPE=name DEST=folder"; exit 2; }
	tools/eject/eject.sh $(RECIPE) $(DEST)

# CI: every recipe ejected to a temporary folder, its tests run there.
eject-test:
	tools/eject/test-all.sh

clean:
	$(MVNW) -q clean
