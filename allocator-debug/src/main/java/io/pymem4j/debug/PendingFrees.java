package io.pymem4j.debug;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's last frees, not yet moved to the shared {@link FreeHistory}: per entry the
 * address, its record's final meta word (kind, domains, serial: one incarnation of the
 * address), its size and where a realloc moved it (or 0). The owner alone writes it, so a
 * free takes no atomic instruction and threads never share its cache lines; once every
 * {@link #capacity} frees it is flushed under the history's lock. A new thread takes over
 * an ended thread's buffer ({@link PerThread}), entries and all.
 */
final class PendingFrees {
    static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(PendingFrees.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long[] entries;
    final int capacity;
    /** Entries held; read opaquely by reports. */
    int count;

    PendingFrees(int capacity) {
        this.capacity = capacity;
        this.entries = new long[BlockTable.HISTORY_FIELDS * capacity];
    }
}
