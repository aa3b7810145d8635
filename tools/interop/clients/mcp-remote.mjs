// mcp-remote: the stdio bridge Claude Desktop and other desktop clients use for remote servers,
// started exactly as their config starts it (`npx mcp-remote <url>`), with a fresh token store.
// It prints the authorization URL on stderr; the browser opens it, and mcp-remote's own
// loopback server receives the redirect. An MCP client on its stdio lists and calls the tools.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const require = createRequire(import.meta.url);
export const name = 'mcp-remote';
export const version = require('mcp-remote/package.json').version;
const PROXY = path.join(path.dirname(require.resolve('mcp-remote/package.json')), 'dist', 'proxy.js');

export async function run({ url, user, tool, signIn, log }) {
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-remote-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [PROXY, url],
    // A token store of its own (a client that has never seen the server); BROWSER=true keeps it
    // from launching a desktop browser: Chromium below plays the user.
    env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir, BROWSER: 'true' },
    stderr: 'pipe',
  });
  const signedIn = watchForAuthorizationUrl(transport.stderr, log, authorizationUrl =>
    signIn(authorizationUrl, user));
  const client = new Client({ name: 'mcp-oauth-cookbook-interop', version: '1.0.0' });
  try {
    await Promise.race([
      client.connect(transport, { timeout: 180_000 }),
      signedIn.failed,
    ]);
    const tools = (await client.listTools()).tools.map(t => t.name);
    const result = await client.callTool({ name: tool.name, arguments: tool.arguments });
    return { tools, result, clientId: registeredClientId(configDir) };
  } finally {
    await client.close().catch(() => {});
    fs.rmSync(configDir, { recursive: true, force: true });
  }
}

/** mcp-remote logs "Please authorize this client by visiting:" and the URL on the next line. */
function watchForAuthorizationUrl(stderr, log, onUrl) {
  let buffer = '';
  let started = false;
  let reject;
  const failed = new Promise((_, ko) => { reject = ko; });
  failed.catch(() => {});
  stderr.on('data', chunk => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      log(line);
      const match = line.match(/(https?:\/\/\S+[?&]client_id=\S+)/);
      if (match && !started) {
        started = true;
        onUrl(match[1]).catch(reject);
      }
    }
  });
  return { failed };
}

function registeredClientId(configDir) {
  for (const file of fs.readdirSync(configDir, { recursive: true })) {
    if (String(file).endsWith('_client_info.json')) {
      return JSON.parse(fs.readFileSync(path.join(configDir, String(file)), 'utf8')).client_id;
    }
  }
  return undefined;
}
