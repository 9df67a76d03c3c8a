package io.pymem4j.tracemalloc;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JFR event of the free (or realloc) of a sampled block whose allocation was recorded,
 * {@value #NAME}: pairs with that {@link NativeAllocationEvent} by address, so that the
 * allocations without one are the blocks still live at the end of a recording. Off unless
 * a recording enables it; not throttled (there is at most one per recorded allocation),
 * and without a stack trace unless the recording asks for one ({@code #stackTrace=true}).
 */
@Name(NativeFreeEvent.NAME)
@Label("Native Free")
@Category({"pymem4j", "Native Memory"})
@Description("The free of a sampled native block of a pymem4j runtime")
@Enabled(false)
@StackTrace(false)
final class NativeFreeEvent extends Event {

    /** The event's name in a recording. */
    static final String NAME = "io.pymem4j.NativeFree";

    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Domain")
    String domain;

    /** Commits an event of a freed sampled block when a recording wants it. */
    static void emit(long address, int domain) {
        NativeFreeEvent e = new NativeFreeEvent();
        if (e.shouldCommit()) {
            e.address = address;
            e.domain = NativeAllocationEvent.domainName(domain);
            e.commit();
        }
    }
}
