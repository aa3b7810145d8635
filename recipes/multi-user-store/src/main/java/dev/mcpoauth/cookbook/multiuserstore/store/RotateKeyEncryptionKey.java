package dev.mcpoauth.cookbook.multiuserstore.store;

import io.micronaut.context.ApplicationContext;

/**
 * The rotation command: {@code java -cp multi-user-store-all.jar dev.mcpoauth.cookbook.multiuserstore.store.RotateKeyEncryptionKey}
 * with the same datasource and key configuration as the servers (TOKEN_STORE_JDBC_URL, TOKEN_STORE_KEKS
 * holding the old and the new key, TOKEN_STORE_KEK_ID naming the new one). Safe to run while the servers
 * serve, and to run again: it only touches rows not yet under the current key. See README.md.
 */
public final class RotateKeyEncryptionKey {

    public static void main(String[] args) {
        // No HTTP server: just the datasource (Flyway-migrated), the keys and the store.
        try (ApplicationContext context = ApplicationContext.builder().deduceEnvironment(false).start()) {
            KeyRotation.Report report = context.getBean(KeyRotation.class).rotateAll();
            System.out.println("Rewrapped " + report.rewrapped() + " rows; " + report.unreadable() + " unreadable rows need a reconnect.");
            System.exit(report.unreadable() == 0 ? 0 : 2);
        }
    }

    private RotateKeyEncryptionKey() {
    }
}
