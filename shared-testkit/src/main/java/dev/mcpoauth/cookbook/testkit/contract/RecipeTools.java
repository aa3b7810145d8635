package dev.mcpoauth.cookbook.testkit.contract;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.NOTES_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A recipe's tools as the contract uses them: which exist, one any signed-in user may call and that
 * shows who called it, one that needs a scope beyond the base scope (the step-up case), and how to
 * see what each user owns. {@link #notes()} describes the notes tools {@code whoami},
 * {@code list_notes} and {@code add_note} (which needs {@code notes:write}); a recipe with other
 * tools starts from it and replaces what differs with the {@code with...} methods.
 *
 * @param names                   the names {@code tools/list} answers with, in any order
 * @param identityCall            a call any user with the base scope may make, whose answer shows that the tool
 *                                saw who is calling
 * @param expectedIdentity        the structured content {@code identityCall} answers for a user with the base scope
 * @param stepUpCall              a call that needs one scope beyond the base scope: refused with 403 until the
 *                                client steps up
 * @param stepUpScope             the scope {@code stepUpCall} needs beyond the base scope; {@code scopes_supported}
 *                                must list it
 * @param expectedStepUpAnswer    the structured content {@code stepUpCall} answers alice with once she has stepped up
 * @param walkthroughAnswers      texts the client walk-through must print for bob: the answer to {@code identityCall},
 *                                then the answer to {@code stepUpCall} after the step-up
 * @param isolation               per-user isolation: alice makes something of her own through the tools, and bob
 *                                must not see it
 * @param stateTheStepUpCallChanges what {@code stepUpCall} would change for a user, read through the tools: the
 *                                body tests compare it before and after every refused attempt, so a call that ran
 *                                anyway shows
 * @param prepareStepUpState      puts in place what {@code stepUpCall} would visibly change, once, before the body
 *                                tests
 */
public record RecipeTools(List<String> names,
                          CallToolRequest identityCall, ExpectedIdentity expectedIdentity,
                          CallToolRequest stepUpCall, String stepUpScope, Map<String, Object> expectedStepUpAnswer,
                          List<String> walkthroughAnswers,
                          IsolationCheck isolation,
                          Function<McpSyncClient, Object> stateTheStepUpCallChanges,
                          Consumer<McpSyncClient> prepareStepUpState) {

    /** What {@link #identityCall()} answers for a user. */
    @FunctionalInterface
    public interface ExpectedIdentity {
        /**
         * @param subject  {@code sub} of the token the client sent
         * @param username that user's login name
         */
        Map<String, Object> of(String subject, String username);
    }

    /**
     * Per-user isolation, asserted through the tools. Leave the server as you found it, as other tests
     * use the same users.
     */
    @FunctionalInterface
    public interface IsolationCheck {
        /**
         * @param alice a session whose token has the base scope and {@link #stepUpScope()}
         * @param bob   a session whose token has the base scope
         */
        void assertEachUserSeesOnlyTheirOwnData(McpSyncClient alice, McpSyncClient bob);
    }

    /** The notes tools, whose tools see the MCP client itself ({@code azp} of the token it sent). */
    public static RecipeTools notes() {
        return notes(CLIENT_ID);
    }

    /**
     * The notes tools, whose tools see {@code clientSeenByTools} as the client: a gateway's backend sees the
     * gateway's exchanged token, not the MCP client's.
     */
    public static RecipeTools notes(String clientSeenByTools) {
        return new RecipeTools(
                List.of("whoami", "add_note", "list_notes"),
                new CallToolRequest("whoami", Map.of()),
                (subject, username) -> Map.of("subject", subject, "username", username, "client", clientSeenByTools,
                        "scopes", List.of(BASE_SCOPE)),
                new CallToolRequest("add_note", Map.of("text", "buy milk")), NOTES_WRITE, Map.of("count", 1),
                List.of("You are bob", "Saved. You have 1 note(s)."),
                // alice adds a note, bob's list of notes stays empty
                (alice, bob) -> {
                    alice.callTool(new CallToolRequest("add_note", Map.of("text", "alice's secret")));

                    CallToolResult bobsNotes = bob.callTool(new CallToolRequest("list_notes", Map.of()));

                    assertThat(bobsNotes.structuredContent()).isEqualTo(Map.of("notes", List.of()));
                },
                // the user's notes
                alice -> alice.callTool(new CallToolRequest("list_notes", Map.of())).structuredContent(),
                // nothing: add_note always adds a note
                alice -> { });
    }

    public RecipeTools withNames(String... names) {
        return new RecipeTools(List.of(names), identityCall, expectedIdentity, stepUpCall, stepUpScope,
                expectedStepUpAnswer, walkthroughAnswers, isolation, stateTheStepUpCallChanges, prepareStepUpState);
    }

    public RecipeTools withIdentityCall(CallToolRequest call, ExpectedIdentity expected) {
        return new RecipeTools(names, call, expected, stepUpCall, stepUpScope,
                expectedStepUpAnswer, walkthroughAnswers, isolation, stateTheStepUpCallChanges, prepareStepUpState);
    }

    public RecipeTools withStepUpCall(CallToolRequest call, String scope, Map<String, Object> expectedAnswer) {
        return new RecipeTools(names, identityCall, expectedIdentity, call, scope,
                expectedAnswer, walkthroughAnswers, isolation, stateTheStepUpCallChanges, prepareStepUpState);
    }

    public RecipeTools withWalkthroughAnswers(String identityAnswer, String stepUpAnswer) {
        return new RecipeTools(names, identityCall, expectedIdentity, stepUpCall, stepUpScope,
                expectedStepUpAnswer, List.of(identityAnswer, stepUpAnswer), isolation, stateTheStepUpCallChanges,
                prepareStepUpState);
    }

    public RecipeTools withIsolation(IsolationCheck check) {
        return new RecipeTools(names, identityCall, expectedIdentity, stepUpCall, stepUpScope,
                expectedStepUpAnswer, walkthroughAnswers, check, stateTheStepUpCallChanges, prepareStepUpState);
    }

    /**
     * What the step-up call changes, and how to put it in place first. A recipe whose step-up tool
     * removes something creates it in {@code prepare} (called once), and removes it again in its own
     * {@code @AfterAll} before it stops the server, so that other tests find the user as before.
     */
    public RecipeTools withStepUpState(Function<McpSyncClient, Object> state, Consumer<McpSyncClient> prepare) {
        return new RecipeTools(names, identityCall, expectedIdentity, stepUpCall, stepUpScope,
                expectedStepUpAnswer, walkthroughAnswers, isolation, state, prepare);
    }
}
