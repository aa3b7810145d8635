package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.EnterpriseIdpProperties;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.EnterpriseIdpProperties.McpServer;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.policy.EnterprisePolicy.Decision;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The enterprise's policy on its own: the catalogue, groups, clients and scopes, each refusal with its error. */
class EnterprisePolicyTest {

    private static final URI AS = URI.create("https://as.company.example/realms/mcp");
    private static final URI NOTES = URI.create("https://notes.company.example/mcp");

    private final EnterprisePolicy policy = new EnterprisePolicy(new EnterpriseIdpProperties(URI.create("https://idp.company.example"),
            null, Duration.ofMinutes(4), List.of(), List.of(), List.of(new McpServer("notes", NOTES, AS,
                    Map.of("mcp-desktop", "notes-client"), Set.of("engineering"), Set.of("mcp:tools", "notes:write")))));

    @Test
    void aMemberOfAnAllowedGroupGetsTheScopesAskedForAndTheClientsIdThere() {
        Decision decision = policy.decide("alice", List.of("engineering"), "mcp-desktop", AS, NOTES, Set.of("mcp:tools"));
        assertThat(decision.allowed()).isTrue();
        assertThat(decision.clientIdThere()).isEqualTo("notes-client");
        assertThat(decision.scopes()).containsExactly("mcp:tools");
        assertThat(decision.server()).isEqualTo("notes");
    }

    @Test
    void noScopeAskedForGetsEverythingTheServerAllows() {
        assertThat(policy.decide("alice", List.of("engineering"), "mcp-desktop", AS, NOTES, Set.of()).scopes())
                .containsExactly("mcp:tools", "notes:write");
    }

    @Test
    void aUserInNoAllowedGroupIsRefusedWithInvalidTarget() {
        Decision decision = policy.decide("bob", List.of("sales"), "mcp-desktop", AS, NOTES, Set.of("mcp:tools"));
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.error()).isEqualTo("invalid_target");
        assertThat(decision.reason()).isEqualTo("The enterprise's policy does not give bob access to notes");
    }

    @Test
    void aUserInNoGroupAtAllIsRefused() {
        assertThat(policy.decide("eve", List.of(), "mcp-desktop", AS, NOTES, Set.of()).allowed()).isFalse();
    }

    @Test
    void aClientWithoutAnIdAtTheServersAuthorizationServerIsRefused() {
        Decision decision = policy.decide("alice", List.of("engineering"), "mcp-cli", AS, NOTES, Set.of());
        assertThat(decision.error()).isEqualTo("invalid_target");
        assertThat(decision.reason()).isEqualTo("The client mcp-cli is not approved for notes");
    }

    @Test
    void oneScopeTheServerDoesNotAllowRefusesTheWholeRequestWithInvalidScope() {
        Decision decision = policy.decide("alice", List.of("engineering"), "mcp-desktop", AS, NOTES, Set.of("mcp:tools", "admin"));
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.error()).isEqualTo("invalid_scope");
        assertThat(decision.scopes()).isEmpty();
    }

    @Test
    void theServerAtAnotherAuthorizationServerIsNotInTheCatalogue() {
        assertThat(policy.decide("alice", List.of("engineering"), "mcp-desktop", URI.create("https://as.evil.example"), NOTES,
                Set.of()).error()).isEqualTo("invalid_target");
    }

    @Test
    void theServersUrlIsComparedAsWrittenNotAsEquivalent() {
        for (String spelling : List.of("https://NOTES.company.example/mcp", "https://notes.company.example/mcp/",
                "https://notes.company.example:443/mcp", "https://notes.company.example/./mcp")) {
            assertThat(policy.decide("alice", List.of("engineering"), "mcp-desktop", AS, URI.create(spelling), Set.of()).allowed())
                    .as(spelling).isFalse();
        }
    }
}
