package dev.mcpoauth.cookbook.probe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
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
        return new Probe(target, http, signer, headerSafe(token, "--token"), foreignToken, register);
    }

    /**
     * A real token the server's own authorization server issued for another resource (RFC 8707): the one
     * way to see from outside that the server checks the audience. It must be refused with 401.
     */
    public Probe foreignToken(String foreignToken) {
        return new Probe(target, http, signer, token, headerSafe(foreignToken, "--foreign-token"), register);
    }

    /**
     * A token goes into an Authorization header: a line break or space in it (a token file with CRLF, say)
     * would make the HTTP client throw with the whole header, token included, in its message. Refused here,
     * without quoting the token.
     */
    private static String headerSafe(String token, String option) {
        if (token != null && !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("The token given with " + option + " contains characters an HTTP header"
                    + " cannot carry (a space, a line break or non-ASCII): check the file or variable it came from");
        }
        return token;
    }

    /**
     * Also registers a client at the first authorization server's registration_endpoint (RFC 7591) and
     * deletes it again (RFC 7592). This writes to the authorization server: off unless asked for.
     */
    public Probe register(boolean register) {
        return new Probe(target, http, signer, token, foreignToken, register);
    }

    public ProbeReport run() throws ProbeUnreachableException {
        if ((token != null || foreignToken != null) && EndpointSecurity.of(target.toString()) == EndpointSecurity.INSECURE) {
            throw new IllegalArgumentException("Refusing to send a real token over plain http to " + target.getHost()
                    + ": anyone on the way could use it. Probe the https URL (http is allowed on loopback only)");
        }
        ProbeReport report = new ProbeReport(target);
        report.redact(token);
        report.redact(foreignToken);

        // 1. No token: 401 and a challenge that leads to discovery.
        ProbeResponse unauthenticated;
        try {
            unauthenticated = http.postMcp(target, null, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            throw new ProbeUnreachableException("No answer from " + target + ": " + describe(e), e);
        }
        List<CheckResult> causes = new ArrayList<>();
        report.addAll(sameCauseOnce(UnauthorizedResponse.judge(RejectedCredential.NO_TOKEN, unauthenticated.status(),
                unauthenticated.all("WWW-Authenticate"), null), RejectedCredential.NO_TOKEN.on(Revision.MCP_2025_11_25), causes));
        Optional<BearerChallenge> challenge = challenge(unauthenticated);
        String challengedMetadataUrl = challenge.flatMap(BearerChallenge::resourceMetadata).orElse(null);

        // 2. RFC 9728 metadata: the challenge's URL, then the well-known URLs in the client's order.
        ProtectedResourceMetadata metadata = discoverResourceMetadata(report, challengedMetadataUrl);

        // 3. Each authorization server's metadata.
        List<String> issuers = metadata == null ? List.of() : metadata.authorizationServers();
        if (metadata == null) {
            report.add(Checks.AS_DISCOVERY.skipBecause(report.rootCause(report.results(Checks.PRM_DISCOVERABLE.id()).get(0)),
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
        Map<RejectedCredential, String> forgedTokens = new LinkedHashMap<>();
        for (RejectedCredential kind : kinds) {
            try {
                String forgedToken = forged.token(kind);
                forgedTokens.put(kind, forgedToken);
                ProbeResponse refused = http.postMcp(target, "Bearer " + forgedToken, ProbeHttp.INITIALIZE, Map.of());
                report.addAll(sameCauseOnce(UnauthorizedResponse.judge(kind, refused.status(), refused.all("WWW-Authenticate"),
                        challengedMetadataUrl), kind.on(Revision.MCP_2025_11_25), causes));
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
        boolean foreignTokenSent = false;
        if (foreignToken != null) {
            foreignTokenSent = checkForeignToken(report, resource, issuers, challengedMetadataUrl);
        } else {
            report.add(RejectedCredential.FOREIGN_TOKEN.status().skip(howToTestTheAudience(issuers)));
        }

        // 6. A real token, if given.
        ProbeResponse initialized = null;
        if (token != null) {
            initialized = checkRealToken(report, resource, issuers);
            // A server that refuses the valid token as well proves nothing by refusing the foreign one.
            CheckResult accepted = report.results(Checks.TOKEN_ACCEPTED.id()).get(0);
            for (CheckResult foreign : report.results(RejectedCredential.FOREIGN_TOKEN.status().id())) {
                if (foreign.verdict() == Verdict.PASS && accepted.verdict() != Verdict.PASS) {
                    report.replace(foreign, foreign.check().skipBecause(accepted, foreign.detail() + ", but the valid"
                            + " token given with --token was not accepted either: not an audience test"));
                }
            }
        }
        // 7. Which revisions the server speaks, and the 2026-07-28 wire.
        boolean tokenAccepted = initialized != null && (initialized.status() / 100 == 2 || speaksOnlyStateless(initialized));
        CheckResult foreignVerdict = foreignTokenSent
                ? report.results(RejectedCredential.FOREIGN_TOKEN.status().id()).get(0) : null;
        new StatelessWire(http, target).check(report, new StatelessWire.Walked(tokenAccepted ? token : null,
                initialized != null ? initialized : unauthenticated, initialized != null, challengedMetadataUrl,
                forgedTokens, foreignTokenSent ? foreignToken : null, foreignVerdict, causes));

        boolean audienceTested = Stream.of(RejectedCredential.WRONG_AUDIENCE.status().id(),
                        RejectedCredential.FOREIGN_TOKEN.status().id(), Checks.TOKEN_AUDIENCE.id())
                .flatMap(id -> report.results(id).stream())
                .anyMatch(r -> r.verdict() == Verdict.PASS || r.verdict() == Verdict.FAIL);
        if (!audienceTested) {
            report.note("The audience check was NOT tested: nothing in this run shows that the server refuses a token"
                    + " issued for another resource. See foreign-token.status for how to test it.");
        }
        return report;
    }

    /**
     * One cause, reported once: a violation that repeats one already reported (the same check of an
     * earlier request, with the same finding) is skipped because of it, and so are the checks it prevented.
     */
    static List<CheckResult> sameCauseOnce(List<CheckResult> judged, RefusalChecks sent, List<CheckResult> causes) {
        List<CheckResult> results = new ArrayList<>();
        Map<String, String> replaced = new LinkedHashMap<>();
        for (CheckResult result : judged) {
            String aspect = result.id().substring(sent.idPrefix().length());
            if (result.because() != null && replaced.containsKey(result.because())) {
                results.add(new CheckResult(result.check(), result.verdict(), result.detail(), replaced.get(result.because())));
                continue;
            }
            // error= is judged differently without a token (none expected) and with one (invalid_token): an answer
            // compares with the same kind of request only, on either wire.
            Optional<CheckResult> earlier = result.isViolation() ? causes.stream()
                    .filter(c -> c.id().endsWith(aspect) && c.verdict() == result.verdict() && c.detail().equals(result.detail())
                            && (!aspect.equals(".error")
                                    || c.id().contains(RejectedCredential.NO_TOKEN.idPrefix() + ".") != sent.tokenSent()))
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
                + " their signature first). To test it, get a token from " + issuer + " for a resource that does not"
                + " exist, for example with resource=" + target.resolve("/mcp-oauth-probe-other-resource") + " in the"
                + " authorization and token requests (RFC 8707), and pass it with --foreign-token-file FILE (not a live"
                + " token for another API: this server would receive it). The server must answer 401 invalid_token";
    }

    /** A real token for another resource of the same authorization server: must be refused, with 401. */
    /** @return whether the token was sent */
    private boolean checkForeignToken(ProbeReport report, String resource, List<String> issuers, String challengedMetadataUrl) {
        TokenClaims claims = TokenClaims.of(foreignToken);
        RejectedCredential kind = RejectedCredential.FOREIGN_TOKEN;
        if (claims.audience().stream().anyMatch(aud -> namesThisServer(aud, resource))) {
            report.add(kind.status().skip("not tested: this token's aud " + claims.audience() + " names this server ("
                    + resource + "); give a token issued for another resource"));
            return false;
        }
        ProbeResponse answer;
        try {
            answer = http.postMcp(target, "Bearer " + foreignToken, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            report.add(kind.status().violated("no answer: " + describe(e)));
            return false;
        }
        String issuedFor = !claims.audience().isEmpty() ? "a token issued for " + claims.audience()
                : claims.jwt() ? "a JWT without aud, given as issued for another resource"
                : "an opaque token given as issued for another resource";
        // A refusal shows the audience check only if nothing else about the token is wrong here.
        Optional<String> otherReason = otherReasonToRefuse(claims, issuers)
                .or(() -> claims.jwt() && claims.audience().isEmpty()
                        ? Optional.of("it has no aud, so the refusal may be for that") : Optional.empty());
        List<CheckResult> judged = new ArrayList<>(UnauthorizedResponse.judge(kind, answer.status(),
                answer.all("WWW-Authenticate"), challengedMetadataUrl));
        CheckResult status = judged.get(0);
        if (answer.status() / 100 == 2) {
            status = kind.status().violated(UnauthorizedResponse.statusText(answer.status()) + ": the server accepted "
                    + issuedFor + " (this resource is " + resource + "): it does not check the audience, so a token for"
                    + " any other resource of the same authorization server works here");
        } else if (status.verdict() == Verdict.PASS && otherReason.isPresent()) {
            status = kind.status().skip(status.detail() + " for " + issuedFor + ", but " + otherReason.get()
                    + ": not an audience test");
        } else {
            status = new CheckResult(status.check(), status.verdict(), status.detail() + " for " + issuedFor);
        }
        judged.set(0, status);
        report.addAll(judged);
        return true;
    }

    /** Why a server may refuse a JWT whatever its audience: another issuer, expired, not yet valid, unsigned. */
    private static Optional<String> otherReasonToRefuse(TokenClaims claims, List<String> issuers) {
        Instant now = Instant.now();
        if (claims.issuer().isPresent() && !issuers.isEmpty() && !issuers.contains(claims.issuer().get())) {
            return Optional.of("its issuer " + claims.issuer().get() + " is not an authorization server of this resource "
                    + issuers);
        }
        if (claims.expiry().filter(exp -> exp.isBefore(now)).isPresent()) {
            return Optional.of("it expired at " + claims.expiry().get());
        }
        if (claims.notBefore().filter(nbf -> nbf.isAfter(now)).isPresent()) {
            return Optional.of("it is not valid before " + claims.notBefore().get());
        }
        if ("none".equals(claims.algorithm())) {
            return Optional.of("it is unsigned (alg: none)");
        }
        return Optional.empty();
    }

    /** A token's audience names this server: the metadata's resource, or the MCP URL itself when that is a parent. */
    private boolean namesThisServer(String audience, String resource) {
        return ProtectedResourceMetadata.namesResource(audience, resource)
                || ProtectedResourceMetadata.namesResource(audience, target.toString());
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

        // A client uses the challenge's resource_metadata when it names one, and then no other URL; only without
        // it does it try the well-known URLs, path first, then the root. What a client would not fetch is
        // information only: a catch-all page at the root is no broken metadata.
        boolean challengeNamesAUrl = challengedUrl != null;
        ProtectedResourceMetadata fallback = null;
        ProbeResponse fallbackResponse = null;
        List<URI> wellKnown = ProtectedResourceMetadataDiscovery.wellKnownLocations(target);
        URI path = ProtectedResourceMetadataDiscovery.pathSuffixedLocation(target);
        URI root = ProtectedResourceMetadataDiscovery.rootLocation(target);
        for (URI location : wellKnown) {
            boolean seen = fetched.containsKey(location);
            Optional<ProbeResponse> response = seen ? fetched.get(location) : fetch(location);
            fetched.put(location, response);
            boolean clientFetches = !challengeNamesAUrl && chosen == null;
            ProbeReport scratch = new ProbeReport(target);
            ProtectedResourceMetadataDiscovery.Judged judged = judge(clientFetches ? report : scratch, location, response);
            boolean usable = response.isPresent() && judged != null && judged.metadata().isPresent();
            String refused = scratch.results().stream().filter(CheckResult::isViolation).findFirst()
                    .map(r -> " (" + r.id() + ": " + withoutLocation(r, location) + ")").orElse("");
            Check check = location.equals(path) ? Checks.PRM_WELL_KNOWN_PATH : Checks.PRM_WELL_KNOWN_ROOT;
            report.add(check.info(location + (usable ? " serves metadata for " + judged.metadata().get().resource().orElse("?")
                    : response.map(r -> ": " + UnauthorizedResponse.statusText(r.status()) + (r.status() != 200 ? ""
                            : clientFetches ? ", a document a client must refuse (see the checks above)"
                            : ", a document a client would refuse" + refused)).orElse(": no answer"))));
            if (usable && chosen == null && fallback == null) {
                fallback = judged.metadata().get();
                fallbackResponse = response.get();
                if (!challengeNamesAUrl) {
                    chosen = fallback;
                    chosenResponse = fallbackResponse;
                }
            }
        }
        if (path.equals(root)) {
            report.add(Checks.PRM_WELL_KNOWN_ROOT.skip("the URL has no path: the root URL is the well-known URL"));
        }

        if (chosen == null) {
            // Clients cannot find the authorization server. If a broken document is why, that is the cause.
            Optional<CheckResult> cause = report.results().stream()
                    .filter(r -> r.check().step() == Step.RESOURCE_METADATA && r.isFailedMust()).findFirst();
            String detail = challengeNamesAUrl
                    ? "the challenge's resource_metadata leads to no usable metadata, and a client that is given one"
                            + " uses no other URL" + (fallback == null ? "" : "; the probe goes on with " + fallback.location()
                            + " to check the rest")
                    : "neither the challenge nor " + wellKnown + " leads to usable metadata: clients cannot find the"
                            + " authorization server";
            CheckResult discoverable = cause.map(c -> Checks.PRM_DISCOVERABLE.skipBecause(c, detail))
                    .orElseGet(() -> Checks.PRM_DISCOVERABLE.violated(detail));
            report.add(discoverable);
            if (fallback == null) {
                report.add(Checks.PRM_HTTPS.skipBecause(discoverable, "no metadata"));
                report.add(Checks.PRM_CORS.skipBecause(discoverable, "no metadata"));
                return null;
            }
            chosen = fallback;
            chosenResponse = fallbackResponse;
        } else {
            report.add(Checks.PRM_DISCOVERABLE.pass("a client uses " + chosen.location()));
        }
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
     * resource, expired, or from another issuer must be refused, and a 403 insufficient_scope asks for more
     * scope. Only a refusal the token's claims cannot explain, or an acceptance they forbid, is the server's fault.
     */
    private ProbeResponse checkRealToken(ProbeReport report, String resource, List<String> issuers) {
        TokenClaims claims = TokenClaims.of(token);
        report.add(Checks.TOKEN_CLAIMS.info(claims.describe()));
        ProbeResponse initialized;
        try {
            initialized = http.postMcp(target, "Bearer " + token, ProbeHttp.INITIALIZE, Map.of());
        } catch (IOException e) {
            report.add(Checks.TOKEN_ACCEPTED.violated("no answer: " + describe(e)));
            return null;
        }
        // A server of the stateless era only refuses initialize after authorization, with -32022: the token got in.
        boolean statelessOnly = speaksOnlyStateless(initialized);
        int status = statelessOnly ? 200 : initialized.status();
        String answer = "initialize: " + (statelessOnly ? McpResult.describe(initialized) + " (past authorization: the"
                + " server speaks only the stateless era, see revisions.2025-11-25)" : UnauthorizedResponse.statusText(status))
                + initialized.first("WWW-Authenticate").map(h -> ", WWW-Authenticate: " + h).orElse("");
        Optional<String> otherReason = otherReasonToRefuse(claims, issuers);

        CheckResult audience = judgeAudience(claims, resource, otherReason, status, answer);
        report.add(audience);
        CheckResult expiry = judgeExpiry(claims, status, answer);
        report.add(expiry);
        // The claim that says this token must be refused here, if one was judged.
        CheckResult mustRefuse = Stream.of(audience, expiry)
                .filter(r -> r.verdict() == Verdict.PASS || r.verdict() == Verdict.FAIL).findFirst().orElse(null);

        CheckResult stepUp = null;
        if (status == 403) {
            stepUp = judgeForbidden(report, initialized);
        }
        report.add(judgeAcceptance(claims, resource, issuers, status, answer, mustRefuse, otherReason, stepUp,
                challenge(initialized)));
        if (status / 100 != 2) {
            report.add(Checks.TOKEN_TOOLS_LIST.skip("initialize was not accepted"));
            if (stepUp == null) {
                report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.skip("no 403 seen"));
            }
            return initialized;
        }
        Map<String, String> session = new LinkedHashMap<>();
        initialized.first("Mcp-Session-Id").ifPresent(id -> session.put("Mcp-Session-Id", id));
        session.put("MCP-Protocol-Version", "2025-11-25");
        try {
            ProbeResponse tools;
            if (statelessOnly) {
                StatelessRequest list = StatelessRequest.of(StatelessRequest.TOOLS_LIST);
                tools = http.postMcp(target, "Bearer " + token, list.body(), list.headers());
            } else {
                http.postMcp(target, "Bearer " + token, ProbeHttp.INITIALIZED, session);
                tools = http.postMcp(target, "Bearer " + token, ProbeHttp.TOOLS_LIST, session);
            }
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
            report.add(Checks.TOKEN_INSUFFICIENT_SCOPE.skip("tools/list: no answer"));
        }
        return initialized;
    }

    /** initialize refused with -32022 (UnsupportedProtocolVersionError): a server of the stateless era only. */
    static boolean speaksOnlyStateless(ProbeResponse initialized) {
        return initialized.status() == 400 && McpResult.errorCode(initialized)
                .filter(code -> code == StatelessWire.UNSUPPORTED_PROTOCOL_VERSION).isPresent();
    }


    /** token.accepted: PASS, FAIL, or not charged to the server when the token's claims explain a refusal. */
    private static CheckResult judgeAcceptance(TokenClaims claims, String resource, List<String> issuers, int status,
                                               String answer, CheckResult mustRefuse, Optional<String> otherReason,
                                               CheckResult stepUp, Optional<BearerChallenge> challenge) {
        Check accepted = Checks.TOKEN_ACCEPTED;
        if (mustRefuse != null) {
            return accepted.skipBecause(mustRefuse, answer + ": this token must be refused here (see " + mustRefuse.id() + ")");
        }
        if (status / 100 == 2) {
            return otherReason.filter(reason -> reason.startsWith("its issuer"))
                    .map(reason -> accepted.warn(answer + ": accepted, but " + reason))
                    .orElseGet(() -> accepted.pass(answer));
        }
        if (status == 403) {
            boolean insufficientScope = challenge.map(c -> "insufficient_scope".equals(c.get("error"))).orElse(false);
            if (!insufficientScope) {
                return accepted.violated(answer + ": a 403 without error=\"insufficient_scope\" is no step-up a client"
                        + " can follow, and the token's claims give no reason to refuse it");
            }
            List<String> asked = challenge.flatMap(BearerChallenge::scope).map(s -> List.of(s.trim().split("\\s+")))
                    .orElse(List.of());
            List<String> held = claims.scope().map(s -> List.of(s.trim().split("\\s+"))).orElse(List.of());
            if (claims.scope().isPresent() && !asked.isEmpty() && held.containsAll(asked)) {
                return accepted.violated(answer + ": the server asks for scopes " + asked + " the token already has ("
                        + held + ")");
            }
            return accepted.skipBecause(stepUp, answer + ": the server authenticated the token and asks for more scope"
                    + claims.scope().map(s -> " (the token has: " + s + ")").orElse("")
                    + "; a token with the scopes asked for is needed to see it accepted");
        }
        if (status == 401) {
            Optional<String> allowed = otherReason
                    .or(() -> claims.jwt() && claims.audience().isEmpty()
                            ? Optional.of("it has no aud claim, so the server cannot tell it was issued for " + resource)
                            : Optional.empty())
                    .or(() -> claims.expiry().filter(exp -> exp.isBefore(Instant.now().plus(TokenClaims.CLOCK_SKEW)))
                            .map(exp -> "it expires at " + exp + ", within the usual clock skew"));
            if (allowed.isPresent()) {
                return accepted.skip(answer + ": refused correctly: " + allowed.get());
            }
            if (!claims.jwt()) {
                // An opaque token says nothing the probe can read: neither side can be blamed from here.
                return accepted.warn(answer + ": the server refused this opaque token, and the probe cannot read it"
                        + " to tell who is right. Check that it was issued for " + resource + " (resource=" + resource
                        + ") by " + (issuers.isEmpty() ? "the server's authorization server" : issuers.get(0))
                        + ", and has not expired or been revoked");
            }
            return accepted.violated(answer + ": the server refused a token whose claims say it is valid here (aud, exp,"
                    + " iss)");
        }
        return accepted.violated(answer);
    }

    /** RFC 8707 / MCP: a JWT whose aud does not name this resource must be refused with 401, whatever else it carries. */
    private CheckResult judgeAudience(TokenClaims claims, String resource, Optional<String> otherReason, int status,
                                      String answer) {
        if (!claims.jwt()) {
            return Checks.TOKEN_AUDIENCE.skip("opaque token: its audience cannot be read here (the server learns it from"
                    + " its authorization server); test the audience with --foreign-token");
        }
        if (claims.audience().isEmpty()) {
            return Checks.TOKEN_AUDIENCE.info("no aud claim: the server must tell by other means that the token was"
                    + " issued for " + resource + ", or refuse it");
        }
        if (claims.audience().stream().anyMatch(aud -> namesThisServer(aud, resource))) {
            return Checks.TOKEN_AUDIENCE.info("aud " + claims.audience() + " names this resource, " + resource);
        }
        String foreign = "aud " + claims.audience() + " does not name this resource, " + resource;
        if (status == 401) {
            return otherReason.map(reason -> Checks.TOKEN_AUDIENCE.skip(foreign + ": " + answer + ", refused, but "
                            + reason + ": not an audience test"))
                    .orElseGet(() -> Checks.TOKEN_AUDIENCE.pass(foreign + ": " + answer + ", refused as a server must"));
        }
        return Checks.TOKEN_AUDIENCE.violated(foreign + ": " + answer + (status / 100 == 2
                ? ": the server accepted it, so it does not check the audience (a token for any other resource of"
                        + " its authorization server works here)"
                : ": a token for another resource must be refused with 401 invalid_token (MCP Token Handling)"));
    }

    /** A JWT past its exp (beyond the usual clock skew) must be refused with 401. */
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
        return Checks.TOKEN_EXPIRY.violated(past + ": " + answer + (status / 100 == 2 ? ": the server accepted it"
                : ": an expired token must be refused with 401 invalid_token (MCP Token Handling)"));
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
        // The JDK client wraps the real cause: an unknown host is a ConnectException around an UnresolvedAddressException.
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && chain.size() < 10; t = t.getCause()) {
            chain.add(t);
        }
        if (chain.stream().anyMatch(t -> t instanceof UnknownHostException || t instanceof UnresolvedAddressException)) {
            return "unknown host: the name does not resolve";
        }
        if (chain.stream().anyMatch(t -> t instanceof SSLException)) {
            return "TLS failed: " + chain.stream().filter(t -> t instanceof SSLException).findFirst().get().getMessage();
        }
        if (chain.stream().anyMatch(t -> t instanceof ConnectException)) {
            return "connection refused: nothing listens there (is the server running, on this host and port?)";
        }
        String message = chain.stream().map(Throwable::getMessage).filter(m -> m != null).findFirst().orElse("");
        return e.getClass().getSimpleName() + (message.isEmpty() ? "" : " " + message);
    }
}
