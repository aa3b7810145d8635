package dev.mcpoauth.cookbook.probe;

import static dev.mcpoauth.cookbook.probe.Level.INFO;
import static dev.mcpoauth.cookbook.probe.Level.MUST;
import static dev.mcpoauth.cookbook.probe.Level.SHOULD;

import java.util.ArrayList;
import java.util.List;

/** Every check the probe makes besides the refused-request ones of {@link RejectedCredential}. */
public final class Checks {

    // ---- RFC 9728 protected resource metadata ---------------------------------------------------

    public static final Check PRM_DISCOVERABLE = new Check("prm.discoverable", Step.RESOURCE_METADATA, MUST,
            "MCP Protected Resource Metadata Discovery Requirements; RFC 9728 sections 3 and 5.1",
            "metadata is found through the challenge's resource_metadata or a well-known URL");
    public static final Check PRM_HEADER_DOCUMENT = new Check("prm.header-document", Step.RESOURCE_METADATA, MUST,
            "RFC 9728 section 5.1", "the resource_metadata URL of the challenge serves the metadata");
    // INFO: the spec requires one discovery mechanism (the challenge's resource_metadata or a well-known
    // URL), judged by prm.discoverable; which of the optional URLs also answer is for the reader.
    public static final Check PRM_WELL_KNOWN_PATH = new Check("prm.well-known-path", Step.RESOURCE_METADATA, INFO,
            "RFC 9728 section 3.1; MCP Protected Resource Metadata Discovery (clients try it when the challenge names no URL)",
            "what /.well-known/oauth-protected-resource inserted before the URL's path serves");
    public static final Check PRM_WELL_KNOWN_ROOT = new Check("prm.well-known-root", Step.RESOURCE_METADATA, INFO,
            "MCP Protected Resource Metadata Discovery (the clients' last fallback); RFC 9728 section 3.3",
            "what the root /.well-known/oauth-protected-resource serves (optional: a server need not serve its MCP"
                    + " path's metadata there)");
    public static final Check PRM_CONTENT_TYPE = new Check("prm.content-type", Step.RESOURCE_METADATA, MUST,
            "RFC 9728 section 3.2", "200 with Content-Type application/json and a JSON object");
    public static final Check PRM_RESOURCE = new Check("prm.resource", Step.RESOURCE_METADATA, MUST,
            "RFC 9728 sections 3.3 and 7.3; MCP Canonical Server URI",
            "resource is the MCP server's URL (or a parent of it on the same origin)");
    public static final Check PRM_RESOURCE_IDENTICAL = new Check("prm.resource-identical", Step.RESOURCE_METADATA, MUST,
            "RFC 9728 section 3.3",
            "metadata reached through the challenge's resource_metadata names exactly the URL requested (no parent, no extra slash)");
    public static final Check PRM_AUTHORIZATION_SERVERS = new Check("prm.authorization-servers", Step.RESOURCE_METADATA,
            MUST, "MCP Authorization Server Location; RFC 9728 section 2",
            "authorization_servers lists at least one issuer URL");
    public static final Check PRM_BEARER_METHODS = new Check("prm.bearer-methods", Step.RESOURCE_METADATA, SHOULD,
            "MCP Token Requirements (never in the query string); RFC 9728 section 2",
            "bearer_methods_supported, if present, offers the header only");
    public static final Check PRM_HTTPS = new Check("prm.https", Step.RESOURCE_METADATA, MUST,
            "MCP Communication Security; RFC 9728 section 3.1",
            "the resource and its metadata URL are https (http only on loopback)");
    public static final Check PRM_CORS = new Check("prm.cors", Step.RESOURCE_METADATA, SHOULD,
            "Fetch standard (CORS), for browser-based MCP clients such as MCP Inspector",
            "the metadata is readable cross-origin (Access-Control-Allow-Origin)");

    // ---- RFC 8414 / OpenID Connect Discovery -----------------------------------------------------

