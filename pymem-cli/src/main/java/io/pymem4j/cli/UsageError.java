package io.pymem4j.cli;

/** A failure the user can act on: printed as one {@code pymem: ...} line, exit status 2, no stack trace. */
final class UsageError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageError(String message, Throwable cause) {
        super(message, cause);
    }
}
