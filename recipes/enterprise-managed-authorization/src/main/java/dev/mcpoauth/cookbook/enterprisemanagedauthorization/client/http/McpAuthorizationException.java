package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http;

/**
 * The client refused to go on, or the authorization server refused the client. The message says
 * which step failed and why, in words a developer can act on; it never contains token material.
 */
public class McpAuthorizationException extends RuntimeException {

    public McpAuthorizationException(String message) {
        super(printable(message));
    }

    public McpAuthorizationException(String message, Throwable cause) {
        super(printable(message), cause);
    }

    /** Control characters (ESC, newlines) from server-supplied text become '?': no log or terminal injection. */
    public static String printable(String text) {
        return text == null ? null : text.replaceAll("[\\p{Cntrl}&&[^\t]]", "?");
    }
}
