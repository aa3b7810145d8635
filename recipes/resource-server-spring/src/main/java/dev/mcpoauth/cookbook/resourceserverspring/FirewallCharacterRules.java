package dev.mcpoauth.cookbook.resourceserverspring;

import java.util.function.Predicate;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * The characters Spring Security's {@link StrictHttpFirewall} allows in header names and values by default, checked
 * with a loop instead of its regular expressions ({@code [\p{IsAssigned}&&[^\p{IsControl}]]*}, and for values a tab
 * too). The rules are the same (FirewallCharacterRulesTest compares both for every code point); the regex cost one
 * step per character of every header, the 1 KiB {@code Authorization} header above all, on every request.
 */
final class FirewallCharacterRules {

    /** Header names: assigned code points, no control characters. */
    static final Predicate<String> HEADER_NAMES = value -> allAssignedAndNotControl(value, false);
    /** Header values: assigned code points, no control characters except the tab. */
    static final Predicate<String> HEADER_VALUES = value -> allAssignedAndNotControl(value, true);

    private FirewallCharacterRules() {
    }

    /** The firewall the recipe uses: Spring Security's defaults in all else. */
    static StrictHttpFirewall strictHttpFirewall() {
        StrictHttpFirewall firewall = new StrictHttpFirewall();
        firewall.setAllowedHeaderNames(HEADER_NAMES);
        firewall.setAllowedHeaderValues(HEADER_VALUES);
        return firewall;
    }

    private static boolean allAssignedAndNotControl(String value, boolean tabAllowed) {
        for (int i = 0; i < value.length(); ) {
            int codePoint = value.codePointAt(i);
            if (codePoint >= 0x20 && codePoint < 0x7f) {
                i++; // printable ASCII: the common case
                continue;
            }
            boolean allowed = codePoint == '\t' ? tabAllowed
                    : Character.getType(codePoint) != Character.UNASSIGNED && Character.getType(codePoint) != Character.CONTROL;
            if (!allowed) {
                return false;
            }
            i += Character.charCount(codePoint);
        }
        return true;
    }
}
