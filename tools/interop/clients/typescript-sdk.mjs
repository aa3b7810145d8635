// The MCP TypeScript SDK's own client and OAuth provider: discovery from the URL, RFC 7591
// registration, PKCE, `resource`; given only the MCP URL. Its provider callbacks are the
// application's part, written here the way the SDK's simpleOAuthClient example writes them.
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import fs from 'node:fs';

export const name = 'typescript-sdk';
// The package's exports map hides its package.json from require(), so read it from node_modules.
export const version = JSON.parse(fs.readFileSync(
    new URL('../node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url), 'utf8')).version;

/** Connects, signs in through the browser, lists the tools and calls one. */
export async function run({ url, user, tool, signIn }) {
  const callback = await callbackServer();
  const provider = new MemoryProvider(callback.url, async authorizationUrl => {
    await signIn(authorizationUrl.toString(), user);
  });
  const client = new Client({ name: 'mcp-oauth-cookbook-interop', version: '1.0.0' });
  try {
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    } catch (e) {
      if (!(e instanceof UnauthorizedError)) throw e;
      const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
      await transport.finishAuth(await callback.code);
      await client.connect(transport);
    }
    const tools = (await client.listTools()).tools.map(t => t.name);
    const result = await client.callTool({ name: tool.name, arguments: tool.arguments });
    return { tools, result, clientId: provider.clientInformation()?.client_id };
  } finally {
    await client.close().catch(() => {});
    callback.close();
  }
}

/** The loopback redirect URI (RFC 8252 section 7.3): resolves `code` with the authorization code. */
function callbackServer() {
  return new Promise(resolve => {
    let deliver, fail;
    const code = new Promise((ok, ko) => { deliver = ok; fail = ko; });
    code.catch(() => {});
    const server = http.createServer((req, res) => {
      const params = new URL(req.url, 'http://127.0.0.1').searchParams;
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('You can close this window.');
      if (params.get('code')) deliver(params.get('code'));
      else fail(new Error(`authorization error: ${params.get('error')} ${params.get('error_description') || ''}`));
    });
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}/callback`,
      code,
      close: () => server.close(),
    }));
  });
}

/** OAuthClientProvider kept in memory: each run is a client that has never seen the server. */
class MemoryProvider {
  constructor(redirectUrl, onRedirect) {
    this.redirectUrl = redirectUrl;
    this.onRedirect = onRedirect;
    this.clientMetadata = {
      client_name: 'MCP OAuth Cookbook interop (TypeScript SDK)',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() { return this.client; }
  saveClientInformation(client) { this.client = client; }
  tokens() { return this.savedTokens; }
  saveTokens(tokens) { this.savedTokens = tokens; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
  saveDiscoveryState(state) { this.discovery = state; }
  discoveryState() { return this.discovery; }
  redirectToAuthorization(authorizationUrl) { return this.onRedirect(authorizationUrl); }
}
