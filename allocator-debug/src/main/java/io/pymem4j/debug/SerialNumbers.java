package io.pymem4j.debug;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPython's {@code serialno}: the number each debug malloc, calloc and realloc gives its block.
 *
 * <p>CPython bumps one counter under the GIL. Here any thread may allocate, and one shared
 * atomic counter cost a tenth of a debug malloc+free alone and bounced its cache line
 * between threads, so each thread takes {@value #CHUNK} numbers at a time from the shared
 * counter and hands them out itself:
 * <pre>
 *   serialno (shared, atomic) ──getAndAdd(1024)──► thread A: 1..1024, then 2049..3072
 *                             ──getAndAdd(1024)──► thread B: 1025..2048
 * </pre>
 * Numbers stay unique and rise within each thread. With one thread allocating they count
 * the calls exactly as CPython's do; with several they order each thread's calls, not all
 * calls. They wrap at 2^52, what the block table keeps ({@link BlockTable#serialBits}).
 */
final class SerialNumbers {

    /** Numbers a thread takes from the shared counter at once. */
    static final int CHUNK = 1024;

    private final AtomicLong serialno = new AtomicLong();
    /** Each thread's chunk; a new thread goes on with the chunk of one that ended. */
    private final PerThread<Local> local = new PerThread<>(Local::new);

    /** One thread's numbers: the next to hand out, and the end of its chunk. */
    private static final class Local {
        private static final VarHandle NEXT;

        static {
            try {
                NEXT = MethodHandles.lookup().findVarHandle(Local.class, "next", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Written by the owner only; read opaquely by {@link #last()}. */
        @SuppressWarnings("unused") // through NEXT
        private long next;
        private long limit;

        long last() {
            return (long) NEXT.getOpaque(this) - 1;
        }
    }

    /** The next number of the calling thread's chunk, modulo 2^52. */
    long next() {
        Local l = local.get();
        long s = (long) Local.NEXT.get(l);
        if (s == l.limit) {
            s = serialno.getAndAdd(CHUNK) + 1;
            l.limit = s + CHUNK;
        }
        Local.NEXT.setOpaque(l, s + 1);
        return BlockTable.serialBits(s);
    }

    /** The highest number handed out so far: the last call's with one thread. */
    long last() {
        long[] n = {0};
        local.forEach(l -> n[0] = Math.max(n[0], l.last()));
        return n[0];
    }
}
