package org.brickd.errors;

/**
 * The root of brickd's one exception hierarchy. Every subclass carries a stable {@link Code}
 * that the RPC edge maps to a JSON-RPC error code, and a message written for the operator:
 * what failed, on what, what state is left, what to do next.
 */
public class BrickException extends RuntimeException {

    /** Stable error classes; the RPC edge maps each to a fixed JSON-RPC code. */
    public enum Code {
        INVALID_INPUT,
        NOT_FOUND,
        BUSY,
        HOST_ERROR,
        TIMEOUT,
        WWID_MISMATCH,
        LEFTOVERS,
        UNMATCHED_DISK,
        UNAVAILABLE,
        INTERNAL
    }

    private final Code code;

    public BrickException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public BrickException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
