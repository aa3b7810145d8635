// A minimal MCP resource server put together the way the MCP TypeScript SDK's docs and examples suggest:
// McpServer + StreamableHTTPServerTransport, RFC 9728 metadata from mcpAuthMetadataRouter and the
// SDK's requireBearerAuth. We wrote only the glue; every OAuth decision is the SDK's, which is the point:
// the probe is judged against a server whose rules nobody on this project chose.
//
// The authorization server is the SDK's own demo (setupAuthServer, from the SDK's examples) with
// strictResource: false, so it issues tokens for ANY resource; refusing a token issued for another
// resource is this server's job (expectedResource), and the probe's tests rely on it doing so.
//
// Env: MCP_PORT (default 3000), MCP_AUTH_PORT (default 3001). Prints one line when both are listening.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthMetadataRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { setupAuthServer } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import * as z from 'zod/v4';

const MCP_PORT = parseInt(process.env.MCP_PORT ?? '3000', 10);
const AUTH_PORT = parseInt(process.env.MCP_AUTH_PORT ?? '3001', 10);
const mcpUrl = new URL(`http://localhost:${MCP_PORT}/mcp`);
const authServerUrl = new URL(`http://localhost:${AUTH_PORT}`);

// The demo AS listens on its own port (all interfaces: setupAuthServer does not take a host).
const oauthMetadata = setupAuthServer({ authServerUrl, mcpServerUrl: mcpUrl, strictResource: false });

// RFC 7662 introspection at the demo AS, as the SDK example does, with two differences the SDK's
// bearer middleware needs to answer correctly: an unknown or inactive token is an InvalidTokenError
// (401 invalid_token; a plain Error would be a 500), and `aud` is reported as `resource` so that
// expectedResource can refuse tokens issued for another resource.
const verifier = {
  async verifyAccessToken(token) {
    const response = await fetch(oauthMetadata.introspection_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString()
    });
    // The demo AS answers 401 {active:false} for a token it does not know.
    const data = response.ok ? await response.json() : { active: false };
    if (!data.active) {
      throw new InvalidTokenError('Token is not active');
    }
    const aud = [data.aud ?? []].flat()[0];
    return {
      token,
      clientId: data.client_id,
      scopes: data.scope ? data.scope.split(' ') : [],
      expiresAt: data.exp,
      resource: aud && URL.canParse(aud) ? new URL(aud) : undefined
    };
  }
};

// Default host 127.0.0.1: the SDK adds its DNS-rebinding (Host header) check.
const app = createMcpExpressApp();
app.use(mcpAuthMetadataRouter({
  oauthMetadata,
  resourceServerUrl: mcpUrl,
  scopesSupported: ['mcp:tools'],
  resourceName: 'Minimal bearer MCP server (probe peer)'
}));

// Every method on /mcp needs a token, so an unauthenticated GET is challenged like a POST.
app.all('/mcp', requireBearerAuth({
  verifier,
  requiredScopes: ['mcp:tools'],
  resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
  expectedResource: mcpUrl
}));

// Stateless: a fresh server and transport per POST, as in the SDK's stateless example.
app.post('/mcp', async (req, res) => {
  const server = new McpServer({ name: 'minimal-bearer-server', version: '1.0.0' });
  server.registerTool('echo', {
    description: 'Echoes its text back',
    inputSchema: { text: z.string() }
  }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    console.error('Error handling MCP request:', error);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

// No sessions, so no SSE stream to GET and nothing to DELETE.
app.all('/mcp', (req, res) => {
  res.status(405).set('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
});

app.listen(MCP_PORT, '127.0.0.1', error => {
  if (error) {
    console.error('Failed to start server:', error);
    process.exit(1);
  }
  console.log(`Minimal bearer MCP server listening on ${mcpUrl.href} (authorization server ${authServerUrl.href})`);
});
