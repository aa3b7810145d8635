package dev.mcpoauth.cookbook.probe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;

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
    private final String foreignToken;
    private final boolean register;

    private Probe(URI target, ProbeHttp http, TokenSigner signer, String token, String foreignToken, boolean register) {
        this.target = target;
        this.http = http;
        this.signer = signer;
        this.token = token;
        this.foreignToken = foreignToken;
        this.register = register;
    }

    /**
     * A probe of the MCP endpoint at {@code target}, 10-second timeouts; without a {@link #signer} the
     * expired and wrong-audience tokens are not sent (the server would refuse them for their signature).
     */
    public static Probe of(URI target) {
        return new Probe(target, ProbeHttp.withTimeout(Duration.ofSeconds(10)), null, null, null, false);
    }

    public Probe http(ProbeHttp http) {
        return new Probe(target, http, signer, token, foreignToken, register);
    }

    /** Signs the expired and wrong-audience tokens with a key the server trusts (tests), so each fails for one reason. */
    public Probe signer(TokenSigner signer) {
        return new Probe(target, http, signer, token, foreignToken, register);
    }

    /** A real token to check: accepted, or refused for a reason the probe can name; what tools/list answers. */
    public Probe token(String token) {
        return new Probe(target, http, signer, token, foreignToken, register);
    }

    /**
     * A real token the server's own authorization server issued for another resource (RFC 8707): the one
     * way to see from outside that the server checks the audience. It must be refused with 401.
     */
    public Probe foreignToken(String foreignToken) {
        return new Probe(target, http, signer, token, foreignToken, register);
    }

    /**
     * Also registers a client at the first authorization server's registration_endpoint (RFC 7591) and
     * deletes it again (RFC 7592). This writes to the authorization server: off unless asked for.
     */
    public Probe register(boolean register) {
        return new Probe(target, http, signer, token, foreignToken, register);
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
        List<CheckResult> causes = new ArrayList<>();
        report.addAll(sameCauseOnce(UnauthorizedResponse.judge(RejectedCredential.NO_TOKEN, unauthenticated.status(),
                unauthenticated.all("WWW-Authenticate"), null), RejectedCredential.NO_TOKEN, causes));
        Optional<BearerChallenge> challenge = challenge(unauthenticated);
        String challengedMetadataUrl = challenge.flatMap(BearerChallenge::resourceMetadata).orElse(null);

        // 2. RFC 9728 metadata: the challenge's URL, then the well-known URLs in the client's order.
        ProtectedResourceMetadata metadata = discoverResourceMetadata(report, challengedMetadataUrl);

        // 3. Each authorization server's metadata.
        List<String> issuers = metadata == null ? List.of() : metadata.authorizationServers();
        if (metadata == null) {
            report.add(Checks.AS_DISCOVERY.skipBecause(report.results(Checks.PRM_DISCOVERABLE.id()).get(0),
                    "no usable resource metadata: no authorization server to discover"));
        } else if (issuers.isEmpty()) {
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
        String resource = metadata == null ? target.toString() : metadata.resource().orElse(target.toString());
        ForgedTokens forged = new ForgedTokens(issuers.isEmpty() ? "https://issuer.mcp-oauth-probe.invalid" : issuers.get(0),
                resource, scope, signer == null ? TokenSigner.untrusted() : signer);
        List<RejectedCredential> kinds = new ArrayList<>(List.of(RejectedCredential.GARBAGE, RejectedCredential.ALG_NONE,
                RejectedCredential.UNTRUSTED_KEY));
        if (signer != null) {
            kinds.addAll(List.of(RejectedCredential.EXPIRED, RejectedCredential.WRONG_AUDIENCE));
        }
        for (RejectedCredential kind : kinds) {
            try {
                ProbeResponse refused = http.postMcp(target, "Bearer " + forged.token(kind), ProbeHttp.INITIALIZE, Map.of());
                report.addAll(sameCauseOnce(UnauthorizedResponse.judge(kind, refused.status(), refused.all("WWW-Authenticate"),
                        challengedMetadataUrl), kind, causes));
            } catch (IOException e) {
                report.add(kind.status().violated("no answer: " + describe(e)));
            }
        }
        if (signer == null) {
            // Signed with a key the server does not trust, these would be refused for the signature whatever
            // the server does with exp and aud: a PASS under their names would be a false assurance.
            report.add(RejectedCredential.EXPIRED.status().skip("not tested: the probe has no key this server trusts,"
                    + " so an expired token would be refused for its signature (forged.untrusted-key), not its expiry"));
            report.add(RejectedCredential.WRONG_AUDIENCE.status().skip("not tested: the probe has no key this server"
                    + " trusts; the audience check is tested with a real token for another resource (foreign-token)"));
        }

        // 5. The audience: a real token from the same authorization server, for another resource.
        if (foreignToken != null) {
            checkForeignToken(report, resource, issuers, challengedMetadataUrl);
        } else {
            report.add(RejectedCredential.FOREIGN_TOKEN.status().skip(howToTestTheAudience(issuers)));
            if (signer == null) {
                report.note("The audience check was NOT tested: nothing in this run shows that the server refuses a"
                        + " token issued for another resource. See foreign-token.status for how to test it.");
            }
        }

        // 6. A real token, if given.
        if (token != null) {
            checkRealToken(report, resource, issuers);
        }
        return report;
    }

    /**
     * One cause, reported once: a violation that repeats one already reported (the same check of an
     * earlier request, with the same finding) is skipped because of it, and so are the checks it prevented.
     */
    private static List<CheckResult> sameCauseOnce(List<CheckResult> judged, RejectedCredential sent,
                                                   List<CheckResult> causes) {
        List<CheckResult> results = new ArrayList<>();
        Map<String, String> replaced = new LinkedHashMap<>();
        for (CheckResult result : judged) {
            String aspect = result.id().substring(sent.idPrefix().length());
            if (result.because() != null && replaced.containsKey(result.because())) {
                results.add(new CheckResult(result.check(), result.verdict(), result.detail(), replaced.get(result.because())));
                continue;
            }
            Optional<CheckResult> earlier = result.isViolation() ? causes.stream()
                    .filter(c -> c.id().endsWith(aspect) && c.verdict() == result.verdict() && c.detail().equals(result.detail()))
                    .findFirst() : Optional.empty();
            if (earlier.isPresent()) {
                replaced.put(result.id(), earlier.get().id());
                results.add(result.check().skipBecause(earlier.get(), "the same as " + earlier.get().id() + ": " + result.detail()));
            } else {
                if (result.isViolation()) {
                    causes.add(result);
                }
                results.add(result);
            }
        }
        return results;
    }

    /** What to do to test the audience check, for the report when no foreign token was given. */
    private String howToTestTheAudience(List<String> issuers) {
        String issuer = issuers.isEmpty() ? "the server's authorization server" : issuers.get(0);
        return "NOT TESTED: nothing here shows that the server checks a token's audience (forged tokens fail on"
                + " their signature first). To test it, get a token from " + issuer + " for another resource, for"
                + " example with resource=" + target.resolve("/mcp-oauth-probe-other-resource") + " in the"
                + " authorization and token requests (RFC 8707), or one it issued for another API; then pass"
                + " --foreign-token-file FILE. The server must answer 401 invalid_token";
    }

    /** A real token for another resource of the same authorization server: must be refused, with 401. */
    private void checkForeignToken(ProbeReport report, String resource, List<String> issuers, String challengedMetadataUrl) {
        TokenClaims claims = TokenClaims.of(foreignToken);
        RejectedCredential kind = RejectedCredential.FOREIGN_TOKEN;
        if (claims.audience().stream().anyMatch(aud -> ProtectedResourceMetadata.namesResource(aud, resource))) {
            report.add(kind.status().skip("not tested: this token's aud " + claims.audience() + " names this server's"
                    + " resource " + resource + "; give a token issued for another resource"));
            return;
        }
        ProbeResponse answer;
        try {
            answer = http.postMcp(target, "Bearer " + foreignToken, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            report.add(kind.status().violated("no answer: " + describe(e)));
            return;
        }
        String issuedFor = !claims.audience().isEmpty() ? "a token issued for " + claims.audience()
                : claims.jwt() ? "a JWT without aud, given as issued for another resource"
                : "an opaque token given as issued for another resource";
        // A refusal proves the audience check only if nothing else about the token is wrong here.
        String caveat = claims.issuer().filter(iss -> !issuers.isEmpty() && !issuers.contains(iss))
                .map(iss -> " (but its issuer " + iss + " is not an authorization server of this resource: the refusal"
                        + " may be for the issuer)")
                .or(() -> claims.expiredAt(Instant.now()).map(exp -> " (but it expired at " + exp
                        + ": the refusal may be for the expiry)"))
                .orElse("");
        List<CheckResult> judged = new ArrayList<>(UnauthorizedResponse.judge(kind, answer.status(),
                answer.all("WWW-Authenticate"), challengedMetadataUrl));
        CheckResult status = judged.get(0);
        judged.set(0, answer.status() / 100 == 2
                ? kind.status().violated(UnauthorizedResponse.statusText(answer.status()) + ": the server accepted "
                        + issuedFor + " (this resource is " + resource + "): it does not check the audience, so a"
                        + " token for any other resource of the same authorization server works here" + caveat)
                : new CheckResult(status.check(), status.verdict(), status.detail() + " for " + issuedFor + caveat));
        report.addAll(judged);
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
                Optional<CheckResult> documentFailure = judged == null ? Optional.empty()
                        : judged.results().stream().filter(CheckResult::isFailedMust).findFirst();
                // RFC 9728 section 3.3: reached through the challenge, the resource must be the URL requested,
                // else the document must not be used (a well-known document may name a parent instead).
                CheckResult judgedIdentical = response.filter(r -> r.status() == 200)
                        .flatMap(r -> ProtectedResourceMetadata.parse(url, r.body()))
                        .map(document -> ProtectedResourceMetadataDiscovery.judgeResourceIdentical(document, target))
                        .orElse(Checks.PRM_RESOURCE_IDENTICAL.skip(url + ": no metadata document"));
                Optional<CheckResult> resourceFailure = documentFailure.filter(f -> f.check() == Checks.PRM_RESOURCE);
                // The same wrong resource is reported once, by prm.resource.
                CheckResult identical = judgedIdentical.isFailedMust() && resourceFailure.isPresent()
                        ? Checks.PRM_RESOURCE_IDENTICAL.skipBecause(resourceFailure.get(), judgedIdentical.detail())
                        : judgedIdentical;
                report.add(identical);
                boolean usable = judged != null && judged.metadata().isPresent() && !identical.isFailedMust();
                Optional<CheckResult> cause = documentFailure.or(() -> Optional.of(identical).filter(CheckResult::isFailedMust));
                if (usable) {
                    report.add(Checks.PRM_HEADER_DOCUMENT.pass(url + " serves usable metadata"));
                    chosen = judged.metadata().get();
                    chosenResponse = response.get();
                } else if (cause.isPresent()) {
                    report.add(Checks.PRM_HEADER_DOCUMENT.skipBecause(cause.get(), url + " serves metadata a client must not use"));
                } else {
                    report.add(Checks.PRM_HEADER_DOCUMENT.violated(url + response.map(r -> ": " + UnauthorizedResponse.statusText(r.status()))
                            .orElse(": no answer")));
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
            report.add(check.info(location + (usable ? " serves metadata for " + judged.metadata().get().resource().orElse("?")
                    : response.map(r -> ": " + UnauthorizedResponse.statusText(r.status())
                            + (r.status() == 200 ? ", not usable (see the checks above)" : "")).orElse(": no answer"))));
            if (chosen == null && usable) {
                chosen = judged.metadata().get();
                chosenResponse = response.get();
            }
        }
        if (!wellKnown.contains(root)) {
            report.add(Checks.PRM_WELL_KNOWN_ROOT.skip("the URL has no path: the root URL is the well-known URL"));
        }

        if (chosen == null) {
            // Clients cannot find the authorization server. If a broken document is why, that is the cause.
            Optional<CheckResult> cause = report.results().stream()
                    .filter(r -> r.check().step() == Step.RESOURCE_METADATA && r.isFailedMust()).findFirst();
            String detail = "neither the challenge nor " + wellKnown
                    + " leads to usable metadata: clients cannot find the authorization server";
            CheckResult discoverable = cause.map(c -> Checks.PRM_DISCOVERABLE.skipBecause(c, detail))
                    .orElseGet(() -> Checks.PRM_DISCOVERABLE.violated(detail));
            report.add(discoverable);
            report.add(Checks.PRM_HTTPS.skipBecause(discoverable, "no metadata"));
            report.add(Checks.PRM_CORS.skipBecause(discoverable, "no metadata"));
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
        for (CheckResult result : judged.results()) {
            // Two documents with the same defect (one wrong resource served at two URLs) are one cause.
            String finding = withoutLocation(result, location);
            Optional<CheckResult> earlier = result.isViolation() ? report.results(result.id()).stream()
                    .filter(r -> r.verdict() == result.verdict() && withoutLocation(r, null).equals(finding)).findFirst()
                    : Optional.empty();
            report.add(earlier.map(e -> result.check().skipBecause(e, result.detail())).orElse(result));
        }
        return judged;
    }

    /** A document check's finding without the "URL: " it starts with. */
    private static String withoutLocation(CheckResult result, URI location) {
        String detail = result.detail();
        int colon = detail.indexOf(": ");
        return location != null && detail.startsWith(location + ": ") ? detail.substring(location.toString().length() + 2)
                : colon < 0 ? detail : detail.substring(colon + 2);
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

    /**
     * The token given with --token. A correct refusal is not charged to the server: a JWT for another
     * resource, expired, or from another issuer must be refused, and a 403 asks for more scope. Only a
     * refusal the token's claims cannot explain, or an acceptance they forbid, is the server's fault.
     */
    private void checkRealToken(ProbeReport report, String resource, List<String> issuers) {
        TokenClaims claims = TokenClaims.of(token);
        report.add(Checks.TOKEN_CLAIMS.info(claims.describe()));
        ProbeResponse initialized;
        try {
            initialized = http.postMcp(target, "Bearer " + token, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            report.add(Checks.TOKEN_ACCEPTED.violated("no answer: " + describe(e)));
            return;
        }
        int status = initialized.status();
        String answer = "initialize: " + UnauthorizedResponse.statusText(status)
                + initialized.first("WWW-Authenticate").map(h -> ", WWW-Authenticate: " + h).orElse("");

        CheckResult audience = judgeAudience(claims, resource, status, answer);
        report.add(audience);
        CheckResult expiry = judgeExpiry(claims, status, answer);
        report.add(expiry);
        // The claim that says this token must be refused here, if one does.
        CheckResult mustRefuse = audience.verdict() != Verdict.INFO && audience.verdict() != Verdict.SKIP ? audience
                : expiry.verdict() != Verdict.INFO && expiry.verdict() != Verdict.SKIP ? expiry : null;

        if (status / 100 == 2) {
            report.add(mustRefuse != null
                    ? Checks.TOKEN_ACCEPTED.skipBecause(mustRefuse, answer + ": this token must be refused here (see "
                            + mustRefuse.id() + ")")
                    : Checks.TOKEN_ACCEPTED.pass(answer));
        } else if (status == 403) {
            CheckResult stepUp = judgeForbidden(report, initialized);
            report.add(Checks.TOKEN_ACCEPTED.skipBecause(mustRefuse != null ? mustRefuse : stepUp,
                    answer + ": the server authenticated the token and asks for more scope"
                            + claims.scope().map(s -> " (the token has: " + s + ")").orElse("")
                            + "; a token with the scopes asked for is needed to see it accepted"));
            return;
        } else if (status == 401 && mustRefuse != null) {
            report.add(Checks.TOKEN_ACCEPTED.skipBecause(mustRefuse, answer + ": refused correctly (see " + mustRefuse.id() + ")"));
        } else if (status == 401 && claims.issuer().isPresent() && !issuers.isEmpty() && !issuers.contains(claims.issuer().get())) {
            report.add(Checks.TOKEN_ACCEPTED.skip(answer + ": refused correctly: the token's issuer " + claims.issuer().get()
                    + " is not one of this resource's authorization servers " + issuers));
        } else if (status == 401 && !claims.jwt()) {
            // An opaque token says nothing the probe can read: neither side can be blamed from here.
            report.add(Checks.TOKEN_ACCEPTED.warn(answer + ": the server refused this opaque token, and the probe cannot"
                    + " read it to tell who is right. Check that it was issued for " + resource + " (resource=" + resource
                    + ") by " + (issuers.isEmpty() ? "the server's authorization server" : issuers.get(0))
                    + ", and has not expired or been revoked"));
        } else {
            report.add(Checks.TOKEN_ACCEPTED.violated(answer + (status == 401
                    ? ": the server refused a token whose claims say it is valid here (aud, exp, iss)" : "")));
        }
        if (status / 100 != 2) {
            report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.skip("no 403 seen"));
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
                if (tools.status() == 403) {
                    judgeForbidden(report, tools);
                } else {
                    report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.skip("no 403 seen"));
                }
            }
        } catch (IOException e) {
            report.add(Checks.TOKEN_TOOLS_LIST.info("tools/list: no answer: " + describe(e)));
        }
    }

    /** RFC 8707 / MCP: a JWT whose aud does not name this resource must be refused, whatever else it carries. */
    private static CheckResult judgeAudience(TokenClaims claims, String resource, int status, String answer) {
        if (!claims.jwt()) {
            return Checks.TOKEN_AUDIENCE.skip("opaque token: its audience cannot be read here (the server learns it from"
                    + " its authorization server); test the audience with --foreign-token");
        }
        if (claims.audience().isEmpty()) {
            return Checks.TOKEN_AUDIENCE.info("no aud claim: the server must tell by other means that the token was"
                    + " issued for " + resource + ", or refuse it");
        }
        if (claims.audience().stream().anyMatch(aud -> ProtectedResourceMetadata.namesResource(aud, resource))) {
            return Checks.TOKEN_AUDIENCE.info("aud " + claims.audience() + " names this resource, " + resource);
        }
        String foreign = "aud " + claims.audience() + " does not name this resource, " + resource;
        if (status == 401) {
            return Checks.TOKEN_AUDIENCE.pass(foreign + ": " + answer + ", refused as a server must");
        }
        if (status == 403) {
            return Checks.TOKEN_AUDIENCE.warn(foreign + ": " + answer + ": refused, but with 403 instead of 401"
                    + " invalid_token, as if the token were valid here");
        }
        return Checks.TOKEN_AUDIENCE.violated(foreign + ": " + answer + (status / 100 == 2
                ? ": the server accepted it, so it does not check the audience (a token for any other resource of"
                        + " its authorization server works here)" : ""));
    }

    /** A JWT past its exp (beyond the usual clock skew) must be refused. */
    private static CheckResult judgeExpiry(TokenClaims claims, int status, String answer) {
        if (claims.expiry().isEmpty()) {
            return Checks.TOKEN_EXPIRY.skip(claims.jwt() ? "no exp claim" : "opaque token");
        }
        Instant now = Instant.now();
        Optional<Instant> expired = claims.expiredAt(now);
        if (expired.isEmpty()) {
            return claims.expiry().get().isBefore(now)
                    ? Checks.TOKEN_EXPIRY.skip("expired at " + claims.expiry().get() + ", within the usual clock skew:"
                            + " either answer is allowed")
                    : Checks.TOKEN_EXPIRY.info("valid until " + claims.expiry().get());
        }
        String past = "expired at " + expired.get();
        if (status == 401) {
            return Checks.TOKEN_EXPIRY.pass(past + ": " + answer + ", refused as a server must");
        }
        if (status == 403) {
            return Checks.TOKEN_EXPIRY.warn(past + ": " + answer + ": refused, but with 403 instead of 401 invalid_token");
        }
        return Checks.TOKEN_EXPIRY.violated(past + ": " + answer + (status / 100 == 2 ? ": the server accepted it" : ""));
    }

    /** A 403 is the step-up path: the challenge must say which scopes to ask for (MCP Scope Challenge Handling). */
    private static CheckResult judgeForbidden(ProbeReport report, ProbeResponse response) {
        Optional<BearerChallenge> challenge = challenge(response);
        boolean complete = challenge.isPresent() && "insufficient_scope".equals(challenge.get().get("error"))
                && challenge.get().scope().isPresent() && challenge.get().resourceMetadata().isPresent();
        CheckResult result = Checks.TOKEN_INSUFFICIENT_SCOPE.judge(complete, challenge
                .map(c -> "error=" + c.get("error") + ", step up to scope \"" + c.scope().orElse("(none)")
                        + "\", resource_metadata " + c.resourceMetadata().orElse("(none)"))
                .orElse("403 without a Bearer challenge"));
        report.add(result);
        return result;
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

    /** What went wrong on the wire, in words a reader can act on (never only an exception's class name). */
    static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "could not connect within the timeout (a firewall, or the wrong host?)";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within the timeout (--timeout SECONDS to wait longer)";
        }
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        if (e instanceof ConnectException || cause instanceof ConnectException) {
            return "connection refused: nothing listens there (is the server running, on this host and port?)";
        }
        if (e instanceof UnknownHostException || cause instanceof UnknownHostException) {
            return "unknown host " + (cause.getMessage() == null ? "" : cause.getMessage());
        }
        if (e instanceof SSLException || cause instanceof SSLException) {
            return "TLS failed: " + cause.getMessage();
        }
        return e.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage());
    }
}
