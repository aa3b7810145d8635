package dev.mcpoauth.cookbook.tokengateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.inbound.AuthenticatedUser;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy.Decision;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The policy file's rules on their own (the end-to-end tests run the recipe's real file). */
class ToolPolicyTest {

    private static final ToolPolicy POLICY = ToolPolicy.parse("""
            {"notes": {"scopes": ["mcp:tools", "notes:write"],
                       "tools": {"list_notes": {}, "add_note": {"scopes": ["notes:write"]},
                                 "purge_notes": {"deny": true}, "audit": {"roles": ["auditor"]}}}}""", "mcp:tools");

    private static AuthenticatedUser user(Set<String> scopes, Set<String> roles) {
        return new AuthenticatedUser("sub", "user", "client", scopes, roles, "token");
    }

    private static final AuthenticatedUser READER = user(Set.of("mcp:tools"), Set.of());

    @ParameterizedTest
    @MethodSource("decisions")
    void decidesPerTool(String tool, AuthenticatedUser caller, Decision expected) {
        assertThat(POLICY.decide("notes", tool, caller)).isEqualTo(expected);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                argumentSet("a tool without a rule is allowed", "list_notes", READER, new Decision.Allow()),
                argumentSet("a tool needing a scope the caller lacks: step up to the base scope and it",
                        "add_note", READER, new Decision.NeedsScopes(new LinkedHashSet<>(List.of("mcp:tools", "notes:write")))),
                argumentSet("a tool denied to everyone, however privileged the caller", "purge_notes",
                        user(Set.of("mcp:tools", "notes:write"), Set.of("auditor")), deny("purge_notes")),
                argumentSet("a tool needing a role the caller lacks", "audit", READER, deny("audit")),
                argumentSet("a tool needing a role the caller has", "audit",
                        user(Set.of("mcp:tools"), Set.of("auditor")), new Decision.Allow()),
                argumentSet("a tool the file does not name", "not_in_the_file", READER,
                        new Decision.Deny("Tool 'not_in_the_file' is not available through this gateway")));
    }

    private static Decision deny(String tool) {
        return new Decision.Deny("The gateway's policy does not allow you to call '" + tool + "'");
    }

    @ParameterizedTest
    @MethodSource("listings")
    void listsWhatTheCallerMayCallNowOrAfterAStepUp(String tool, boolean listed) {
        assertThat(POLICY.isListed("notes", tool, READER)).isEqualTo(listed);
    }

    static Stream<Arguments> listings() {
        return Stream.of(
                argumentSet("a tool the caller may call after a step-up", "add_note", true),
                argumentSet("a tool denied to everyone", "purge_notes", false),
                argumentSet("a tool needing a role the caller lacks", "audit", false));
    }

    @ParameterizedTest
    @MethodSource("grants")
    void exchangeScopesAreWhereTheGrantMeetsTheBackendsScopes(Set<String> granted, List<String> exchanged) {
        assertThat(POLICY.exchangeScopes("notes", granted)).containsExactlyElementsOf(exchanged);
    }

    static Stream<Arguments> grants() {
        return Stream.of(
                argumentSet("other backends' scopes are left out", Set.of("mcp:tools", "calendar:read", "other:api"),
                        List.of("mcp:tools")),
                argumentSet("the backend's scopes the client holds", Set.of("notes:write", "mcp:tools"),
                        List.of("mcp:tools", "notes:write")));
    }

    @Test
    void refusesAToolScopeTheBackendsTokensMayNotCarry() {
        assertThatThrownBy(() -> ToolPolicy.parse("""
                {"notes": {"scopes": ["mcp:tools"], "tools": {"add_note": {"scopes": ["notes:write"]}}}}""", "mcp:tools"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Backend notes: a tool needs a scope its exchanged tokens may not carry");
    }

    @Test
    void refusesAFileThatIsNotJson() {
        assertThatThrownBy(() -> ToolPolicy.parse("{not json", "mcp:tools"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    }
}
