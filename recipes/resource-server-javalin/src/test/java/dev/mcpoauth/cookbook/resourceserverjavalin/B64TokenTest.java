package dev.mcpoauth.cookbook.resourceserverjavalin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The b64token loop, which four recipes copy, against the grammar's regular expression it replaced. */
class B64TokenTest {

    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    @Test
    void judgesEveryCharacterAsTheGrammarsPatternDoes() {
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            for (String token : new String[] {String.valueOf(c), "a" + c, c + "=", "a" + c + "b"}) {
                assertThat(McpAuthFilter.isB64Token(token)).as("token %s", token.chars().boxed().toList())
                        .isEqualTo(B64TOKEN.matcher(token).matches());
            }
        }
    }

    @Test
    void judgesRandomTokensAsTheGrammarsPatternDoes() {
        String alphabet = "aZ09-._~+/= \t\n$%\u00e9\u212a";
        Random random = new Random(68);
        for (int n = 0; n < 50_000; n++) {
            StringBuilder token = new StringBuilder();
            for (int i = random.nextInt(10); i > 0; i--) {
                token.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertThat(McpAuthFilter.isB64Token(token.toString())).as("token [%s]", token)
                    .isEqualTo(B64TOKEN.matcher(token).matches());
        }
    }

    @Test
    void acceptsAJwt() {
        assertThat(McpAuthFilter.isB64Token("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln-_bmF0dXJl")).isTrue();
    }
}
