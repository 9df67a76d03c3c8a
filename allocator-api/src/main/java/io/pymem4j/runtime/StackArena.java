package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * An {@link Arena} whose memory comes from a runtime's stack: {@code allocate} takes a block
 * from one domain, {@code close()} frees every block it took. The lifetime is a JDK arena's
 * ({@link Arena#ofConfined()} or {@link Arena#ofShared()}), whose scope every segment gets
 * ({@link MemorySegment#reinterpret(long, Arena, java.util.function.Consumer)}): a segment
 * used after close throws {@link IllegalStateException}, one used by a thread a confined
 * arena does not admit throws {@link WrongThreadException}, exactly as the JDK's. The JDK
 * arena itself allocates nothing.
 *
 * <p>Blocks are zeroed, as a JDK arena's segments are. Their addresses are kept in a growing
 * {@code long[]} under the arena's monitor (uncontended in a confined arena).
 */
final class StackArena implements Arena {

    private final PyMemRuntime runtime;
    private final PyMemAllocatorDomain domain;
    private final Arena lifetime;
    /** The owner of a confined arena, null for a shared one. */
    private final Thread owner;
    private long[] blocks = new long[8];
    private int count;

    /** An arena on {@code domain} of {@code runtime}: confined to the calling thread, or shared. */
    StackArena(PyMemRuntime runtime, PyMemAllocatorDomain domain, boolean shared) {
        this.runtime = runtime;
        this.domain = domain;
        this.lifetime = shared ? Arena.ofShared() : Arena.ofConfined();
        this.owner = shared ? null : Thread.currentThread();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        // Checked before a block is taken, so a refused call leaks nothing; the JDK's
        // exceptions and messages for a thread the arena does not admit and a closed arena.
        if (owner != null && Thread.currentThread() != owner) {
            throw new WrongThreadException("Attempted access outside owning thread");
        }
        if (!lifetime.scope().isAlive()) {
            throw new IllegalStateException("Already closed");
        }
        long p = BlockViews.allocate(runtime, domain, byteSize, byteAlignment);
        synchronized (this) {
            // A shared arena may have been closed by another thread meanwhile: close() takes
            // the list under this monitor after closing the scope, so a block recorded here
            // is freed by it, and one refused here was never seen by it.
            if (!lifetime.scope().isAlive()) {
                runtime.free(domain, p);
                throw new IllegalStateException("Already closed");
            }
            if (count == blocks.length) {
                blocks = Arrays.copyOf(blocks, 2 * count);
            }
            blocks[count++] = p;
        }
        MemorySegment segment = MemorySegment.ofAddress(p).reinterpret(byteSize, lifetime, null);
        segment.fill((byte) 0);
        return segment;
    }

    @Override
    public MemorySegment.Scope scope() {
        return lifetime.scope();
    }

    /**
     * Closes the arena's scope (its segments are then unusable), then frees every block it
     * made, newest first.
     *
     * @throws IllegalStateException when the arena is already closed, or its runtime is
     * @throws WrongThreadException  when a confined arena is closed by another thread
     */
    @Override
    public void close() {
        lifetime.close();
        long[] taken;
        int n;
        synchronized (this) {
            taken = blocks;
            n = count;
            blocks = new long[0];
            count = 0;
        }
        for (int i = n - 1; i >= 0; i--) {
            runtime.free(domain, taken[i]);
        }
    }

    @Override
    public String toString() {
        return (owner == null ? "shared" : "confined") + " arena on " + domain + " of " + runtime.stackSpec().name();
    }
}
