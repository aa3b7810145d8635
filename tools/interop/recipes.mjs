// Each server recipe as `make run` starts it, and what a client does there once signed in.
// To add a recipe: one entry. The clients get only `url`; the rest is the user's part, except where a recipe names
// its `clients` and what they get besides (`enterprise`: the company's IdP and the client's credentials).
import crypto from 'node:crypto';

const ALICE = { username: 'alice', password: 'alice-demo-password' };

export const recipes = [
  { name: 'resource-server-spring', env: { PORT: '18080' }, url: 'http://localhost:18080/mcp', user: ALICE,
    tool: { name: 'whoami', arguments: {} } },
  { name: 'resource-server-micronaut', env: { PORT: '18080' }, url: 'http://localhost:18080/mcp', user: ALICE,
    tool: { name: 'whoami', arguments: {} } },
  { name: 'resource-server-javalin', env: { PORT: '18080' }, url: 'http://localhost:18080/mcp', user: ALICE,
    tool: { name: 'whoami', arguments: {} } },
  { name: 'token-gateway', env: { GATEWAY_PORT: '18080' }, url: 'http://localhost:18080/mcp/notes', user: ALICE,
    tool: { name: 'list_notes', arguments: {} } },
  { name: 'multi-user-store', env: { PORT: '18080', CALENDAR_PORT: '18090' }, url: 'http://localhost:18080/mcp',
    user: ALICE, tool: { name: 'connect_status', arguments: {} } },
  { name: 'github-proxy', env: { PROXY_PORT: '18080' }, url: 'http://127.0.0.1:18080/mcp',
    user: { username: 'octocat', password: 'octocat-demo-password' }, tool: { name: 'whoami', arguments: {} } },
  // Enterprise-Managed Authorization: no client here registers itself; the company's client signs in at its IdP.
  { name: 'enterprise-managed-authorization', clients: ['typescript-sdk-ema', 'typescript-sdk-ema/no-resource'],
    url: 'http://localhost:18080/mcp', user: ALICE, tool: { name: 'whoami', arguments: {} },
    knownFailures: {
      'typescript-sdk-ema': {
        match: /TokenPostProcessorContext\.refreshToken\(\)" is null/,
        why: 'Keycloak 26.7.3 fails a JWT bearer request that carries resource (NullPointerException in its resource '
            + 'indicators post-processor: that grant issues no refresh token); the SDK sends resource. The next line drops it.',
      },
    },
    ...(secret => ({
      env: { PORT: '18080', IDP_PORT: '18095', ENTERPRISE_CLIENT_SECRET: secret },
      enterprise: {
        idp: 'http://127.0.0.1:18095', idpClientId: 'mcp-desktop', idpClientSecret: 'mcp-desktop-demo-secret',
        authorizationServer: `http://localhost:${process.env.INTEROP_KEYCLOAK_PORT || '18180'}/realms/mcp-enterprise`,
        asClientId: 'mcp-enterprise-client', asClientSecret: secret,
      },
    }))(crypto.randomBytes(24).toString('base64url')) },
];
