package dev.mcpoauth.cookbook.probe;

import java.io.IOException;

/** The MCP server did not answer the first request at all: nothing can be judged (exit code 2). */
public final class ProbeUnreachableException extends IOException {

    public ProbeUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