    public static final Check AS_DISCOVERY = new Check("as.discovery", Step.AUTHORIZATION_SERVER, MUST,
            "MCP Authorization Server Metadata Discovery; RFC 8414 section 3.1; OpenID Connect Discovery section 4",
            "metadata at one of the well-known URLs, tried in the spec's order");
    public static final Check AS_ISSUER = new Check("as.issuer", Step.AUTHORIZATION_SERVER, MUST,
            "RFC 8414 section 3.3; MCP 2026-07-28 Authorization Server Discovery",
            "issuer is identical to the issuer the document was fetched for");
    public static final Check AS_ENDPOINTS = new Check("as.endpoints", Step.AUTHORIZATION_SERVER, MUST,
            "RFC 8414 section 2", "authorization_endpoint and token_endpoint are present");
    public static final Check AS_HTTPS = new Check("as.https", Step.AUTHORIZATION_SERVER, MUST,
            "MCP Communication Security; OAuth 2.1 section 1.5",
            "issuer and endpoints are https (http only on loopback, for local development)");
    public static final Check AS_PKCE_S256 = new Check("as.pkce-s256", Step.AUTHORIZATION_SERVER, MUST,
            "MCP Authorization Code Protection; RFC 7636 section 4.2; RFC 8414 section 2",
            "code_challenge_methods_supported includes S256 (else clients MUST refuse to proceed)");
    public static final Check AS_REGISTRATION = new Check("as.registration", Step.AUTHORIZATION_SERVER, SHOULD,
            "MCP Client Registration Approaches; RFC 7591; OAuth Client ID Metadata Document",
            "a client can register without an operator: CIMD or a registration_endpoint");
    public static final Check AS_CIMD = new Check("as.cimd", Step.AUTHORIZATION_SERVER, SHOULD,
            "MCP Client ID Metadata Documents (DCR is deprecated in 2026-07-28)",
            "client_id_metadata_document_supported is true");
    public static final Check AS_ISS_PARAMETER = new Check("as.iss-parameter", Step.AUTHORIZATION_SERVER, SHOULD,
            "RFC 9207 section 3; MCP 2026-07-28", "authorization_response_iss_parameter_supported is true");

    // ---- --register: RFC 7591 / RFC 7592 -----------------------------------------------------------

    public static final Check REGISTRATION_OPEN = new Check("registration.open", Step.REGISTRATION, SHOULD,
            "RFC 7591 sections 3 and 3.2.1 (open registration); MCP Dynamic Client Registration",
            "a public loopback client registers without an initial access token: 201 with a client_id");
    public static final Check REGISTRATION_DELETE = new Check("registration.delete", Step.REGISTRATION, INFO,
            "RFC 7592 section 2.3", "the probe deletes the client it registered, with its registration_access_token");

    // ---- --token -----------------------------------------------------------------------------------

    public static final Check TOKEN_CLAIMS = new Check("token.claims", Step.REAL_TOKEN, INFO,
            "RFC 7519 section 4; RFC 9068", "the token's claims, decoded without verification (never the token)");
    public static final Check TOKEN_AUDIENCE = new Check("token.audience", Step.REAL_TOKEN, MUST,
            "MCP Authorization, Token Handling (audience validation); RFC 8707 section 2; RFC 9068 section 4",
            "a JWT whose aud does not name this resource (the metadata's resource) is refused with 401");
    public static final Check TOKEN_EXPIRY = new Check("token.expiry", Step.REAL_TOKEN, MUST,
            "MCP Authorization, Token Handling; RFC 9068 section 4; RFC 7519 section 4.1.4",
            "a JWT past its exp is refused with 401");
    public static final Check TOKEN_ACCEPTED = new Check("token.accepted", Step.REAL_TOKEN, MUST,
            "MCP Token Handling; OAuth 2.1 section 5.2",
            "a token valid for this resource is accepted (initialize: 200); a correct refusal is not charged to the server");
    public static final Check TOKEN_TOOLS_LIST = new Check("token.tools-list", Step.REAL_TOKEN, INFO,
            "MCP Tools (tools/list)", "what tools/list answers with this token");
    public static final Check TOKEN_INSUFFICIENT_SCOPE = new Check("token.insufficient-scope", Step.REAL_TOKEN, SHOULD,
            "MCP Scope Challenge Handling; RFC 6750 section 3.1",
            "a 403 carries error=\"insufficient_scope\", the scope needed and resource_metadata");

    // ---- Which MCP revisions the server speaks --------------------------------------------------------

    // INFO: a server MAY serve either era or both (MCP 2026-07-28 Versioning, Backward Compatibility with
    // Initialization-Based Versions); speaking only one is no failure.
    public static final Check REVISION_2025_11_25 = new Check("revisions.2025-11-25", Step.REVISIONS, INFO,
            "MCP 2025-11-25 Lifecycle (initialize); MCP 2026-07-28 Versioning, Backward Compatibility (a server MAY"
                    + " serve both eras)",
            "whether the server speaks 2025-11-25: initialize answered with protocolVersion 2025-11-25");
    public static final Check REVISION_2026_07_28 = new Check("revisions.2026-07-28", Step.REVISIONS, INFO,
            "MCP 2026-07-28 server/discover (servers MUST implement it); Versioning, Protocol Version Negotiation",
            "whether the server speaks 2026-07-28: server/discover answered with supportedVersions naming it");

    // ---- The 2026-07-28 wire --------------------------------------------------------------------------

