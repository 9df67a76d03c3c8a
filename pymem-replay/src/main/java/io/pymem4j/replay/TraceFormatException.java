package io.pymem4j.replay;

import java.io.IOException;

/**
 * A {@code .pymt} stream that breaks the format or its rules. The message says where
 * ({@code header: ...} or {@code event N: ...}, N counted from 0) and what is wrong.
 *
 * @since 0.1
 */
public class TraceFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long event;

    /** A problem in the header or the stream as a whole, not tied to one event. */
    public TraceFormatException(String message) {
        this(message, null);
    }

    public TraceFormatException(String message, Throwable cause) {
        super(message, cause);
        this.event = -1;
    }

    /** A problem at event {@code event} (0-based); the message becomes {@code event N: what}. */
    public TraceFormatException(long event, String what) {
        this(event, what, null);
    }

    public TraceFormatException(long event, String what, Throwable cause) {
        super("event " + event + ": " + what, cause);
        this.event = event;
    }

    /** The 0-based index of the event at fault, or -1 when the fault is not an event's. */
    public long event() {
        return event;
    }
}
