/**
 * The resource-server part: the checks between the HTTP request and the tools (bearer token, audience,
 * scopes, Origin, MCP session owner, the JSON-RPC body) and the RFC 9728 metadata document.
 * {@code McpAuthFilter}, {@code AccessTokenValidation} and {@code ProtectedResourceMetadata} are
 * whole-file copies of the recipes/resource-server-micronaut classes (listed in recipes/COPIES, only the
 * package line differs): change the originals there and run tools/copies/sync.py. {@link McpConfiguration}
 * and {@link AuthenticatedUser} live here because those copies use them without an import, as in the original.
 */
package dev.mcpoauth.cookbook.multiuserstore.resourceserver;
