package dev.mcpoauth.cookbook.testkit.contract;

import dev.mcpoauth.cookbook.probe.ProtectedResourceMetadataDiscovery;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import java.net.URI;

/**
 * What a recipe tells {@link ResourceServerContract} about its server: where it runs and which realm
 * it trusts ({@link ContractEnvironment}), its RFC 9728 {@code resource_name}, whether the root
 * well-known URL serves its metadata, and its tools with their scopes ({@link RecipeTools}).
 *
 * <pre>{@code
 * ResourceServerUnderTest.of(ENVIRONMENT, "MCP OAuth Cookbook: Javalin resource server")
 * }</pre>
 *
 * @param environment        the URL, realm and JWKS proxy the server was started with
 * @param resourceName       the server's RFC 9728 {@code resource_name}
 * @param servesRootMetadata whether the root well-known URL serves this resource's metadata too, for
 *                           clients that fall back to it. Not where one host has several resources under
 *                           paths (a gateway's {@code /mcp/<backend>}): a root document can name only one of
 *                           them, and would send the others' clients for a token that does not open them
 *                           (RFC 9728 section 3.3). Then the root answers 404.
 * @param tools              the recipe's tools, what to call and what they answer
 * @param speaksMcp2026      whether the server also serves MCP 2026-07-28 (stateless, every request carrying its
 *                           version) on the same URL as 2025-11-25. Off unless the recipe says so: the
 *                           contract's 2026-07-28 tests then report as skipped, naming this switch.
 */
public record ResourceServerUnderTest(ContractEnvironment environment, String resourceName, boolean servesRootMetadata,
                                      RecipeTools tools, boolean speaksMcp2026) {

    /** A server with the notes tools ({@link RecipeTools#notes()}) that serves root metadata too, and 2025-11-25 only. */
    public static ResourceServerUnderTest of(ContractEnvironment environment, String resourceName) {
        return new ResourceServerUnderTest(environment, resourceName, true, RecipeTools.notes(), false);
    }

    /** The same server, whose root well-known URL answers 404. */
    public ResourceServerUnderTest withoutRootMetadata() {
        return new ResourceServerUnderTest(environment, resourceName, false, tools, speaksMcp2026);
    }

    /** The same server, with other tools. */
    public ResourceServerUnderTest withTools(RecipeTools tools) {
        return new ResourceServerUnderTest(environment, resourceName, servesRootMetadata, tools, speaksMcp2026);
    }

    /**
     * The same server, which also speaks MCP 2026-07-28 on the same URL: every wire-independent test
     * runs over both revisions, and the 2026-07-28 tests run too.
     */
    public ResourceServerUnderTest speakingMcp2026() {
        return new ResourceServerUnderTest(environment, resourceName, servesRootMetadata, tools, true);
    }

    /** The protected resource: tokens carry it in {@code aud}, its metadata names it. */
    public URI mcpUrl() {
        return environment.mcpUrl();
    }

    /** Where clients send MCP requests. */
    public URI mcpEndpoint() {
        return environment.mcpEndpoint();
    }

    public Realm realm() {
        return environment.realm();
    }

    /** The {@code aud} a token for this server carries (RFC 8707): its canonical URL. */
    public String audience() {
        return mcpUrl().toString();
    }

    /** RFC 9728 section 3.1, computed as the probe (and a client) computes it. */
    public String resourceMetadataUrl() {
        return ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()).toString();
    }
}
