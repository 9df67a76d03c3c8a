package io.pymem4j.replay;

/**
 * A replay stopped because an allocator returned NULL; the blocks the run held were freed.
 *
 * @since 0.1
 */
public class ReplayFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long event;

    public ReplayFailedException(long event, String what) {
        super("event " + event + ": " + what);
        this.event = event;
    }

    /** The 0-based index of the event whose call failed. */
    public long event() {
        return event;
    }
}
