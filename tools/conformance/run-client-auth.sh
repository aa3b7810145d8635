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
  iss-supported iss-not-advertised iss-supported-missing iss-wrong-issuer iss-unexpected iss-normalized
  authorization-server-migration offline-access-scope offline-access-not-supported"
# Their mock MCP server speaks only the 2026-07-28 stateless wire (no initialize, _meta on every
# request), which the MCP Java SDK 2.1.0 client does not; every OAuth check in them passes.
EXPECTED_FAILURES="next:iss-supported next:iss-not-advertised next:authorization-server-migration
  next:offline-access-scope next:offline-access-not-supported"

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
run() { # run <stable|next> <scenario>
  local suite="$1" scenario="$2" result expected=no
  case " $(echo $EXPECTED_FAILURES) " in *" $suite:$scenario "*) expected=yes ;; esac
  if node "$HERE/node_modules/conformance-$suite/dist/index.js" client --command "$CLIENT" \
      --scenario "auth/$scenario" -o "$OUT/$suite" > "$OUT/$suite-$scenario.log" 2>&1; then
    result=passed
  else
    result=failed
  fi
  local checks
  checks="$(grep -E '^Passed: ' "$OUT/$suite-$scenario.log" | tail -1 | sed 's/Passed: //; s/, 0 warnings//')"
  if [ "$result" = passed ] && [ "$expected" = yes ]; then
    summary+=("STALE   $suite auth/$scenario ($checks): passes now, remove it from EXPECTED_FAILURES"); failed=1
  elif [ "$result" = failed ] && [ "$expected" = no ]; then
    summary+=("FAILED  $suite auth/$scenario ($checks): see $OUT/$suite-$scenario.log"); failed=1
  elif [ "$result" = failed ]; then
    summary+=("xfail   $suite auth/$scenario ($checks): 2026-07-28 stateless wire, not in MCP Java SDK 2.1.0")
  else
    summary+=("passed  $suite auth/$scenario ($checks)")
  fi
}

start=$(date +%s)
for s in $STABLE_SCENARIOS; do run stable "$s"; done
for s in $NEXT_SCENARIOS; do run next "$s"; done
printf '%s\n' "${summary[@]}"
echo "Conformance: $(printf '%s\n' "${summary[@]}" | grep -c '^passed') passed, $(printf '%s\n' "${summary[@]}" | grep -c '^xfail') expected failures, $(( $(date +%s) - start )) s; logs in $OUT"
exit $failed
