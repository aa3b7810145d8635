#!/usr/bin/env bash
# make interop: real MCP clients nobody here wrote (mcp-remote, the MCP TypeScript SDK client),
# pinned by package-lock.json, against every server recipe started as `make run` starts it, with
# only the MCP URL; Debian's Chromium signs in. Arguments go to interop.mjs: recipe names to run
# only those, --client <name> for one client, --verbose for the clients' logs.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "make interop needs Chromium: apt-get install chromium (or set CHROMIUM to its path)"; exit 2
fi
if [ ! -x "$HERE/node_modules/node/bin/node" ] || [ ! -d "$HERE/node_modules/mcp-remote" ] \
   || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  echo "Installing the pinned clients and Node 22 from the npm registry ..."
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$HERE/node_modules/node/bin:$PATH"

echo "Building the server recipes (make run's install step, once for all) ..."
(cd "$ROOT" && ./mvnw -B -q -DskipTests install -am -pl recipes/resource-server-spring,recipes/resource-server-micronaut,recipes/resource-server-javalin,recipes/token-gateway,recipes/multi-user-store,recipes/github-proxy,recipes/enterprise-managed-authorization)

exec node "$HERE/interop.mjs" "$@"
