package dev.mcpoauth.cookbook.tokengateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.inbound.AuthenticatedUser;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy.Decision;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy file's rules on their own (the end-to-end tests run the recipe's real file). */
class ToolPolicyTest {

    private static final ToolPolicy POLICY = ToolPolicy.parse("""
            {"notes": {"scopes": ["mcp:tools", "notes:write"],
                       "tools": {"list_notes": {}, "add_note": {"scopes": ["notes:write"]},
                                 "purge_notes": {"deny": true}, "audit": {"roles": ["auditor"]}}}}""", "mcp:tools");

    private static AuthenticatedUser user(Set<String> scopes, Set<String> roles) {
        return new AuthenticatedUser("sub", "user", "client", scopes, roles, "token");
    }

    @Test
    void decidesPerToolAndDeniesWhatTheFileDoesNotName() {
        AuthenticatedUser reader = user(Set.of("mcp:tools"), Set.of());

        assertThat(POLICY.decide("notes", "list_notes", reader)).isInstanceOf(Decision.Allow.class);
        assertThat(POLICY.decide("notes", "add_note", reader))
                .isEqualTo(new Decision.NeedsScopes(new java.util.LinkedHashSet<>(java.util.List.of("mcp:tools", "notes:write"))));
        assertThat(POLICY.decide("notes", "purge_notes", user(Set.of("mcp:tools", "notes:write"), Set.of("auditor"))))
                .isInstanceOf(Decision.Deny.class);
        assertThat(POLICY.decide("notes", "audit", reader)).isInstanceOf(Decision.Deny.class);
        assertThat(POLICY.decide("notes", "audit", user(Set.of("mcp:tools"), Set.of("auditor"))))
                .isInstanceOf(Decision.Allow.class);
        assertThat(POLICY.decide("notes", "not_in_the_file", reader)).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void listsWhatTheCallerMayCallNowOrAfterAStepUp() {
        AuthenticatedUser reader = user(Set.of("mcp:tools"), Set.of());

        assertThat(POLICY.isListed("notes", "add_note", reader)).isTrue();
        assertThat(POLICY.isListed("notes", "purge_notes", reader)).isFalse();
        assertThat(POLICY.isListed("notes", "audit", reader)).isFalse();
    }

    @Test
    void exchangeScopesAreTheGrantAndTheBackendsScopesBoth() {
        assertThat(POLICY.exchangeScopes("notes", Set.of("mcp:tools", "calendar:read", "other:api")))
                .containsExactly("mcp:tools");
        assertThat(POLICY.exchangeScopes("notes", Set.of("notes:write", "mcp:tools")))
                .containsExactly("mcp:tools", "notes:write");
    }

    @Test
    void refusesAToolScopeTheBackendsTokensMayNotCarry() {
        assertThatThrownBy(() -> ToolPolicy.parse("""
                {"notes": {"scopes": ["mcp:tools"], "tools": {"add_note": {"scopes": ["notes:write"]}}}}""", "mcp:tools"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Backend notes: a tool needs a scope its exchanged tokens may not carry");
        assertThatThrownBy(() -> ToolPolicy.parse("{not json", "mcp:tools"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    }
}
