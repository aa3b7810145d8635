// Each server recipe as `make run` starts it, and what a client does there once signed in.
// To add a recipe: one entry. The clients get only `url`; the rest is the user's part.
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
];
