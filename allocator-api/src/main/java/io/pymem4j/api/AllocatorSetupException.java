package io.pymem4j.api;

/**
 * An allocator stack could not be set up: an unknown name (the message lists the known
 * ones), a provider that is missing or unavailable (the message says what provides it),
 * two providers with one name, a change refused because the runtime has live blocks, or a
 * platform pymem4j does not run on (the message names the supported ones).
 *
 * @since 0.1
 */
public class AllocatorSetupException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public AllocatorSetupException(String message) {
        super(message);
    }

    public AllocatorSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
