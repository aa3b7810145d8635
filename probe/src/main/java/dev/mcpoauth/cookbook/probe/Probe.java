package dev.mcpoauth.cookbook.probe;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Walks what a compliant MCP client does with nothing but the server's URL, judging every answer:
 * the 401 challenge, the RFC 9728 metadata, the authorization servers' metadata, forged tokens, and
 * optionally a real token. Non-destructive unless asked to {@link #register}: it sends {@code initialize}
 * and {@code tools/list} only.
 */
public final class Probe {

    /** An Origin a browser-based client (MCP Inspector) sends, for the CORS check. */
    static final String BROWSER_ORIGIN = "http://localhost:6274";
    private static final int MAX_AUTHORIZATION_SERVERS = 3;

    private final URI target;
    private final ProbeHttp http;
    private final TokenSigner signer;
    private final String token;
    private final boolean register;

    private Probe(URI target, ProbeHttp http, TokenSigner signer, String token, boolean register) {
        this.target = target;
        this.http = http;
        this.signer = signer;
        this.token = token;
        this.register = register;
    }

    /** A probe of the MCP endpoint at {@code target}, 10-second timeouts, forged tokens signed with an untrusted key. */
    public static Probe of(URI target) {
        return new Probe(target, ProbeHttp.withTimeout(Duration.ofSeconds(10)), null, null, false);
    }

    public Probe http(ProbeHttp http) {
        return new Probe(target, http, signer, token, register);
    }

    /** Signs the expired and wrong-audience tokens with a key the server trusts (tests). */
    public Probe signer(TokenSigner signer) {
        return new Probe(target, http, signer, token, register);
    }

    /** A real token to check: accepted, and what tools/list answers with it. */
    public Probe token(String token) {
        return new Probe(target, http, signer, token, register);
    }

    /**
     * Also registers a client at the first authorization server's registration_endpoint (RFC 7591) and
     * deletes it again (RFC 7592). This writes to the authorization server: off unless asked for.
     */
    public Probe register(boolean register) {
        return new Probe(target, http, signer, token, register);
    }

    public ProbeReport run() throws ProbeUnreachableException {
        ProbeReport report = new ProbeReport(target);

        // 1. No token: 401 and a challenge that leads to discovery.
        ProbeResponse unauthenticated;
        try {
            unauthenticated = http.postMcp(target, null, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            throw new ProbeUnreachableException("No answer from " + target + ": " + describe(e), e);
        }
        report.addAll(UnauthorizedResponse.judge(RejectedCredential.NO_TOKEN, unauthenticated.status(),
                unauthenticated.all("WWW-Authenticate"), null));
        Optional<BearerChallenge> challenge = challenge(unauthenticated);
        String challengedMetadataUrl = challenge.flatMap(BearerChallenge::resourceMetadata).orElse(null);

        // 2. RFC 9728 metadata: the challenge's URL, then the well-known URLs in the client's order.
        ProtectedResourceMetadata metadata = discoverResourceMetadata(report, challengedMetadataUrl);

        // 3. Each authorization server's metadata.
        List<String> issuers = metadata == null ? List.of() : metadata.authorizationServers();
        if (issuers.isEmpty()) {
            report.add(Checks.AS_DISCOVERY.skip("no authorization server to discover"));
        }
        List<AuthorizationServerMetadata> discovered = new ArrayList<>();
        for (String issuer : issuers.stream().limit(MAX_AUTHORIZATION_SERVERS).toList()) {
            discoverAuthorizationServer(report, issuer).ifPresent(discovered::add);
        }
        // The scopes a client asks for: the challenge's, else all the metadata offers (MCP Scope Selection Strategy).
        String scope = challenge.flatMap(BearerChallenge::scope).orElse(metadata == null || metadata.scopesSupported().isEmpty()
                ? null : String.join(" ", metadata.scopesSupported()));

        // 3b. Only when asked: register at the authorization server a client would use, the first one found.
        if (register) {
            if (discovered.isEmpty()) {
                report.add(Checks.REGISTRATION_OPEN.skip("no authorization server metadata: not attempted"));
            } else {
                new DynamicClientRegistration(http).registerAndDelete(report, discovered.get(0), scope);
            }
        }

        // 4. Forged tokens: each must be refused like a missing one, with invalid_token.
        ForgedTokens forged = new ForgedTokens(issuers.isEmpty() ? "https://issuer.mcp-oauth-probe.invalid" : issuers.get(0),
                metadata == null ? target.toString() : metadata.resource().orElse(target.toString()), scope,
                signer == null ? TokenSigner.untrusted() : signer);
        if (signer == null) {
            report.note("Forged tokens are signed with the probe's own key, which the server does not trust: they"
                    + " show that the server refuses them, not that it checks expiry or audience in particular.");
        }
        for (RejectedCredential kind : List.of(RejectedCredential.GARBAGE, RejectedCredential.ALG_NONE,
                RejectedCredential.EXPIRED, RejectedCredential.WRONG_AUDIENCE)) {
            try {
                ProbeResponse refused = http.postMcp(target, "Bearer " + forged.token(kind), ProbeHttp.INITIALIZE, Map.of());
                report.addAll(UnauthorizedResponse.judge(kind, refused.status(), refused.all("WWW-Authenticate"),
                        challengedMetadataUrl));
            } catch (IOException e) {
                report.add(kind.status().violated("no answer: " + describe(e)));
            }
        }

        // 5. A real token, if given.
        if (token != null) {
            checkRealToken(report);
        }
        return report;
    }

    private ProtectedResourceMetadata discoverResourceMetadata(ProbeReport report, String challengedUrl) {
        Map<URI, Optional<ProbeResponse>> fetched = new LinkedHashMap<>();
        ProtectedResourceMetadata chosen = null;
        ProbeResponse chosenResponse = null;

        if (challengedUrl == null) {
            report.add(Checks.PRM_RESOURCE_IDENTICAL.skip("the challenge names no resource_metadata URL"));
            report.add(Checks.PRM_HEADER_DOCUMENT.skip("the challenge names no resource_metadata URL"));
        } else {
            URI url = ProtectedResourceMetadataDiscovery.parseOrNull(challengedUrl);
            if (url == null || EndpointSecurity.of(challengedUrl) == EndpointSecurity.INSECURE) {
                report.add(Checks.PRM_RESOURCE_IDENTICAL.skip("resource_metadata is not fetched"));
                report.add(Checks.PRM_HEADER_DOCUMENT.violated("resource_metadata \"" + challengedUrl
                        + "\" is not an https (or loopback http) URL: a client must not fetch it"));
            } else {
                Optional<ProbeResponse> response = fetch(url);
                fetched.put(url, response);
                ProtectedResourceMetadataDiscovery.Judged judged = judge(report, url, response);
                // RFC 9728 section 3.3: reached through the challenge, the resource must be the URL requested,
                // else the document must not be used (a well-known document may name a parent instead).
                CheckResult identical = response.filter(r -> r.status() == 200)
                        .flatMap(r -> ProtectedResourceMetadata.parse(url, r.body()))
                        .map(document -> ProtectedResourceMetadataDiscovery.judgeResourceIdentical(document, target))
                        .orElse(Checks.PRM_RESOURCE_IDENTICAL.skip(url + ": no metadata document"));
                report.add(identical);
                boolean usable = judged != null && judged.metadata().isPresent() && !identical.isFailedMust();
                report.add(Checks.PRM_HEADER_DOCUMENT.judge(usable, url + (usable ? " serves usable metadata"
                        : response.map(r -> ": " + UnauthorizedResponse.statusText(r.status())
                                + (r.status() == 200 ? ", not usable (see the checks above)" : "")).orElse(": no answer"))));
                if (usable) {
                    chosen = judged.metadata().get();
                    chosenResponse = response.get();
                }
            }
        }

        List<URI> wellKnown = ProtectedResourceMetadataDiscovery.wellKnownLocations(target);
        URI path = ProtectedResourceMetadataDiscovery.pathSuffixedLocation(target);
        URI root = ProtectedResourceMetadataDiscovery.rootLocation(target);
        for (URI location : wellKnown) {
            boolean seen = fetched.containsKey(location);
            Optional<ProbeResponse> response = seen ? fetched.get(location) : fetch(location);
            fetched.put(location, response);
            // A location already fetched as the challenge's URL is not reported twice.
            ProtectedResourceMetadataDiscovery.Judged judged = judge(seen ? new ProbeReport(target) : report, location, response);
            boolean usable = response.isPresent() && judged != null && judged.metadata().isPresent();
            Check check = location.equals(path) ? Checks.PRM_WELL_KNOWN_PATH : Checks.PRM_WELL_KNOWN_ROOT;
            report.add(check.judge(usable, location + (usable ? " serves usable metadata"
                    : response.map(r -> ": " + UnauthorizedResponse.statusText(r.status())).orElse(": no answer")
                    + (response.isPresent() && response.get().status() == 200 ? ", not usable" : ""))));
            if (chosen == null && usable) {
                chosen = judged.metadata().get();
                chosenResponse = response.get();
            }
        }
        if (!wellKnown.contains(root)) {
            report.add(Checks.PRM_WELL_KNOWN_ROOT.skip("the URL has no path: the root URL is the well-known URL"));
        }

        if (chosen == null) {
            report.add(Checks.PRM_DISCOVERABLE.violated("neither the challenge nor " + wellKnown
                    + " leads to usable metadata: clients cannot find the authorization server"));
            report.add(Checks.PRM_HTTPS.skip("no metadata"));
            report.add(Checks.PRM_CORS.skip("no metadata"));
            return null;
        }
        report.add(Checks.PRM_DISCOVERABLE.pass("a client uses " + chosen.location()));
        report.add(httpsOfResource(chosen));
        String allowed = chosenResponse.first("Access-Control-Allow-Origin").orElse(null);
        report.add(Checks.PRM_CORS.judge("*".equals(allowed) || BROWSER_ORIGIN.equals(allowed),
                "Access-Control-Allow-Origin " + (allowed == null ? "absent" : allowed) + " for Origin " + BROWSER_ORIGIN));
        return chosen;
    }

    private static ProtectedResourceMetadataDiscovery.Judged judge(ProbeReport report, URI location,
                                                                   Optional<ProbeResponse> response) {
        if (response.isEmpty()) {
            return null; // judged by the check of its location
        }
        if (response.get().status() != 200) {
            // Judged by the check of its location: an optional URL that answers 404 or 401 is no broken document.
            return new ProtectedResourceMetadataDiscovery.Judged(List.of(), Optional.empty());
        }
        ProtectedResourceMetadataDiscovery.Judged judged = ProtectedResourceMetadataDiscovery.judge(response.get(), report.target());
        report.addAll(judged.results());
        return judged;
    }

    private static CheckResult httpsOfResource(ProtectedResourceMetadata metadata) {
        List<String> urls = new ArrayList<>(List.of(metadata.location().toString()));
        metadata.resource().ifPresent(urls::add);
        List<String> insecure = urls.stream().filter(u -> EndpointSecurity.of(u) == EndpointSecurity.INSECURE).toList();
        if (!insecure.isEmpty()) {
            return Checks.PRM_HTTPS.violated("not https (and not loopback): " + insecure);
        }
        if (urls.stream().anyMatch(u -> EndpointSecurity.of(u) == EndpointSecurity.LOOPBACK_HTTP)) {
            return Checks.PRM_HTTPS.warn("http on loopback (allowed for local development only; use https when deployed)");
        }
        return Checks.PRM_HTTPS.pass("https");
    }

    /** The metadata found for {@code issuer}, judged into the report. */
    private Optional<AuthorizationServerMetadata> discoverAuthorizationServer(ProbeReport report, String issuer) {
        URI issuerUrl = ProtectedResourceMetadataDiscovery.parseOrNull(issuer);
        if (issuerUrl == null) {
            report.add(Checks.AS_DISCOVERY.violated("issuer \"" + issuer + "\" is not a URL"));
            return Optional.empty();
        }
        List<String> tried = new ArrayList<>();
        for (URI location : AuthorizationServerDiscovery.metadataLocations(issuerUrl)) {
            Optional<ProbeResponse> response = fetch(location);
            tried.add(location + " " + response.map(r -> UnauthorizedResponse.statusText(r.status())).orElse("no answer"));
            Optional<Map<String, Object>> json = response.filter(r -> r.status() == 200).flatMap(r -> Json.object(r.body()));
            if (json.isPresent()) {
                AuthorizationServerMetadata metadata = new AuthorizationServerMetadata(location, json.get());
                report.add(Checks.AS_DISCOVERY.pass("for " + issuer + ": " + String.join(", then ", tried)));
                report.addAll(AuthorizationServerDiscovery.judge(issuer, metadata));
                return Optional.of(metadata);
            }
        }
        report.add(Checks.AS_DISCOVERY.violated("for " + issuer + " nothing at: " + String.join("; ", tried)));
        return Optional.empty();
    }

    private void checkRealToken(ProbeReport report) {
        report.add(Checks.TOKEN_CLAIMS.info(claims(token)));
        ProbeResponse initialized;
        try {
            initialized = http.postMcp(target, "Bearer " + token, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            report.add(Checks.TOKEN_ACCEPTED.violated("no answer: " + describe(e)));
            return;
        }
        boolean accepted = initialized.status() / 100 == 2;
        report.add(Checks.TOKEN_ACCEPTED.judge(accepted, "initialize: " + UnauthorizedResponse.statusText(initialized.status())
                + initialized.first("WWW-Authenticate").map(h -> ", WWW-Authenticate: " + h).orElse("")));
        if (!accepted) {
            judgeForbidden(report, initialized);
            return;
        }
        Map<String, String> session = new LinkedHashMap<>();
        initialized.first("Mcp-Session-Id").ifPresent(id -> session.put("Mcp-Session-Id", id));
        session.put("MCP-Protocol-Version", "2025-11-25");
        try {
            http.postMcp(target, "Bearer " + token, ProbeHttp.INITIALIZED, session);
            ProbeResponse tools = http.postMcp(target, "Bearer " + token, ProbeHttp.TOOLS_LIST, session);
            if (tools.status() == 200) {
                report.add(Checks.TOKEN_TOOLS_LIST.info("tools: " + McpResult.toolNames(tools)));
                report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.skip("no 403 seen: tools/list is allowed with this token's scopes"));
            } else {
                report.add(Checks.TOKEN_TOOLS_LIST.info("tools/list: " + UnauthorizedResponse.statusText(tools.status())));
                judgeForbidden(report, tools);
            }
        } catch (IOException e) {
            report.add(Checks.TOKEN_TOOLS_LIST.info("tools/list: no answer: " + describe(e)));
        }
    }

    /** A 403 is the step-up path: the challenge must say which scopes to ask for (MCP Scope Challenge Handling). */
    private static void judgeForbidden(ProbeReport report, ProbeResponse response) {
        if (response.status() != 403) {
            report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.skip("no 403 seen"));
            return;
        }
        Optional<BearerChallenge> challenge = challenge(response);
        boolean complete = challenge.isPresent() && "insufficient_scope".equals(challenge.get().get("error"))
                && challenge.get().scope().isPresent() && challenge.get().resourceMetadata().isPresent();
        report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.judge(complete, challenge
                .map(c -> "error=" + c.get("error") + ", step up to scope \"" + c.scope().orElse("(none)")
                        + "\", resource_metadata " + c.resourceMetadata().orElse("(none)"))
                .orElse("403 without a Bearer challenge")));
    }

    /** The token's claims for the reader; never the token itself. */
    static String claims(String token) {
        try {
            JWT jwt = JWTParser.parse(token);
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Map<String, Object> shown = new LinkedHashMap<>();
            shown.put("alg", jwt.getHeader().getAlgorithm().getName());
            for (String name : List.of("iss", "aud", "sub", "azp", "client_id", "scope", "iat", "exp")) {
                Object value = claims.getClaim(name);
                if (value instanceof java.util.Date date) {
                    value = date.toInstant().toString();
                }
                if (value != null) {
                    shown.put(name, value);
                }
            }
            return "JWT (unverified) " + shown;
        } catch (ParseException e) {
            return "opaque token (not a JWT), " + token.length() + " characters";
        }
    }

    private static Optional<BearerChallenge> challenge(ProbeResponse response) {
        try {
            return BearerChallenge.from(response.all("WWW-Authenticate"));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Optional<ProbeResponse> fetch(URI location) {
        try {
            return Optional.of(http.get(location, Map.of("Origin", BROWSER_ORIGIN)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
