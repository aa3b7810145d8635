package dev.mcpoauth.cookbook.testkit.logs;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies everything this JVM writes to standard output and error (where the recipes' loggers
 * write) into memory, so a test can prove that no token ever reached a log. Install it before
 * the server starts; it keeps printing as before.
 */
public final class LogCapture {

    private static final int MAX_BYTES = 64 * 1024 * 1024;
    private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
    private static boolean installed;

    private LogCapture() {
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        System.setOut(tee(System.out));
        System.setErr(tee(System.err));
        installed = true;
    }

    /** Everything captured since {@link #install()}. */
    public static String text() {
        synchronized (CAPTURED) {
            return CAPTURED.toString(StandardCharsets.UTF_8);
        }
    }

    private static PrintStream tee(PrintStream original) {
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (CAPTURED) {
                    if (CAPTURED.size() < MAX_BYTES) {
                        CAPTURED.write(b);
                    }
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                original.write(bytes, offset, length);
                synchronized (CAPTURED) {
                    if (CAPTURED.size() < MAX_BYTES) {
                        CAPTURED.write(bytes, offset, length);
                    }
                }
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        return new PrintStream(both, true, StandardCharsets.UTF_8);
    }
}
