package dev.mcpoauth.cookbook.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each test breaks one rule in an otherwise compliant loopback server and asserts that the probe
 * reports exactly that rule, with the right verdict, and exits 1 when a MUST is broken.
 */
class ProbeAgainstBrokenServersTest {

    private FakeMcpServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeMcpServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void compliantServerPassesEveryMustAndEveryShould() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.failedMusts()).isEmpty();
        assertThat(report.exitCode()).isZero();
        // On loopback the only warnings are the http notes.
        assertThat(report.results()).filteredOn(r -> r.verdict() == Verdict.WARN).extracting(CheckResult::id)
                .containsExactlyInAnyOrder("prm.https", "as.https");
        assertThat(verdict(report, "as.discovery")).isEqualTo(Verdict.PASS);
        assertThat(verdict(report, "forged.untrusted-key.error")).isEqualTo(Verdict.PASS);
    }

    @Test
    void reportsAServerThatAnswers200WithoutAToken() throws Exception {
        server.openWithoutToken = true;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "unauthenticated.status")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("unauthenticated.status").get(0).detail()).contains("HTTP 200", "let the request through");
        assertThat(verdict(report, "unauthenticated.challenge")).isEqualTo(Verdict.SKIP);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("unauthenticated.status");
        assertThat(report.exitCode()).isEqualTo(1);
    }

    @Test
    void reportsUndiscoverableMetadataAsAFailedMust() throws Exception {
        server.challenge = metadataUrl -> "Bearer scope=\"mcp:tools\"";
        server.serveWellKnownMetadata = false;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "unauthenticated.status")).isEqualTo(Verdict.PASS);
        assertThat(verdict(report, "unauthenticated.resource-metadata")).isEqualTo(Verdict.WARN);
        assertThat(verdict(report, "prm.header-document")).isEqualTo(Verdict.SKIP);
        assertThat(verdict(report, "prm.resource-identical")).isEqualTo(Verdict.SKIP);
        assertThat(verdict(report, "prm.discoverable")).isEqualTo(Verdict.FAIL);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("prm.discoverable");
    }

    @Test
    void a401WithoutResourceMetadataIsOnlyAWarningWhenTheWellKnownUrlServesTheMetadata() throws Exception {
        server.challenge = metadataUrl -> "Bearer scope=\"mcp:tools\"";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "unauthenticated.resource-metadata")).isEqualTo(Verdict.WARN);
        assertThat(report.results("unauthenticated.resource-metadata").get(0).check().level()).isEqualTo(Level.SHOULD);
        assertThat(verdict(report, "prm.discoverable")).isEqualTo(Verdict.PASS);
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void reportsA401WithoutAnyChallenge() throws Exception {
        server.challenge = metadataUrl -> null;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "unauthenticated.challenge")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("unauthenticated.challenge").get(0).detail()).contains("no WWW-Authenticate header");
        // One cause, reported once: every forged token's 401 lacks the challenge for the same reason.
        CheckResult garbage = report.results("forged.garbage.challenge").get(0);
        assertThat(garbage.verdict()).isEqualTo(Verdict.SKIP);
        assertThat(garbage.because()).isEqualTo("unauthenticated.challenge");
        assertThat(report.results("forged.alg-none.scope").get(0).because()).isEqualTo("unauthenticated.challenge");
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("unauthenticated.challenge");
        assertThat(TextReport.render(report)).contains("(because of unauthenticated.challenge)");
    }

    @Test
    void reportsMetadataThatDescribesAnotherResource() throws Exception {
        server.metadataResource = "https://api.other.example/mcp";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        // Judged at the challenge's URL; the root serves the same, which a client given that URL never fetches.
        assertThat(report.results("prm.resource")).singleElement().satisfies(result -> {
            assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
            assertThat(result.detail()).contains("does not match " + server.mcpUrl());
        });
        assertThat(report.results("prm.well-known-root").get(0).detail()).contains("a document a client would refuse"
                + " (prm.resource: resource \"https://api.other.example/mcp\" does not match");
        // One cause: the documents are unusable and clients find nothing because of the resource.
        assertThat(report.results("prm.resource-identical").get(0).because()).isEqualTo("prm.resource");
        assertThat(report.results("prm.header-document").get(0).because()).isEqualTo("prm.resource");
        assertThat(report.results("prm.discoverable").get(0).because()).isEqualTo("prm.resource");
        assertThat(report.results("as.discovery").get(0).verdict()).isEqualTo(Verdict.SKIP);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsOnly("prm.resource");
        assertThat(report.exitCode()).isEqualTo(1);
    }

    @Test
    void namesTheUrlToProbeWhenTheServerCallsItselfByAnotherLoopbackName() throws Exception {
        server.metadataResource = "http://localhost:" + server.mcpUrl().getPort() + "/mcp";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.failedMusts()).extracting(CheckResult::id).containsOnly("prm.resource");
        assertThat(report.failedMusts().get(0).detail()).contains("The server calls itself http://localhost:"
                + server.mcpUrl().getPort() + "/mcp: probe that URL");
    }

    @Test
    void acceptsChallengedMetadataWhoseResourceIsTheRequestedUrl() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "prm.resource-identical")).isEqualTo(Verdict.PASS);
        assertThat(report.results("prm.resource-identical").get(0).detail()).isEqualTo(server.metadataUrl()
                + ": resource \"" + server.mcpUrl() + "\" is identical to the URL requested, " + server.mcpUrl());
        assertThat(verdict(report, "prm.header-document")).isEqualTo(Verdict.PASS);
    }

    @Test
    void refusesChallengedMetadataWhoseResourceIsAParentOfTheRequestedUrl() throws Exception {
        server.metadataResource = server.origin().toString();

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        // RFC 9728 section 3.3: through resource_metadata the resource must be identical, and the document unused.
        assertThat(verdict(report, "prm.resource-identical")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("prm.resource-identical").get(0).detail())
                .contains("resource \"" + server.origin() + "\" is not identical to the URL requested, " + server.mcpUrl());
        assertThat(verdict(report, "prm.header-document")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("prm.header-document").get(0).because()).isEqualTo("prm.resource-identical");
        // A parent is what prm.resource accepts; a client given this URL uses no other, so discovery ends here.
        assertThat(report.results("prm.resource")).singleElement()
                .satisfies(result -> assertThat(result.verdict()).isEqualTo(Verdict.PASS));
        assertThat(verdict(report, "prm.discoverable")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("prm.discoverable").get(0).detail()).contains("uses no other URL",
                "the probe goes on with " + server.origin() + "/.well-known/oauth-protected-resource/mcp");
        assertThat(verdict(report, "as.discovery")).isEqualTo(Verdict.PASS);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("prm.resource-identical");
    }

    @Test
    void refusesChallengedMetadataWhoseResourceDiffersByATrailingSlash() throws Exception {
        server.metadataResource = server.mcpUrl() + "/";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "prm.resource-identical")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("prm.resource")).allSatisfy(result -> assertThat(result.verdict()).isEqualTo(Verdict.PASS));
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("prm.resource-identical");
    }

    @Test
    void reportsAChallengeWhoseMetadataUrlServesNothing() throws Exception {
        server.challenge = metadataUrl -> "Bearer resource_metadata=\"" + server.origin() + "/nowhere\", scope=\"mcp:tools\"";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        // A client uses the challenge's URL when there is one: the well-known fallbacks do not save it.
        assertThat(verdict(report, "prm.header-document")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("prm.header-document").get(0).detail()).endsWith("/nowhere: HTTP 404");
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("prm.header-document");
    }

    @Test
    void reportsMetadataWithoutAuthorizationServers() throws Exception {
        server.resourceMetadata = metadata -> metadata.put("authorization_servers", List.of());

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.results("prm.authorization-servers")).extracting(CheckResult::verdict).containsExactly(Verdict.FAIL);
        assertThat(verdict(report, "prm.discoverable")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("prm.discoverable").get(0).because()).isEqualTo("prm.authorization-servers");
        assertThat(verdict(report, "as.discovery")).isEqualTo(Verdict.SKIP);
    }

    @Test
    void warnsAboutMetadataOfferingTokensInTheQueryString() throws Exception {
        server.resourceMetadata = metadata -> metadata.put("bearer_methods_supported", List.of("header", "query"));

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.results("prm.bearer-methods")).extracting(CheckResult::verdict).containsExactly(Verdict.WARN);
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void reportsAnAuthorizationServerWithoutS256() throws Exception {
        server.authorizationServerMetadata = metadata -> metadata.put("code_challenge_methods_supported", List.of("plain"));

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "as.pkce-s256")).isEqualTo(Verdict.FAIL);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("as.pkce-s256");
    }

    @Test
    void reportsAnAuthorizationServerWithoutPkceMetadataAtAll() throws Exception {
        server.authorizationServerMetadata = metadata -> metadata.remove("code_challenge_methods_supported");

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.results("as.pkce-s256").get(0).detail()).contains("absent");
        assertThat(verdict(report, "as.pkce-s256")).isEqualTo(Verdict.FAIL);
    }

    @Test
    void reportsAnIssuerThatDiffersFromTheOneAskedFor() throws Exception {
        server.authorizationServerMetadata = metadata -> metadata.put("issuer", server.issuer() + "/");

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "as.issuer")).isEqualTo(Verdict.FAIL);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("as.issuer");
    }

    @Test
    void reportsAGarbageTokenAnsweredWithAServerError() throws Exception {
        server.garbageTokenStatus = 500;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "forged.garbage.status")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("forged.garbage.status").get(0).detail()).contains("HTTP 500", "server error");
        assertThat(verdict(report, "forged.alg-none.status")).isEqualTo(Verdict.PASS);
    }

    @Test
    void reportsAnAcceptedAlgNoneToken() throws Exception {
        server.acceptsAlgNone = true;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "forged.alg-none.status")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("forged.alg-none.status").get(0).detail()).contains("HTTP 200");
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("forged.alg-none.status");
        assertThat(verdict(report, "forged.untrusted-key.status")).isEqualTo(Verdict.PASS);
    }

    @Test
    void reportsOneServerErrorForEveryUnverifiableTokenOnce() throws Exception {
        server.garbageTokenStatus = 500;
        server.challenge = metadataUrl -> null;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        // The missing challenge is one cause (unauthenticated.challenge); the 500 on a garbage token another.
        assertThat(report.failedMusts()).extracting(CheckResult::id)
                .containsExactly("unauthenticated.challenge", "forged.garbage.status");
        assertThat(report.results("forged.garbage.challenge").get(0).because()).isEqualTo("forged.garbage.status");
    }

    @Test
    void withoutATrustedKeySaysTheExpiryAndAudienceWereNotTestedInsteadOfPassingThem() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        for (String id : List.of("forged.expired.status", "forged.wrong-audience.status", "foreign-token.status")) {
            assertThat(report.results(id)).as(id).singleElement().satisfies(result -> {
                assertThat(result.verdict()).isEqualTo(Verdict.SKIP);
                assertThat(result.detail()).containsIgnoringCase("not tested");
            });
        }
        assertThat(report.results("forged.wrong-audience.challenge")).isEmpty();
        assertThat(report.results("foreign-token.status").get(0).detail())
                .contains("--foreign-token-file", "resource=" + server.origin() + "/mcp-oauth-probe-other-resource",
                        "from " + server.issuer());
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains("audience check was NOT tested"));
    }

    @Test
    void aForeignTokenTheServerAcceptsFailsTheAudienceCheck() throws Exception {
        String foreign = jwt(server.issuer().toString(), server.origin() + "/other-mcp");
        server.knownTokens.put(foreign, 200);

        ProbeReport report = Probe.of(server.mcpUrl()).foreignToken(foreign).run();

        CheckResult status = report.results("foreign-token.status").get(0);
        assertThat(status.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(status.detail()).contains("HTTP 200", "accepted a token issued for [" + server.origin() + "/other-mcp]",
                "does not check the audience");
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("foreign-token.status");
        assertThat(TextReport.render(report)).doesNotContain(foreign);
    }

    @Test
    void aForeignTokenRefusedWith401PassesTheAudienceCheck() throws Exception {
        String foreign = jwt(server.issuer().toString(), server.origin() + "/other-mcp");

        ProbeReport report = Probe.of(server.mcpUrl()).foreignToken(foreign).run();

        assertThat(report.results()).filteredOn(r -> r.check().step() == Step.AUDIENCE)
                .extracting(r -> r.id() + " " + r.verdict()).containsExactly("foreign-token.status PASS",
                        "foreign-token.challenge PASS", "foreign-token.error PASS", "foreign-token.resource-metadata PASS",
                        "foreign-token.scope PASS");
        assertThat(report.notes()).noneMatch(note -> note.contains("NOT tested"));
    }

    @Test
    void aForeignTokenFromAnotherIssuerSaysTheRefusalMayBeForTheIssuer() throws Exception {
        String foreign = jwt("https://elsewhere.example", server.origin() + "/other-mcp");

        ProbeReport report = Probe.of(server.mcpUrl()).foreignToken(foreign).run();

        assertThat(report.results("foreign-token.status").get(0).detail())
                .contains("its issuer https://elsewhere.example is not an authorization server of this resource");
    }

    @Test
    void aForeignTokenThatNamesThisServerIsNotUsedAsOne() throws Exception {
        String notForeign = jwt(server.issuer().toString(), server.mcpUrl().toString());

        ProbeReport report = Probe.of(server.mcpUrl()).foreignToken(notForeign).run();

        assertThat(report.results("foreign-token.status")).singleElement().satisfies(r -> {
            assertThat(r.verdict()).isEqualTo(Verdict.SKIP);
            assertThat(r.detail()).contains("names this server");
        });
    }

    @Test
    void reportsHttpEndpointsOffLoopback() throws Exception {
        server.authorizationServerMetadata = metadata -> metadata.put("token_endpoint", "http://auth.example.com/token");

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "as.https")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("as.https").get(0).detail()).contains("token_endpoint http://auth.example.com/token");
    }

    @Test
    void warnsAboutHttpOnLoopbackWithoutFailing() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        CheckResult https = report.results("as.https").get(0);
        assertThat(https.verdict()).isEqualTo(Verdict.WARN);
        assertThat(https.detail()).contains("loopback", "local development only");
        assertThat(https.isFailedMust()).isFalse();
    }

    @Test
    void findsIssuerMetadataAtTheLastOfTheSpecsLocationsAfterTryingTheOthersInOrder() throws Exception {
        server.issuerPath = "/tenant1";
        server.asMetadataPath = "/tenant1/.well-known/openid-configuration";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        CheckResult discovery = report.results("as.discovery").get(0);
        assertThat(discovery.verdict()).isEqualTo(Verdict.PASS);
        String origin = server.origin().toString();
        assertThat(discovery.detail()).containsSubsequence(
                origin + "/.well-known/oauth-authorization-server/tenant1 HTTP 404",
                origin + "/.well-known/openid-configuration/tenant1 HTTP 404",
                origin + "/tenant1/.well-known/openid-configuration HTTP 200");
        assertThat(report.failedMusts()).isEmpty();
    }

    @Test
    void reportsAuthorizationServerMetadataFoundNowhere() throws Exception {
        server.asMetadataPath = "/nowhere";

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "as.discovery")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("as.pkce-s256")).isEmpty();
    }

    @Test
    void warnsWhenNeitherCimdNorDcrIsOffered() throws Exception {
        server.authorizationServerMetadata = metadata -> {
            metadata.remove("registration_endpoint");
            metadata.remove("client_id_metadata_document_supported");
        };

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(verdict(report, "as.registration")).isEqualTo(Verdict.WARN);
        assertThat(verdict(report, "as.cimd")).isEqualTo(Verdict.WARN);
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void registersALoopbackPublicClientWhenAskedTo() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).register(true).run();

        CheckResult open = report.results("registration.open").get(0);
        assertThat(open.verdict()).isEqualTo(Verdict.PASS);
        assertThat(open.check().level()).isEqualTo(Level.SHOULD);
        assertThat(open.detail()).isEqualTo("POST " + server.issuer() + "/register as a public loopback client, scope \""
                + FakeMcpServer.SCOPE + "\": HTTP 201, client_id " + FakeMcpServer.CLIENT_ID);
        assertThat(server.registrationRequests).singleElement().satisfies(body -> {
            JsonNode request = JsonMapper.shared().readTree(body);
            assertThat(request.get("client_name").asString()).isEqualTo("mcp-oauth-probe");
            assertThat(request.get("redirect_uris").get(0).asString()).matches("http://127\\.0\\.0\\.1:\\d+/callback");
            assertThat(request.get("grant_types").valueStream().map(JsonNode::asString))
                    .containsExactly("authorization_code", "refresh_token");
            assertThat(request.get("response_types").valueStream().map(JsonNode::asString)).containsExactly("code");
            assertThat(request.get("token_endpoint_auth_method").asString()).isEqualTo("none");
            assertThat(request.get("scope").asString()).isEqualTo(FakeMcpServer.SCOPE);
        });
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void deletesTheClientItRegisteredWithItsRegistrationAccessToken() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).register(true).run();

        // RFC 7592 section 2.3: the DELETE carries the registration access token as a Bearer token.
        assertThat(server.deleteAuthorizations).containsExactly("Bearer " + FakeMcpServer.REGISTRATION_ACCESS_TOKEN);
        CheckResult delete = report.results("registration.delete").get(0);
        assertThat(delete.verdict()).isEqualTo(Verdict.INFO);
        assertThat(delete.detail()).isEqualTo("DELETE " + server.registrationClientUri() + ": HTTP 204, client "
                + FakeMcpServer.CLIENT_ID + " deleted");
        assertThat(report.notes()).contains("--register: the probe registered client " + FakeMcpServer.CLIENT_ID
                + " and deleted it again (RFC 7592).");
    }

    @Test
    void printsNoSecretOfTheClientItRegistered() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).register(true).run();

        assertThat(List.of(TextReport.render(report), JsonReport.render(report))).allSatisfy(printed -> assertThat(printed)
                .doesNotContain(FakeMcpServer.REGISTRATION_ACCESS_TOKEN).doesNotContain(FakeMcpServer.CLIENT_SECRET));
    }

    @Test
    void asksForTheMetadatasScopesWhenTheChallengeNamesNone() throws Exception {
        server.challenge = metadataUrl -> "Bearer resource_metadata=\"" + metadataUrl + "\"";
        server.resourceMetadata = metadata -> metadata.put("scopes_supported", List.of("mcp:tools", "mcp:admin"));

        Probe.of(server.mcpUrl()).register(true).run();

        assertThat(server.registrationRequests).singleElement()
                .satisfies(body -> assertThat(JsonMapper.shared().readTree(body).get("scope").asString())
                        .isEqualTo("mcp:tools mcp:admin"));
    }

    @Test
    void reportsARefusedRegistrationWithItsOAuthError() throws Exception {
        server.registrationStatus = 403;
        server.registrationError = Map.of("error", "insufficient_scope", "error_description",
                "Policy 'Trusted Hosts' rejected request to client-registration service. Details: Host not trusted.");

        ProbeReport report = Probe.of(server.mcpUrl()).register(true).run();

        CheckResult open = report.results("registration.open").get(0);
        assertThat(open.verdict()).isEqualTo(Verdict.WARN);
        assertThat(open.detail()).endsWith(": HTTP 403, error=\"insufficient_scope\", error_description=\"Policy 'Trusted"
                + " Hosts' rejected request to client-registration service. Details: Host not trusted.\"");
        assertThat(report.results("registration.delete")).isEmpty();
        assertThat(server.deleteAuthorizations).isEmpty();
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void saysWhenTheRegisteredClientCannotBeDeleted() throws Exception {
        server.registrationManagement = false;

        ProbeReport report = Probe.of(server.mcpUrl()).register(true).run();

        assertThat(verdict(report, "registration.open")).isEqualTo(Verdict.PASS);
        assertThat(report.results("registration.delete").get(0).detail())
                .contains("so no RFC 7592 delete", "client " + FakeMcpServer.CLIENT_ID + " stays registered");
        assertThat(report.notes()).anySatisfy(note -> assertThat(note)
                .contains("could not delete it", "Remove it on the authorization server"));
    }

    @Test
    void doesNotRegisterWhereNoRegistrationEndpointIsAdvertised() throws Exception {
        server.authorizationServerMetadata = metadata -> metadata.remove("registration_endpoint");

        ProbeReport report = Probe.of(server.mcpUrl()).register(true).run();

        assertThat(verdict(report, "registration.open")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("registration.open").get(0).detail()).contains("no registration_endpoint", "not attempted");
        assertThat(server.registrationRequests).isEmpty();
    }

    @Test
    void neverRegistersWithoutBeingAskedTo() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).token(FakeMcpServer.GOOD_TOKEN).run();

        assertThat(server.registrationRequests).isEmpty();
        assertThat(report.results()).noneMatch(result -> result.check().step() == Step.REGISTRATION);
    }

    @Test
    void withARealTokenSaysItIsOpaqueWithoutPrintingIt() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).token(FakeMcpServer.GOOD_TOKEN).run();

        assertThat(verdict(report, "token.claims")).isEqualTo(Verdict.INFO);
        assertThat(report.results("token.claims").get(0).detail()).contains("opaque token").doesNotContain(FakeMcpServer.GOOD_TOKEN);
    }

    @Test
    void withARealTokenReportsThatTheServerAcceptsIt() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).token(FakeMcpServer.GOOD_TOKEN).run();

        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.PASS);
    }

    @Test
    void withARealTokenReportsTheScopesToStepUpTo() throws Exception {
        server.toolsListNeedsMoreScope = true;

        ProbeReport report = Probe.of(server.mcpUrl()).token(FakeMcpServer.GOOD_TOKEN).run();

        // Initialize accepted the token; only tools/list asks for more scope, and that is a correct step-up.
        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.PASS);
        CheckResult stepUp = report.results("token.insufficient-scope").get(0);
        assertThat(stepUp.verdict()).isEqualTo(Verdict.PASS);
        assertThat(stepUp.detail()).contains("step up to scope \"mcp:tools mcp:admin\"");
    }

    @Test
    void withARealTokenListsTheTools() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).token(FakeMcpServer.GOOD_TOKEN).run();

        assertThat(report.results("token.tools-list").get(0).detail()).isEqualTo("tools: whoami, add_note");
        assertThat(verdict(report, "token.insufficient-scope")).isEqualTo(Verdict.SKIP);
    }

    @Test
    void aRefusedOpaqueTokenIsAWarningTheProbeCannotSettle() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).token("revoked-or-wrong").run();

        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.WARN);
        assertThat(report.results("token.accepted").get(0).detail()).contains("opaque token", "cannot read it",
                "issued for " + server.mcpUrl(), "revoked");
        assertThat(verdict(report, "token.audience")).isEqualTo(Verdict.SKIP);
    }

    @Test
    void aRefusedJwtWhoseClaimsSayItIsValidHereIsTheServersFault() throws Exception {
        String token = jwt(server.issuer().toString(), server.mcpUrl().toString());
        server.knownTokens.put(token, 401);

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.audience")).isEqualTo(Verdict.INFO);
        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("token.accepted").get(0).detail()).contains("whose claims say it is valid here");
    }

    @Test
    void aCorrectStepUpOnInitializeIsNotChargedToTheServer() throws Exception {
        server.knownTokens.put("token-without-mcp-tools", 403);

        ProbeReport report = Probe.of(server.mcpUrl()).token("token-without-mcp-tools").run();

        assertThat(verdict(report, "token.insufficient-scope")).isEqualTo(Verdict.PASS);
        CheckResult accepted = report.results("token.accepted").get(0);
        assertThat(accepted.verdict()).isEqualTo(Verdict.SKIP);
        assertThat(accepted.because()).isEqualTo("token.insufficient-scope");
        assertThat(accepted.detail()).contains("HTTP 403", "asks for more scope");
        assertThat(report.failedMusts()).isEmpty();
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void aRealTokenForAnotherAudienceRefusedWith401IsACorrectRefusal() throws Exception {
        String token = jwt(server.issuer().toString(), server.origin() + "/other-mcp");
        server.knownTokens.put(token, 401);

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.audience")).isEqualTo(Verdict.PASS);
        assertThat(report.results("token.audience").get(0).detail()).contains("does not name this resource, " + server.mcpUrl());
        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("token.accepted").get(0).because()).isEqualTo("token.audience");
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void aRealTokenForAnotherAudienceThatIsAcceptedFailsTheAudienceCheck() throws Exception {
        String token = jwt(server.issuer().toString(), server.origin() + "/other-mcp");
        server.knownTokens.put(token, 200);

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.audience")).isEqualTo(Verdict.FAIL);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("token.audience");
        assertThat(report.results("token.accepted").get(0).because()).isEqualTo("token.audience");
    }

    @Test
    void anExpiredRealTokenRefusedWith401IsACorrectRefusal() throws Exception {
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
        String token = TokenSigner.untrusted().sign(new JWTClaimsSet.Builder().issuer(server.issuer().toString())
                .audience(server.mcpUrl().toString()).expirationTime(Date.from(anHourAgo)).build());
        server.knownTokens.put(token, 401);

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.expiry")).isEqualTo(Verdict.PASS);
        assertThat(report.results("token.accepted").get(0).because()).isEqualTo("token.expiry");
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void aRealTokenFromAnotherIssuerRefusedWith401IsACorrectRefusal() throws Exception {
        String token = jwt("https://elsewhere.example", server.mcpUrl().toString());
        server.knownTokens.put(token, 401);

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("token.accepted").get(0).detail()).contains("refused correctly: its issuer"
                + " https://elsewhere.example is not an authorization server of this resource");
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void aMissingRootMetadataDocumentIsInformationNotAWarning() throws Exception {
        server.serveRootMetadata = false;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        // One discovery mechanism is what the spec requires; the root is only the clients' last fallback.
        assertThat(verdict(report, "prm.well-known-path")).isEqualTo(Verdict.INFO);
        assertThat(verdict(report, "prm.well-known-root")).isEqualTo(Verdict.INFO);
        assertThat(report.results("prm.well-known-root").get(0).detail()).endsWith("HTTP 404");
        assertThat(report.results()).noneMatch(r -> r.verdict() == Verdict.WARN && r.id().startsWith("prm.well-known"));
        assertThat(verdict(report, "prm.discoverable")).isEqualTo(Verdict.PASS);
    }

    @Test
    void a403WithoutInsufficientScopeFailsTokenAccepted() throws Exception {
        server.forbiddenTokens.put("valid-but-forbidden-token", "");

        ProbeReport report = Probe.of(server.mcpUrl()).token("valid-but-forbidden-token").run();

        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("token.accepted").get(0).detail()).contains("no step-up a client can follow");
        assertThat(report.exitCode()).isEqualTo(1);
    }

    @Test
    void a403AskingForScopesTheTokenAlreadyHasFailsTokenAccepted() throws Exception {
        String token = jwt(server.issuer().toString(), server.mcpUrl().toString()); // scope mcp:tools
        server.forbiddenTokens.put(token, "Bearer error=\"insufficient_scope\", scope=\"mcp:tools\", resource_metadata=\""
                + server.metadataUrl() + "\"");

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.FAIL);
        assertThat(report.results("token.accepted").get(0).detail()).contains("asks for scopes [mcp:tools] the token already has");
    }

    @Test
    void anExpiredRealTokenAnswered403FailsTheExpiryCheck() throws Exception {
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
        String token = TokenSigner.untrusted().sign(new JWTClaimsSet.Builder().issuer(server.issuer().toString())
                .audience(server.mcpUrl().toString()).expirationTime(Date.from(anHourAgo)).build());
        server.forbiddenTokens.put(token, "Bearer error=\"insufficient_scope\", scope=\"mcp:tools\"");

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.expiry")).isEqualTo(Verdict.FAIL);
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("token.expiry");
    }

    @Test
    void aRefusedJwtWithoutAudienceIsNotChargedToTheServer() throws Exception {
        Instant now = Instant.now();
        String token = TokenSigner.untrusted().sign(new JWTClaimsSet.Builder().issuer(server.issuer().toString())
                .subject("alice").expirationTime(Date.from(now.plus(Duration.ofMinutes(5)))).build());
        server.knownTokens.put(token, 401);

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(verdict(report, "token.accepted")).isEqualTo(Verdict.SKIP);
        assertThat(report.results("token.accepted").get(0).detail()).contains("refused correctly: it has no aud claim");
    }

    @Test
    void aRefusedForeignTokenFromAnotherIssuerIsNoAudienceTest() throws Exception {
        String foreign = jwt("https://elsewhere.example", server.origin() + "/other-mcp");

        ProbeReport report = Probe.of(server.mcpUrl()).foreignToken(foreign).run();

        assertThat(verdict(report, "foreign-token.status")).isEqualTo(Verdict.SKIP);
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains("audience check was NOT tested"));
    }

    @Test
    void aRefusedForeignTokenIsNoAudienceTestWhenTheValidTokenIsRefusedToo() throws Exception {
        String foreign = jwt(server.issuer().toString(), server.origin() + "/other-mcp");
        String valid = jwt(server.issuer().toString(), server.mcpUrl().toString());
        server.knownTokens.put(valid, 401);

        ProbeReport report = Probe.of(server.mcpUrl()).token(valid).foreignToken(foreign).run();

        CheckResult status = report.results("foreign-token.status").get(0);
        assertThat(status.verdict()).isEqualTo(Verdict.SKIP);
        assertThat(status.because()).isEqualTo("token.accepted");
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("token.accepted");
    }

    @Test
    void aTokenWithALineBreakIsRefusedWithoutPrintingIt() {
        String token = "secret-token-value-0123456789\r";

        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> Probe.of(server.mcpUrl()).token(token));

        assertThat(refused).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--token")
                .hasMessageNotContaining("secret-token-value");
    }

    @Test
    void aServerThatEchoesTheTokenDoesNotGetItIntoTheReport() throws Exception {
        server.echoesTheTokenInItsChallenge = true;
        String token = "opaque-secret-token-0123456789";

        ProbeReport report = Probe.of(server.mcpUrl()).token(token).run();

        assertThat(List.of(TextReport.render(report), JsonReport.render(report)))
                .allSatisfy(printed -> assertThat(printed).doesNotContain(token).contains("[the token, not printed]"));
    }

    @Test
    void refusesToSendARealTokenOverPlainHttpOffLoopback() {
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() ->
                Probe.of(java.net.URI.create("http://mcp.example.com/mcp")).token("opaque-secret-token-0123456789").run());

        assertThat(refused).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plain http")
                .hasMessageNotContaining("opaque-secret-token");
    }

    @Test
    void aCatchAllPageAtTheRootIsNoMustFailureWhenTheChallengeNamesTheMetadata() throws Exception {
        server.rootServesAnHtmlPage = true;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.failedMusts()).isEmpty();
        assertThat(report.results("prm.well-known-root").get(0).detail())
                .contains("HTTP 200, a document a client would refuse (prm.content-type:");
    }

    @Test
    void aCatchAllPageAtTheRootFailsWhenItIsWhereClientsLook() throws Exception {
        server.rootServesAnHtmlPage = true;
        server.challenge = metadataUrl -> "Bearer scope=\"mcp:tools\"";
        server.serveWellKnownMetadata = false;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("prm.content-type");
        assertThat(report.results("prm.discoverable").get(0).because()).isEqualTo("prm.content-type");
    }

    /** A JWT as an authorization server would issue it, its signature irrelevant to the fake server. */
    private static String jwt(String issuer, String audience) {
        Instant now = Instant.now();
        return TokenSigner.untrusted().sign(new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("alice")
                .claim("scope", "mcp:tools").issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .build());
    }

    private static Verdict verdict(ProbeReport report, String id) {
        List<CheckResult> results = report.results(id);
        assertThat(results).as("results of " + id).hasSize(1);
        return results.get(0).verdict();
    }
}
