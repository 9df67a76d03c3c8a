package io.pymem4j.tracemalloc;

import java.util.Arrays;

/**
 * Every thread's {@link ByteSampler} for one tracer, and the test the layer makes on each
 * allocation while tracing is sampled: {@link #sample}.
 *
 * <p>A thread finds its sampler in a table of 256 slots indexed by the low bits of its
 * {@link Thread#threadId()}, which holds the sampler of the last thread of that index to
 * allocate: a field read and a compare of the owner's id, where a {@link ThreadLocal}
 * lookup costs a hash probe. A thread that finds another's sampler there (two live threads
 * of one index) fetches its own from a {@code ThreadLocal} and puts it in the slot; the two
 * take turns that way, slower, still each with its own countdown. Only the owner writes
 * a sampler's fields; the slots are written racily, which is safe because a sampler's
 * owner id is final.
 *
 * <p>Each start of tracing opens a session: the slots are emptied and a thread's sampler
 * draws a fresh distance, with the new interval, at its first allocation in the session.
 */
final class ThreadSamplers {

    /** Entries of {@link #slots}; a power of two. */
    private static final int SLOTS = 256;

    /** The empty slot's sampler: no thread has id 0, and no other thread writes it. */
    private static final ByteSampler NOBODY = new ByteSampler(0);

    private final ByteSampler[] slots = new ByteSampler[SLOTS];
    private final ThreadLocal<ByteSampler> own = new ThreadLocal<>();
    private volatile long session;

    ThreadSamplers() {
        Arrays.fill(slots, NOBODY);
    }

    /**
     * Counts a block of {@code size} bytes down the calling thread's distance to its next
     * sample point: true when the block is sampled, and then a new distance of mean
     * {@code interval} is drawn. Allocates nothing (after a thread's first call) and takes
     * no lock. The common case, a thread that finds its own sampler and is not sampled, is
     * kept to a few instructions so that it inlines into the layer; the rest is
     * {@link #sampleSlow}.
     */
    boolean sample(long size, long interval) {
        long tid = Thread.currentThread().threadId();
        ByteSampler s = slots[(int) tid & (SLOTS - 1)];
        long left = s.left - ByteSampler.sampledBytes(size);
        if (s.threadId == tid && left > 0) {
            s.left = left;
            return false;
        }
        return sampleSlow(s, tid, size, interval);
    }

    /**
     * {@link #sample} when {@code s}, the sampler in the calling thread's slot, is another
     * thread's (or none), or its distance has run out.
     */
    private boolean sampleSlow(ByteSampler s, long tid, long size, long interval) {
        if (s.threadId != tid) {
            s = mine(tid, interval);
        }
        long left = s.left - ByteSampler.sampledBytes(size);
        if (left > 0) {
            s.left = left;
            return false;
        }
        s.left = s.draw(interval);
        return true;
    }

    /** The calling thread's sampler, put in its slot; its first distance drawn in a new session. */
    private ByteSampler mine(long tid, long interval) {
        ByteSampler s = own.get();
        if (s == null) {
            s = new ByteSampler(tid);
            own.set(s);
        }
        long current = session;
        if (s.session != current) {
            s.session = current;
            s.left = s.draw(interval);
        }
        slots[(int) tid & (SLOTS - 1)] = s;
        return s;
    }

    /** Opens a new session: every thread draws afresh at its next allocation. Called as tracing starts. */
    void newSession() {
        Arrays.fill(slots, NOBODY);
        session++;
    }

    /** Makes the calling thread's sample points repeatable: its draws restart from {@code seed} (for tests). */
    void seed(long seed, long interval) {
        long tid = Thread.currentThread().threadId();
        mine(tid, interval).seed(seed);
        mine(tid, interval);
    }
}
