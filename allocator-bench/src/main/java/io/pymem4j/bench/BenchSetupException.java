package io.pymem4j.bench;

/**
 * A bench session cannot go on for a reason the user can act on (a file it needs cannot be
 * written); {@code pymem bench} reports it as a usage error, without a stack trace.
 */
public final class BenchSetupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BenchSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
