package dev.mcpoauth.cookbook.testkit.browser;

/** What a person types into a login form. Demo users only: never a real account. */
public record UserCredentials(String username, String password) {

    @Override
    public String toString() {
        return "UserCredentials[username=" + username + ", password=<hidden>]";
    }
}
