package io.pymem4j.reliability;

/**
 * A stress run found an allocator at fault: a block whose content changed, an address handed
 * out twice, a NULL for a request that must succeed, or blocks left over at the end. The
 * message says which block (address, size, domain, the thread that got it) and what was
 * found; the run stopped at the first such finding.
 *
 * @since 0.1
 */
public final class StressFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StressFailure(String message) {
        super(message);
    }

    public StressFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
