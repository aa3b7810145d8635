#!/usr/bin/env bash
# Runs the official MCP conformance suite's client scenarios (authorization, the other ones MCP 2026-07-28 requires, and the
# client credentials extension's) against the
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

# The client speaks MCP 2026-07-28 first and falls back to 2025-11-25 (initialize) for servers of the
# older era, so each run below also proves one of its two paths.
#
# 2025-11-25 (release 0.1.16): the 14 auth scenarios its requirements list. The suite's mock is a
# 2025-11-25 server, so these exercise the fallback: the 2026-07-28 probe, then initialize.
STABLE_SCENARIOS="metadata-default metadata-var1 metadata-var2 metadata-var3 basic-cimd
  scope-from-www-authenticate scope-from-scopes-supported scope-omitted-when-undefined scope-step-up scope-retry-limit
  token-endpoint-auth-basic token-endpoint-auth-post token-endpoint-auth-none pre-registration"
# 2026-07-28 (prerelease 0.2.0-alpha.12): every client auth scenario that revision requires
# (`list --requirements 2026-07-28`), all on the 2026-07-28 wire (--spec-version 2026-07-28 puts the 14
# older ones on the suite's stateless mock too, with that revision's extra checks: application_type in
# DCR, the step-up scope union).
NEXT_AUTH_SCENARIOS="$STABLE_SCENARIOS resource-mismatch offline-access-scope offline-access-not-supported
  authorization-server-migration iss-supported iss-not-advertised iss-supported-missing iss-wrong-issuer
  iss-unexpected iss-normalized metadata-issuer-mismatch"
# The other client scenarios 2026-07-28 requires: the same client, no OAuth (per-request _meta and
# version negotiation, tool calls, standard and x-mcp-header headers, multi round-trip request state,
# no network $ref dereferencing).
NEXT_OTHER_SCENARIOS="tools_call request-metadata sep-2322-client-request-state http-standard-headers
  http-custom-headers http-invalid-tool-headers json-schema-ref-no-deref"
# The MCP extension scenarios (0.2.0-alpha.12; tagged with an extension id, so outside any revision's
# requirements list and run by name): an agent with no user, client credentials with client_secret_basic
# and with private_key_jwt (ES256, the key from the scenario's context); Enterprise-Managed Authorization
# (the user's ID token exchanged at the suite's mock IdP for an ID-JAG, then the JWT bearer grant).
EXTENSION_SCENARIOS="client-credentials-basic client-credentials-jwt enterprise-managed-authorization"
# Scenarios that must fail, with the reason beside the name (none at present).
EXPECTED_FAILURES=""

if [ ! -x "$HERE/node_modules/node/bin/node" ] || [ ! -d "$HERE/node_modules/conformance-next" ]; then
  echo "Installing the conformance suite and Node 22 from the npm registry ..."
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$HERE/node_modules/node/bin:$PATH"

echo "Building the keycloak-dcr client ..."
# package, not install: the classpath points at the test kit's jar in its target/, nothing goes to ~/.m2.
(cd "$ROOT" && ./mvnw -B -q -DskipTests -pl recipes/keycloak-dcr -am package dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/conformance.classpath)
CLIENT="java -cp $RECIPE/target/test-classes:$RECIPE/target/classes:$(cat "$RECIPE/target/conformance.classpath") dev.mcpoauth.cookbook.keycloakdcr.ConformanceClient"

rm -rf "$OUT" && mkdir -p "$OUT"
failed=0
summary=()
run() { # run <stable|next> <scenario> [extra suite options]
  local suite="$1" scenario="$2" result expected=no
  shift 2
  local name="${scenario//\//-}"
  case " $(echo $EXPECTED_FAILURES) " in *" $suite:$scenario "*) expected=yes ;; esac
  rm -f "$OUT/revision"
  if CONFORMANCE_REVISION_FILE="$OUT/revision" node "$HERE/node_modules/conformance-$suite/dist/index.js" client \
      --command "$CLIENT" --scenario "$scenario" -o "$OUT/$suite" "$@" > "$OUT/$suite-$name.log" 2>&1; then
    result=passed
  else
    result=failed
  fi
  # The wire: what the client says it connected with; for a run it ends on purpose before connecting
  # (a refused issuer, the retry limit), what the suite's mock saw it send.
  local wire
  if [ -s "$OUT/revision" ]; then
    wire="MCP $(cat "$OUT/revision")"
  elif grep -q '(method: initialize)' "$OUT/$suite-$name.log"; then
    wire="MCP 2025-11-25, stopped before a call"
  elif grep -q '(method: server/discover)' "$OUT/$suite-$name.log"; then
    wire="MCP 2026-07-28, stopped before a call"
  else
    wire="no MCP request"
  fi
  local checks
  checks="$(grep -E '^Passed: ' "$OUT/$suite-$name.log" | tail -1 | sed 's/Passed: //; s/, 0 warnings//')"
  if [ "$result" = passed ] && [ "$expected" = yes ]; then
    summary+=("STALE   $suite $scenario ($checks, $wire): passes now, remove it from EXPECTED_FAILURES"); failed=1
  elif [ "$result" = failed ] && [ "$expected" = no ]; then
    summary+=("FAILED  $suite $scenario ($checks, $wire): see $OUT/$suite-$name.log"); failed=1
  elif [ "$result" = failed ]; then
    summary+=("xfail   $suite $scenario ($checks, $wire): listed in EXPECTED_FAILURES")
  else
    summary+=("passed  $suite $scenario ($checks, $wire)")
  fi
}

start=$(date +%s)
for s in $STABLE_SCENARIOS; do run stable "auth/$s"; done
for s in $NEXT_AUTH_SCENARIOS; do run next "auth/$s" --spec-version 2026-07-28; done
for s in $NEXT_OTHER_SCENARIOS; do run next "$s" --spec-version 2026-07-28; done
for s in $EXTENSION_SCENARIOS; do run next "auth/$s"; done
rm -f "$OUT/revision"
printf '%s\n' "${summary[@]}"
echo "Conformance: $(printf '%s\n' "${summary[@]}" | grep -c '^passed') passed ($(printf '%s\n' "${summary[@]}" | grep '^passed' | grep -c 'MCP 2026-07-28') on the 2026-07-28 wire, $(printf '%s\n' "${summary[@]}" | grep '^passed' | grep -c 'MCP 2025-11-25') on 2025-11-25), $(printf '%s\n' "${summary[@]}" | grep -c '^xfail') expected failures, $(( $(date +%s) - start )) s; logs in $OUT"
exit $failed
