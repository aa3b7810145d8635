#!/usr/bin/env bash
# Runs the official MCP conformance suite's client authorization scenarios against the
# keycloak-dcr recipe's client (`make conformance`). Installs the pinned suite and a Node 22
# runtime from the npm registry on first use (tools/conformance/package-lock.json).
#
# Each scenario starts the suite's mock MCP server and authorization server on loopback and runs
# our client with the server URL as its last argument. A scenario listed in EXPECTED_FAILURES
# must fail, for the reason given there; if it starts passing, this script fails too, so the list
# never goes stale.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RECIPE="$ROOT/recipes/keycloak-dcr"
OUT="$RECIPE/target/conformance"

# 2025-11-25: the 14 auth scenarios its requirements list (release 0.1.16).
STABLE_SCENARIOS="metadata-default metadata-var1 metadata-var2 metadata-var3 basic-cimd
  scope-from-www-authenticate scope-from-scopes-supported scope-omitted-when-undefined scope-step-up scope-retry-limit
  token-endpoint-auth-basic token-endpoint-auth-post token-endpoint-auth-none pre-registration"
# 2026-07-28 (prerelease 0.2.0-alpha.12): the same 14 again, plus the new revision's scenarios.
NEXT_SCENARIOS="$STABLE_SCENARIOS resource-mismatch metadata-issuer-mismatch
  iss-supported-missing iss-wrong-issuer iss-unexpected iss-normalized"
# These mock a 2026-07-28 MCP server by default, whose stateless wire (no initialize, _meta on every
# request) the MCP Java SDK 2.2.0 client the cookbook uses does not speak. Their OAuth checks are what matter here, so
# they run on the 2025-11-25 wire (--spec-version 2025-11-25 --force); the suite then skips two of
# their checks (application_type in DCR, the step-up scope union), which other scenarios cover.
WIRE_2025_SCENARIOS="iss-supported iss-not-advertised authorization-server-migration
  offline-access-scope offline-access-not-supported"
# Scenarios that must fail, with the reason beside the name (none at present).
EXPECTED_FAILURES=""

if [ ! -x "$HERE/node_modules/node/bin/node" ] || [ ! -d "$HERE/node_modules/conformance-next" ]; then
  echo "Installing the conformance suite and Node 22 from the npm registry ..."
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$HERE/node_modules/node/bin:$PATH"

echo "Building the keycloak-dcr client ..."
(cd "$ROOT" && ./mvnw -B -q -DskipTests -pl recipes/keycloak-dcr -am install)
(cd "$RECIPE" && ../../mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/conformance.classpath)
CLIENT="java -cp $RECIPE/target/test-classes:$RECIPE/target/classes:$(cat "$RECIPE/target/conformance.classpath") dev.mcpoauth.cookbook.keycloakdcr.ConformanceClient"

rm -rf "$OUT" && mkdir -p "$OUT"
failed=0
summary=()
run() { # run <stable|next> <scenario> [extra suite options]
  local suite="$1" scenario="$2" result expected=no
  shift 2
  case " $(echo $EXPECTED_FAILURES) " in *" $suite:$scenario "*) expected=yes ;; esac
  if node "$HERE/node_modules/conformance-$suite/dist/index.js" client --command "$CLIENT" \
      --scenario "auth/$scenario" -o "$OUT/$suite" "$@" > "$OUT/$suite-$scenario.log" 2>&1; then
    result=passed
  else
    result=failed
  fi
  local wire=""
  case " $* " in *" --force "*) wire=", on the 2025-11-25 MCP wire" ;; esac
  local checks
  checks="$(grep -E '^Passed: ' "$OUT/$suite-$scenario.log" | tail -1 | sed 's/Passed: //; s/, 0 warnings//')"
  if [ "$result" = passed ] && [ "$expected" = yes ]; then
    summary+=("STALE   $suite auth/$scenario ($checks): passes now, remove it from EXPECTED_FAILURES"); failed=1
  elif [ "$result" = failed ] && [ "$expected" = no ]; then
    summary+=("FAILED  $suite auth/$scenario ($checks): see $OUT/$suite-$scenario.log"); failed=1
  elif [ "$result" = failed ]; then
    summary+=("xfail   $suite auth/$scenario ($checks): listed in EXPECTED_FAILURES")
  else
    summary+=("passed  $suite auth/$scenario ($checks$wire)")
  fi
}

start=$(date +%s)
for s in $STABLE_SCENARIOS; do run stable "$s"; done
for s in $NEXT_SCENARIOS; do run next "$s"; done
for s in $WIRE_2025_SCENARIOS; do run next "$s" --spec-version 2025-11-25 --force; done
printf '%s\n' "${summary[@]}"
echo "Conformance: $(printf '%s\n' "${summary[@]}" | grep -c '^passed') passed, $(printf '%s\n' "${summary[@]}" | grep -c '^xfail') expected failures, $(( $(date +%s) - start )) s; logs in $OUT"
exit $failed
