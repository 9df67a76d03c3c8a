package io.pymem4j.debug;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's last frees, not yet moved to the shared {@link FreeHistory}: per entry the
 * address, its record's final meta word (kind, domains, serial: one incarnation of the
 * address), its size, where a realloc moved it (or 0) and its traceback ids. The owner alone
 * writes it, so a free takes no atomic instruction and threads never share its cache lines;
 * once every {@link #capacity} frees it is flushed under the history's lock. A new thread
 * takes over an ended thread's buffer ({@link PerThread}), entries and all. It refers to
 * nothing else: a thread's {@link ThreadLocal} holds it, so a reference back to its history
 * would keep the history, and each closed layer's, as long as the thread lives.
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
        this.entries = new long[FreeHistory.FIELDS * capacity];
    }

    /**
     * Writes entry {@code n} (the count, or 0 after a flush): the free of the block at
     * {@code p}, ended as {@code meta} says; the owner only.
     */
    void put(int n, long p, long meta, long size, long movedTo, long tracebacks) {
        int at = FreeHistory.FIELDS * n;
        entries[at] = p;
        entries[at + 1] = meta;
        entries[at + 2] = size;
        entries[at + 3] = movedTo;
        entries[at + 4] = tracebacks;
        COUNT.setOpaque(this, n + 1);
    }
}
