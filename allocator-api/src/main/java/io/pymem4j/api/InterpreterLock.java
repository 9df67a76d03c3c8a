package io.pymem4j.api;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock that callers of the MEM and OBJ domains hold in GIL mode: CPython's GIL. An
 * embedded interpreter supplies its own (the real GIL, checked with {@code PyGILState_Check});
 * {@link #reentrant()} is a plain Java one.
 *
 * @since 0.1
 */
public interface InterpreterLock {

    /** Takes the lock, waiting for it. */
    void acquire();

    /** Gives the lock back. */
    void release();

    /** True when the calling thread holds the lock ({@code PyGILState_Check}). */
    boolean isHeldByCurrentThread();

    /**
     * Holds the lock for a try-with-resources block:
     * {@code try (var gil = lock.hold()) { ... }}.
     */
    default Held hold() {
        acquire();
        return this::release;
    }

    /** A held lock, released by {@link #close()}. */
    @FunctionalInterface
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** A lock of this JVM's, reentrant like CPython's {@code PyGILState_Ensure}. */
    static InterpreterLock reentrant() {
        ReentrantLock lock = new ReentrantLock();
        return new InterpreterLock() {
            @Override
            public void acquire() {
                lock.lock();
            }

            @Override
            public void release() {
                lock.unlock();
            }

            @Override
            public boolean isHeldByCurrentThread() {
                return lock.isHeldByCurrentThread();
            }
        };
    }
}
