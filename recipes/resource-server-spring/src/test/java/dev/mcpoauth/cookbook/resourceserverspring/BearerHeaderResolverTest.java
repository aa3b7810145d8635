package dev.mcpoauth.cookbook.resourceserverspring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

class BearerHeaderResolverTest {

    private static final int MAX_LENGTH = 8 * 1024;

    private final BearerHeaderResolver resolver = new BearerHeaderResolver(MAX_LENGTH);
    private final DefaultBearerTokenResolver spring = new DefaultBearerTokenResolver();

    @Test
    void answersEveryHeaderAsSpringSecuritysDefaultResolverDoes() {
        List<String> headers = new ArrayList<>(List.of("Bearer abc", "bearer abc", "BEARER abc", "bEaReR a.b-c_d~e+f/g==",
                "Bearer", "Bearer ", "Bearer  abc", "Bearer abc ", "Bearer a b", "Bearer a$b", "Bearer =", "Bearer a=b",
                "Bearer abc\n", "Bearer\tabc", "Bearer \u00e9t\u00e9", "bearer" + " ".repeat(40), "Bearerabc",
                "Basic YWxpY2U6YWxpY2U=", "B", "", " Bearer abc", "Be\u0130rer abc", "Bearer abc==", "Bearer abc==a",
                "\u212aearer abc", "Bearer \u212a"));
        // Random headers from the characters that matter: the scheme's letters in both cases, token68, padding,
        // spaces, tabs, line ends, and characters the regex's CASE_INSENSITIVE or a Unicode lower-casing could confuse.
        String alphabet = "BbEeAaRr -._~+/=\t\n\r$\u00e9\u0130\u0131\u212a\u017fzZ09";
        Random random = new Random(24);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder header = new StringBuilder(random.nextBoolean() ? "Bearer " : "");
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                header.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            headers.add(header.toString());
        }

        for (String header : headers) {
            assertThat(answer(resolver, header)).as("Authorization: [%s]", header).isEqualTo(answer(spring, header));
        }
    }

    @Test
    void readsTheTokenOfAJwtSizedHeader() {
        String token = "eyJ" + "a".repeat(900) + ".eyJ" + "b".repeat(300) + "." + "c-_".repeat(100);

        assertThat(resolver.resolve(request("Bearer " + token))).isEqualTo(token);
    }

    @Test
    void refusesAHeaderLongerThanTheLimitBeforeReadingIt() {
        String header = "Bearer " + "a".repeat(MAX_LENGTH);

        assertThatThrownBy(() -> resolver.resolve(request(header)))
                .isInstanceOfSatisfying(OAuth2AuthenticationException.class,
                        refused -> assertThat(refused.getError().getErrorCode()).isEqualTo("invalid_token"));
    }

    @Test
    void ignoresATokenInTheQueryString() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/mcp");
        request.setQueryString("access_token=abc");
        request.addParameter("access_token", "abc");

        assertThat(resolver.resolve(request)).isNull();
    }

    /** The token, "null", or the OAuth error code and description of the refusal. */
    private static String answer(org.springframework.security.oauth2.server.resource.web.BearerTokenResolver resolver,
                                 String header) {
        try {
            return String.valueOf(resolver.resolve(request(header)));
        } catch (OAuth2AuthenticationException refused) {
            return "refused: " + refused.getError().getErrorCode() + " " + refused.getError().getDescription();
        }
    }

    private static MockHttpServletRequest request(String header) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/mcp");
        request.addHeader("Authorization", header);
        return request;
    }
}
