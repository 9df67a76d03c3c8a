package io.pymem4j.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A value per thread for the layer's hot paths, found by one load and a compare (a table by
 * {@code threadId & 255}) before the {@link ThreadLocal}; a new thread takes over the value
 * of one that ended, so there are never more values than threads running at once.
 *
 * @param <T> the value, which its thread alone writes
 */
final class PerThread<T> {

    private static final int CACHE_SLOTS = 256;

    /** A value and the thread it serves. */
    static final class Slot<T> {
        final T value;
        /** The owner's id; a stale read never equals another live thread's id (ids are not reused). */
        volatile long tid;
        volatile Thread owner;

        Slot(T value, Thread owner) {
            this.value = value;
            take(owner);
        }

        void take(Thread t) {
            owner = t;
            tid = t.threadId();
        }
    }

    @SuppressWarnings("unchecked")
    private final Slot<T>[] cache = (Slot<T>[]) new Slot<?>[CACHE_SLOTS];
    private final ThreadLocal<Slot<T>> local = new ThreadLocal<>();
    private final List<Slot<T>> all = new ArrayList<>();
    private final Supplier<T> factory;

    PerThread(Supplier<T> factory) {
        this.factory = factory;
    }

    /** The calling thread's value. */
    T get() {
        long tid = Thread.currentThread().threadId();
        Slot<T> s = cache[(int) tid & (CACHE_SLOTS - 1)];
        return s != null && s.tid == tid ? s.value : slow(tid);
    }

    /** Visits every value, of running and ended threads, under the registry's lock (reports, statistics). */
    void forEach(Consumer<T> visitor) {
        synchronized (all) {
            for (Slot<T> s : all) {
                visitor.accept(s.value);
            }
        }
    }

    private T slow(long tid) {
        Slot<T> s = local.get();
        if (s == null) {
            Thread me = Thread.currentThread();
            synchronized (all) {
                for (Slot<T> o : all) {
                    // The owner's end happens-before isAlive() returns false: its writes are visible.
                    if (!o.owner.isAlive()) {
                        o.take(me);
                        s = o;
                        break;
                    }
                }
                if (s == null) {
                    s = new Slot<>(factory.get(), me);
                    all.add(s);
                }
            }
            local.set(s);
        }
        cache[(int) tid & (CACHE_SLOTS - 1)] = s;
        return s.value;
    }
}
