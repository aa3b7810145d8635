package dev.mcpoauth.cookbook.tokengateway.config;

/**
 * Where several gateway instances count one rate limit: a PostgreSQL database (from the environment:
 * {@code GATEWAY_JDBC_URL}, {@code GATEWAY_JDBC_USER}, {@code GATEWAY_JDBC_PASSWORD}). Without one, each
 * instance counts in memory, which is right for one instance ({@code make run}).
 *
 * @param jdbcUrl                 {@code jdbc:postgresql://host:port/database}
 * @param user                    the database user
 * @param password                its password (never printed)
 * @param unsynchronizedRequests  requests an instance may count locally before it writes them to the database
 *                                (Bucket4j's delaying optimization); 0 writes every request. Several instances
 *                                together may let through up to this many requests per instance over the limit
 */
public record RateLimitDatabase(String jdbcUrl, String user, String password, int unsynchronizedRequests) {

    public RateLimitDatabase {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("GATEWAY_JDBC_URL must be a jdbc:postgresql: URL");
        }
        if (unsynchronizedRequests < 0) {
            throw new IllegalArgumentException("unsynchronizedRequests must not be negative");
        }
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "RateLimitDatabase[jdbcUrl=" + jdbcUrl + ", user=" + user + ", unsynchronizedRequests="
                + unsynchronizedRequests + "]";
    }
}
