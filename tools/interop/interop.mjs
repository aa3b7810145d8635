// make interop: real MCP clients that nobody here wrote, given only a server recipe's URL.
// For each recipe: start it as `make run` does, then for each client: discovery, registration,
// sign-in and consent in a real browser, tools/list, one tools/call. One line per recipe and
// client; exit 1 on any failure. Usage: node interop.mjs [recipe ...] [--client name] [--verbose]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, signIn } from './browser.mjs';
import { recipes } from './recipes.mjs';
import * as mcpRemote from './clients/mcp-remote.mjs';
import * as typescriptSdk from './clients/typescript-sdk.mjs';
import * as typescriptSdkEma from './clients/typescript-sdk-ema.mjs';

// To add a client: a module under clients/ exporting name, version and run(), listed here. A client that exports
// `only` runs only against the recipes that name it in their `clients`.
const CLIENTS = [mcpRemote, typescriptSdk, typescriptSdkEma, typescriptSdkEma.withoutResourceAtTheJwtBearerGrant];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'target', 'interop');
const KEYCLOAK_PORT = process.env.INTEROP_KEYCLOAK_PORT || '18180';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const onlyClient = args.includes('--client') ? args[args.indexOf('--client') + 1] : null;
const wanted = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--client');
const selected = wanted.length ? recipes.filter(r => wanted.includes(r.name)) : recipes;
const clients = CLIENTS.filter(c => !onlyClient || c.name === onlyClient);

fs.mkdirSync(OUT, { recursive: true });
const browser = await launchBrowser();
let failures = 0;
try {
  for (const recipe of selected) {
    const server = await start(recipe);
    try {
      for (const client of clients.filter(c => recipe.clients ? recipe.clients.includes(c.name) : !c.only)) {
        const started = Date.now();
        // A failure recipes.mjs lists (a bug of a part nobody here wrote), reported as KNOWN; it fails the run once it passes.
        const expected = recipe.knownFailures?.[client.name];
        const log = line => { if (verbose) console.log(`    [${client.name}] ${line}`); };
        try {
          const { tools, result, clientId, how } = await withTimeout(240_000, client.run({
            url: recipe.url, user: recipe.user, tool: recipe.tool, log, enterprise: recipe.enterprise,
            signIn: (url, user) => signIn(browser, url, user),
          }));
          if (result.isError) throw new Error(`${recipe.tool.name} answered isError: ${text(result)}`);
          if (!tools.includes(recipe.tool.name)) throw new Error(`tools/list lacks ${recipe.tool.name}: ${tools}`);
          if (expected) throw new Error(`passed, but is listed as a known failure (${expected.why}): remove it from recipes.mjs`);
          console.log(`PASS  ${recipe.name.padEnd(26)} ${`${client.name} ${client.version}`.padEnd(22)} ` +
              `${how || `registered ${clientId ? 'a new client' : '(client id unknown)'}, signed in`}, ${tools.length} tools, ` +
              `${recipe.tool.name}: ${text(result).slice(0, 60)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (e) {
          if (expected && expected.match.test(e.message)) {
            console.log(`KNOWN ${recipe.name.padEnd(26)} ${`${client.name} ${client.version}`.padEnd(22)} ${expected.why}`);
            continue;
          }
          failures++;
          console.log(`FAIL  ${recipe.name.padEnd(26)} ${`${client.name} ${client.version}`.padEnd(22)} ${e.message}`);
        }
      }
    } finally {
      await server.stop();
    }
  }
} finally {
  await browser.close();
}
console.log(failures ? `${failures} failed (recipe logs: ${path.relative(ROOT, OUT)})` : 'All clients passed against all recipes.');
process.exit(failures ? 1 : 0);

/** `make run` for one recipe (already built): exec:java in its folder, until "=== Serving". */
async function start(recipe) {
  const logFile = path.join(OUT, `${recipe.name}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(path.join(ROOT, 'mvnw'), ['-B', '-q', 'exec:java', `-Dcookbook.keycloak.port=${KEYCLOAK_PORT}`], {
    cwd: path.join(ROOT, 'recipes', recipe.name),
    env: { ...process.env, ...recipe.env, KEYCLOAK_PORT },
    stdio: ['ignore', out, out],
    detached: true, // its own process group, so that stop() also ends the Keycloak it starts
  });
  const exited = new Promise(resolve => child.on('exit', resolve));
  const deadline = Date.now() + 300_000;
  while (!fs.readFileSync(logFile, 'utf8').includes('=== Serving')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${recipe.name} did not start; see ${logFile}`);
    }
    await new Promise(r => setTimeout(r, 500));
  }
  return {
    async stop() {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
      const killed = await Promise.race([exited.then(() => true), new Promise(r => setTimeout(() => r(false), 20_000))]);
      if (!killed) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    },
  };
}

function text(result) {
  return (result.content || []).filter(c => c.type === 'text').map(c => c.text).join(' ').replace(/\s+/g, ' ');
}

function withTimeout(ms, promise) {
  return Promise.race([promise, new Promise((_, ko) => setTimeout(() => ko(new Error(`timed out after ${ms / 1000} s`)), ms))]);
}