    public static final Check DISCOVER_WITHOUT_TOKEN = new Check("mcp2026.discover-without-token", Step.STATELESS_WIRE,
            MUST, "MCP 2026-07-28 Authorization, Token Requirements (names no method as exempt) and server/discover"
                    + " (silent on authorization); Authorization Server Discovery, Protected Resource Metadata Discovery"
                    + " Requirements; RFC 9728 section 5.1; RFC 9110 section 11.6.1",
            "server/discover without a token: answered, or refused with 401 and a Bearer challenge (either is allowed)");
    public static final Check MCP_METHOD_MISMATCH = new Check("mcp2026.header-mismatch.mcp-method", Step.STATELESS_WIRE,
            MUST, "MCP 2026-07-28 Streamable HTTP, Standard Request Headers and Server Validation",
            "a request whose Mcp-Method header disagrees with the body's method: HTTP 400, JSON-RPC -32020 (HeaderMismatch)");
    public static final Check MCP_NAME_MISMATCH = new Check("mcp2026.header-mismatch.mcp-name", Step.STATELESS_WIRE,
            MUST, "MCP 2026-07-28 Streamable HTTP, Standard Request Headers and Server Validation",
            "a tools/call whose Mcp-Name header names another tool than the body: HTTP 400, JSON-RPC -32020");
    public static final Check PROTOCOL_VERSION_MISMATCH = new Check("mcp2026.header-mismatch.protocol-version",
            Step.STATELESS_WIRE, MUST, "MCP 2026-07-28 Streamable HTTP, Protocol Version Header and Server Validation",
            "MCP-Protocol-Version disagreeing with _meta io.modelcontextprotocol/protocolVersion: HTTP 400, JSON-RPC -32020");
    public static final Check UNSUPPORTED_VERSION = new Check("mcp2026.unsupported-version", Step.STATELESS_WIRE, MUST,
            "MCP 2026-07-28 Streamable HTTP, Protocol Version Header; Versioning, Protocol Version Negotiation;"
                    + " schema UnsupportedProtocolVersionError",
            "an unsupported version (" + StatelessWire.UNSUPPORTED_VERSION + "): HTTP 400, JSON-RPC -32022 with"
                    + " data.supported and data.requested");
    public static final Check UNKNOWN_METHOD = new Check("mcp2026.unknown-method", Step.STATELESS_WIRE, MUST,
            "MCP 2026-07-28 Streamable HTTP, Protocol Version Header",
            "a method the server does not implement: HTTP 404, JSON-RPC -32601 (Method not found)");

    private Checks() {
    }

    /** The whole catalogue, in report order (for the README table and tests). */
    public static List<Check> all() {
        List<Check> all = new ArrayList<>(RejectedCredential.NO_TOKEN.checks());
        all.addAll(List.of(PRM_DISCOVERABLE, PRM_HEADER_DOCUMENT, PRM_WELL_KNOWN_PATH, PRM_WELL_KNOWN_ROOT,
                PRM_CONTENT_TYPE, PRM_RESOURCE, PRM_RESOURCE_IDENTICAL, PRM_AUTHORIZATION_SERVERS, PRM_BEARER_METHODS, PRM_HTTPS, PRM_CORS,
                AS_DISCOVERY, AS_ISSUER, AS_ENDPOINTS, AS_HTTPS, AS_PKCE_S256, AS_REGISTRATION, AS_CIMD,
                AS_ISS_PARAMETER, REGISTRATION_OPEN, REGISTRATION_DELETE));
        for (RejectedCredential forged : List.of(RejectedCredential.GARBAGE, RejectedCredential.ALG_NONE,
                RejectedCredential.UNTRUSTED_KEY, RejectedCredential.EXPIRED, RejectedCredential.WRONG_AUDIENCE,
                RejectedCredential.FOREIGN_TOKEN)) {
            all.addAll(forged.checks());
        }
        all.addAll(List.of(TOKEN_CLAIMS, TOKEN_AUDIENCE, TOKEN_EXPIRY, TOKEN_ACCEPTED, TOKEN_TOOLS_LIST,
                TOKEN_INSUFFICIENT_SCOPE, REVISION_2025_11_25, REVISION_2026_07_28, DISCOVER_WITHOUT_TOKEN));
        for (RejectedCredential refused : StatelessWire.REFUSALS) {
            all.addAll(refused.on(Revision.MCP_2026_07_28).checks());
        }
        all.addAll(List.of(MCP_METHOD_MISMATCH, MCP_NAME_MISMATCH, PROTOCOL_VERSION_MISMATCH, UNSUPPORTED_VERSION,
                UNKNOWN_METHOD));
        return List.copyOf(all);
    }
}
