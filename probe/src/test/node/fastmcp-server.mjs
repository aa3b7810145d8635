// An MCP server built with the fastmcp framework (npm "fastmcp", pinned in package.json) the way its
// README shows a server protected by OAuth ("OAuth Discovery Endpoints"): the `oauth` option serves the
// RFC 9728 and RFC 8414 documents, and an `authenticate` function rejects a request by throwing
// `new Response(null, { status: 401, statusText })`. Everything else on the wire is the framework's
// (and mcp-proxy's, which fastmcp runs its HTTP transport on): the point is to see what a typical
// fastmcp server answers, so nothing here adds a challenge, a scope or an audience check of its own.
//
// The authorization server is the MCP SDK's demo (setupAuthServer) with strictResource: false, as in
// minimal-bearer-server.mjs: it issues opaque tokens for ANY resource. The README verifies a JWT; the
// demo's tokens are opaque, so authenticate asks its introspection endpoint instead, and like the
// README returns the caller's identity and scope without checking either.
//
// Env: MCP_PORT (default 3000), MCP_AUTH_PORT (default 3001).
import { FastMCP } from 'fastmcp';
import { setupAuthServer } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import { z } from 'zod';

const MCP_PORT = parseInt(process.env.MCP_PORT ?? '3000', 10);
const AUTH_PORT = parseInt(process.env.MCP_AUTH_PORT ?? '3001', 10);
const mcpUrl = `http://localhost:${MCP_PORT}/mcp`;

// The demo AS listens on its own port; its issuer is http://localhost:AUTH_PORT/ (with the slash).
const as = setupAuthServer({
  authServerUrl: new URL(`http://localhost:${AUTH_PORT}`),
  mcpServerUrl: new URL(mcpUrl),
  strictResource: false
});

const server = new FastMCP({
  name: 'fastmcp-server',
  version: '1.0.0',
  oauth: {
    enabled: true,
    // The README's example also fills this one ("Required by MCP Specification 2025-03-26", say the
    // types): fastmcp serves it as /.well-known/oauth-authorization-server on the MCP port.
    authorizationServer: {
      issuer: as.issuer,
      authorizationEndpoint: as.authorization_endpoint,
      tokenEndpoint: as.token_endpoint,
      registrationEndpoint: as.registration_endpoint,
      responseTypesSupported: as.response_types_supported,
      codeChallengeMethodsSupported: as.code_challenge_methods_supported
    },
    protectedResource: {
      resource: mcpUrl,
      authorizationServers: [as.issuer],
      scopesSupported: ['mcp:tools']
    }
  },
  authenticate: async request => {
    const authHeader = request.headers.authorization;
    if (!authHeader?.startsWith('Bearer ')) {
      throw new Response(null, { status: 401, statusText: 'Missing or invalid authorization header' });
    }
    // RFC 7662 at the demo AS: 200 {active:true, scope, aud, ...}, or 401 {active:false} for a token it
    // does not know.
    const response = await fetch(as.introspection_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: authHeader.slice(7) })
    });
    const data = response.ok ? await response.json() : { active: false };
    if (!data.active) {
      throw new Response(null, { status: 401, statusText: 'Invalid OAuth token' });
    }
    return { clientId: data.client_id, scope: data.scope };
  }
});

server.addTool({
  name: 'echo',
  description: 'Echoes its text back',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => text
});

// fastmcp's default host is "localhost"; the address is spelled out so the harness finds it on IPv4.
await server.start({
  transportType: 'httpStream',
  httpStream: { host: '127.0.0.1', port: MCP_PORT, endpoint: '/mcp' }
});
