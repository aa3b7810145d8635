// The MCP TypeScript SDK's 2.x client package in Enterprise-Managed Authorization (SEP-990): its CrossAppAccessProvider
// and discoverAndRequestJwtAuthGrant do the RFC 8693 exchange at the enterprise IdP and the RFC 7523 JWT bearer grant
// at the MCP server's authorization server. What the SDK leaves to the application, the user's one OpenID Connect
// sign-in at the IdP (code flow, PKCE, the ID token), is written here; the browser plays the user.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { Client, CrossAppAccessProvider, StreamableHTTPClientTransport, discoverAndRequestJwtAuthGrant }
  from '@modelcontextprotocol/client';

export const name = 'typescript-sdk-ema';
export const version = JSON.parse(fs.readFileSync(
    new URL('../node_modules/@modelcontextprotocol/client/package.json', import.meta.url), 'utf8')).version;
/** Runs only where a recipe names it: it needs an enterprise IdP, not just a URL. */
export const only = true;

/** Signs the user in at the IdP once, then connects to the MCP server with no browser, lists the tools and calls one. */
export async function run(options) {
  return runWith(options, fetch);
}

/**
 * The same client with the one change an application needs against Keycloak 26.7.3: its fetch drops `resource` from the
 * JWT bearer request (the ID-JAG names the resource). The SDK sends it, and Keycloak 26.7.3 with resource indicators
 * fails such a request with a NullPointerException (its JWT bearer grant issues no refresh token to annotate).
 */
export const withoutResourceAtTheJwtBearerGrant = {
  name: `${name}/no-resource`, version, only: true,
  run: options => runWith(options, async (input, init) => {
    const body = init?.body;
    if (body && (typeof body === 'string' || body instanceof URLSearchParams)) {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && form.has('resource')) {
        form.delete('resource');
        init = { ...init, body: form.toString() };
      }
    }
    return fetch(input, init);
  }),
};

async function runWith({ url, user, tool, signIn, enterprise, log }, fetchFn) {
  const idToken = await signInAtTheIdp(enterprise, user, signIn);
  log('signed in at the enterprise IdP: an ID token');
  let exchanges = 0;
  const provider = new CrossAppAccessProvider({
    assertion: async ctx => {
      exchanges++;
      log(`token exchange at the IdP: audience ${ctx.authorizationServerUrl}, resource ${ctx.resourceUrl}`);
      const grant = await discoverAndRequestJwtAuthGrant({
        idpUrl: enterprise.idp, audience: ctx.authorizationServerUrl, resource: ctx.resourceUrl, idToken,
        clientId: enterprise.idpClientId, clientSecret: enterprise.idpClientSecret, scope: ctx.scope, fetchFn: ctx.fetchFn,
      });
      return grant.jwtAuthGrant;
    },
    clientId: enterprise.asClientId,
    clientSecret: enterprise.asClientSecret,
    fetchFn,
    expectedIssuer: enterprise.authorizationServer,
  });
  const client = new Client({ name: 'mcp-oauth-cookbook-interop', version: '1.0.0' });
  try {
    // The SDK's token requests go through the transport's fetch, not the provider's.
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: fetchFn }));
    const tools = (await client.listTools()).tools.map(t => t.name);
    const result = await client.callTool({ name: tool.name, arguments: tool.arguments });
    if (exchanges === 0) throw new Error('connected without an ID-JAG');
    return { tools, result, how: `signed in once at the IdP, ${exchanges} ID-JAG(s), no browser at the MCP side` };
  } finally {
    await client.close().catch(() => {});
  }
}

/** OpenID Connect code flow with PKCE, state and nonce at the IdP, as the company's client; returns the ID token. */
async function signInAtTheIdp(enterprise, user, signIn) {
  const metadata = await (await fetch(`${enterprise.idp}/.well-known/openid-configuration`)).json();
  if (metadata.issuer !== enterprise.idp) throw new Error(`IdP issuer ${metadata.issuer}, expected ${enterprise.idp}`);
  const verifier = crypto.randomBytes(32).toString('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  const nonce = crypto.randomBytes(16).toString('base64url');
  const callback = await callbackServer();
  try {
    const authorize = new URL(metadata.authorization_endpoint);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: enterprise.idpClientId, redirect_uri: callback.url, scope: 'openid',
      state, nonce, code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    await signIn(authorize.toString(), user);
    const params = await callback.params;
    if (params.get('state') !== state) throw new Error('the sign-in response has another state');
    const response = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: 'Basic ' + Buffer.from(`${enterprise.idpClientId}:${enterprise.idpClientSecret}`).toString('base64'),
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: callback.url,
        code_verifier: verifier }).toString(),
    });
    const tokens = await response.json();
    if (!response.ok || !tokens.id_token) throw new Error(`the IdP's token endpoint answered ${response.status} ${tokens.error || ''}`);
    const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
    if (claims.nonce !== nonce || claims.iss !== enterprise.idp) throw new Error('the ID token has another nonce or issuer');
    return tokens.id_token;
  } finally {
    callback.close();
  }
}

/** The loopback redirect URI (RFC 8252 section 7.3) for the sign-in: resolves `params` with the response's parameters. */
function callbackServer() {
  return new Promise(resolve => {
    let deliver;
    const params = new Promise(ok => { deliver = ok; });
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('You can close this window.');
      deliver(new URL(req.url, 'http://127.0.0.1').searchParams);
    });
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}/callback`, params, close: () => server.close(),
    }));
  });
}
