package dev.mcpoauth.cookbook.resourceserverspring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FirewallCharacterRulesTest {

    /** StrictHttpFirewall's own patterns (Spring Security 7.1): what the loops must agree with. */
    private static final Pattern NAMES = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
    private static final Pattern VALUES = Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

    @Test
    void judgesEveryCodePointAsTheFirewallsPatternsDo() {
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
            String value = "a" + Character.toString(codePoint) + "b";
            assertThat(FirewallCharacterRules.HEADER_NAMES.test(value)).as("name with U+%04X", codePoint)
                    .isEqualTo(NAMES.matcher(value).matches());
            assertThat(FirewallCharacterRules.HEADER_VALUES.test(value)).as("value with U+%04X", codePoint)
                    .isEqualTo(VALUES.matcher(value).matches());
        }
    }

    @Test
    void judgesUnpairedSurrogatesAndMixedStringsAsTheFirewallsPatternsDo() {
        char[] pieces = {'a', ' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u0085', '\u00e9', '\ud83d', '\ude00', '\ud800',
            '\udfff', '\u0378', '\uffff', '|'};
        Random random = new Random(7);
        for (int n = 0; n < 50_000; n++) {
            char[] value = new char[random.nextInt(6)];
            for (int i = 0; i < value.length; i++) {
                value[i] = pieces[random.nextInt(pieces.length)];
            }
            String text = new String(value);
            assertThat(FirewallCharacterRules.HEADER_NAMES.test(text)).as("name %s", text.chars().boxed().toList())
                    .isEqualTo(NAMES.matcher(text).matches());
            assertThat(FirewallCharacterRules.HEADER_VALUES.test(text)).as("value %s", text.chars().boxed().toList())
                    .isEqualTo(VALUES.matcher(text).matches());
        }
    }

    @Test
    void refusesAHeaderValueWithALineBreak() {
        assertThat(FirewallCharacterRules.HEADER_VALUES.test("Bearer abc\r\nX-Injected: 1")).isFalse();
    }
}
