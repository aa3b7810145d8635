#!/usr/bin/env bash
# Runs the official MCP conformance suite's authorization-server scenarios (prerelease 0.2.0-alpha.12:
# RFC 8414 metadata with CIMD support, then a full authorization-code grant with PKCE and `resource`)
# against the two authorization servers of the cookbook:
#   1. the github-proxy recipe, started as `make run` starts it (against the GitHub emulator); the
#      suite prints an authorization URL for a person to open and sign-in.py plays that person;
#   2. the keycloak-dcr recipe's Keycloak realm, with its pre-registered public client; the Java
#      driver ConformanceAuthorizationServer starts Keycloak and signs in with the test kit's agent.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RECIPE="$ROOT/recipes/github-proxy"
OUT="$RECIPE/target/conformance"
PORT="${PROXY_CONFORMANCE_PORT:-18080}"
CALLBACK_PORT="${CONFORMANCE_CALLBACK_PORT:-18081}"
PROXY="http://127.0.0.1:$PORT"

if [ ! -x "$HERE/node_modules/node/bin/node" ] || [ ! -d "$HERE/node_modules/conformance-next" ]; then
  echo "Installing the conformance suite and Node 22 from the npm registry ..."
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$HERE/node_modules/node/bin:$PATH"

echo "Building the github-proxy recipe ..."
(cd "$ROOT" && ./mvnw -B -q -DskipTests -pl recipes/github-proxy -am install)
rm -rf "$OUT" && mkdir -p "$OUT"

echo "Starting the proxy on $PROXY (make run: the GitHub emulator, a walk-through, then serving) ..."
(cd "$RECIPE" && PROXY_PORT="$PORT" exec setsid ../../mvnw -B -q exec:java > "$OUT/proxy.log" 2>&1) &
proxy_pid=$!
trap 'kill -- -"$proxy_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  grep -q "=== Serving at" "$OUT/proxy.log" && break
  sleep 1
done
grep -q "=== Serving at" "$OUT/proxy.log" || { echo "The proxy did not start; see $OUT/proxy.log"; tail -30 "$OUT/proxy.log"; exit 1; }

# The suite needs a client registered with its callback: the proxy's own open registration.
client_id=$(curl -sf -X POST "$PROXY/oauth2/register" -H 'Content-Type: application/json' -d "{\"client_name\":\"MCP conformance suite\",
  \"redirect_uris\":[\"http://127.0.0.1:$CALLBACK_PORT/callback\"],\"token_endpoint_auth_method\":\"none\",
  \"grant_types\":[\"authorization_code\",\"refresh_token\"]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')

node "$HERE/node_modules/conformance-next/dist/index.js" authorization --url "$PROXY" --client-id "$client_id" \
  --resource "$PROXY/mcp" --port "$CALLBACK_PORT" --output-dir "$OUT" > "$OUT/suite.log" 2>&1 &
suite_pid=$!
authorization_url=""
for _ in $(seq 1 60); do
  authorization_url=$(grep -o "$PROXY/oauth2/authorize?[^ ]*" "$OUT/suite.log" | head -1 || true)
  [ -n "$authorization_url" ] && break
  sleep 1
done
[ -n "$authorization_url" ] || { echo "The suite printed no authorization URL"; cat "$OUT/suite.log"; exit 1; }
sleep 1 # the suite starts its callback server right after printing the URL
python3 "$HERE/sign-in.py" "$authorization_url" octocat octocat-demo-password "http://127.0.0.1:$CALLBACK_PORT/"
wait "$suite_pid" || true

sed -n '/=== SUMMARY ===/,$p' "$OUT/suite.log"
if grep -q "Total: 3 passed, 0 failed" "$OUT/suite.log"; then
  echo "Authorization server conformance: the github-proxy recipe passes all 3 checks"
else
  echo "Authorization server conformance FAILED; the suite's log: $OUT/suite.log"
  cat "$OUT/suite.log"
  exit 1
fi
kill -- -"$proxy_pid" 2>/dev/null || true

echo "Building the keycloak-dcr recipe and starting its Keycloak realm ..."
KEYCLOAK_RECIPE="$ROOT/recipes/keycloak-dcr"
KEYCLOAK_OUT="$KEYCLOAK_RECIPE/target/conformance/keycloak"
(cd "$ROOT" && ./mvnw -B -q -DskipTests -pl recipes/keycloak-dcr -am install)
(cd "$KEYCLOAK_RECIPE" && ../../mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/conformance.classpath)
rm -rf "$KEYCLOAK_OUT" && mkdir -p "$KEYCLOAK_OUT"
(cd "$KEYCLOAK_RECIPE" && CONFORMANCE_OUTPUT="$KEYCLOAK_OUT" java \
  -cp "target/test-classes:target/classes:$(cat target/conformance.classpath)" \
  dev.mcpoauth.cookbook.keycloakdcr.ConformanceAuthorizationServer \
  node "$HERE/node_modules/conformance-next/dist/index.js") > "$KEYCLOAK_OUT/suite.log" 2>&1 || true

sed -n '/=== SUMMARY ===/,$p' "$KEYCLOAK_OUT/suite.log"
if grep -q "Total: 3 passed, 0 failed" "$KEYCLOAK_OUT/suite.log"; then
  echo "Authorization server conformance: the keycloak-dcr realm passes all 3 checks"
else
  echo "Authorization server conformance FAILED for the Keycloak realm; the log: $KEYCLOAK_OUT/suite.log"
  cat "$KEYCLOAK_OUT/suite.log"
  exit 1
fi
