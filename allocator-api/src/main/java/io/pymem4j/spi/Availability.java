package io.pymem4j.spi;

import java.util.Objects;

/**
 * Whether a provider can be set up on this machine, and if not, why not.
 *
 * @since 0.1
 */
public record Availability(boolean available, String reason) {

    public static final Availability AVAILABLE = new Availability(true, "");

    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** Not available, with a reason a user can act on (what to install). */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
