// The peer in make bench's auth-overhead figures: the MCP TypeScript SDK's own bearer-auth middleware
// (requireBearerAuth) with a jose JWKS verifier, as its documentation suggests, on the SDK's stateless
// Streamable HTTP server with a whoami tool. Started by benchmarks' PeerOverhead (PeerOverhead.java).
// AUTH=on|off (off = the unauthenticated twin: the same server, no middleware), PORT, MCP_RESOURCE, ISSUER,
// JWKS_URI, REQUIRED_SCOPE.
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

const env = process.env;
const port = Number(env.PORT ?? 3000);
const auth = (env.AUTH ?? 'on') === 'on';
const resource = env.MCP_RESOURCE ?? `http://127.0.0.1:${port}/mcp`;
const issuer = env.ISSUER;
const scope = env.REQUIRED_SCOPE ?? 'mcp:tools';

const jwks = auth ? createRemoteJWKSet(new URL(env.JWKS_URI), { cooldownDuration: 10_000, cacheMaxAge: 300_000 }) : null;
const verifier = {
  async verifyAccessToken(token) {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer, audience: resource, algorithms: ['RS256'], typ: undefined, clockTolerance: 30, requiredClaims: ['exp'] });
      if (Array.isArray(payload.aud) && payload.aud.length !== 1) throw new Error('more than one audience');
      return {
        token, clientId: String(payload.azp ?? payload.client_id ?? ''),
        scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
        expiresAt: payload.exp, resource: new URL(resource), extra: { sub: payload.sub },
      };
    } catch (e) {
      throw new InvalidTokenError('Invalid token');
    }
  },
};

function mcpServer() {
  const server = new McpServer({ name: 'peer-whoami', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling' }, async (extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ subject: extra.authInfo?.extra?.sub ?? 'anonymous' }) }],
  }));
  return server;
}

const app = express();
app.use(express.json({ limit: '1mb' }));
const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', resource).href;
app.get('/.well-known/oauth-protected-resource/mcp', (_req, res) =>
  res.json({ resource, authorization_servers: issuer ? [issuer] : [], scopes_supported: [scope] }));
const guard = auth
  ? requireBearerAuth({ verifier, requiredScopes: [scope], resourceMetadataUrl: metadataUrl, expectedResource: new URL(resource) })
  : (_req, _res, next) => next();
app.post('/mcp', guard, async (req, res) => {
  // Stateless Streamable HTTP, as the SDK's own example: a server and transport per request.
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
app.listen(port, '127.0.0.1', () => console.log(`peer listening on ${port} auth=${auth}`));
