package io.pymem4j.spi;

/**
 * A layer's part in closing its runtime: what a backend instance or a hook layer's state
 * ({@link Hook}) implements when it holds memory or state that must go back when the runtime
 * closes (pymalloc's arenas and heaps, the debug layer's block table and quarantine,
 * tracemalloc's traces). A layer that holds nothing of its own need not implement it.
 *
 * <h2>The runtime's close, in two rounds</h2>
 * <pre>
 *   1. beforeClose()  on every layer, top first (hooks, then the MEM/OBJ backend, then RAW's),
 *                     while the whole stack still works: a layer gives back what it holds for
 *                     blocks already freed (the debug layer's quarantine goes to the backend),
 *                     may check its live blocks, and says which blocks are live
 *   2. close()        on every layer, in the same order: everything the layer holds goes back
 * </pre>
 * The runtime has stopped serving calls before the first round. An exception from one layer
 * does not stop the others; the runtime rethrows the first when both rounds are over.
 *
 * <h2>After close</h2>
 * Every later call on an allocator of the layer (one handed out by the runtime earlier, a
 * free of an old block) must throw {@link IllegalStateException}, or reach a layer below
 * that does, and never touch memory given back. A layer may detect it where it already
 * checks its state (pymalloc's fast paths find emptied tables and fall into a slow path
 * that checks; the debug layer finds no record), so that the check costs its hot paths
 * nothing; a call racing with {@code close()} itself is not covered.
 *
 * @since 0.1
 */
public interface LayerLifecycle {

    /**
     * The first round of the runtime's close: gives back what the layer holds for blocks
     * already freed, checks what it checks of live blocks, and counts them.
     *
     * @return the blocks this layer knows to be live, or null when it keeps no count (libc)
     */
    default LiveBlocks beforeClose() {
        return null;
    }

    /**
     * Gives back everything the layer holds (native memory, tables); every later call on
     * the layer throws {@link IllegalStateException}. Called once.
     */
    void close();
}
