package io.pymem4j.pymalloc;

import io.pymem4j.api.NativeMemory;

/**
 * The native layout of obmalloc's {@code struct pool_header} (48 bytes at the start of every
 * pool, at a 64-bit CPython build's offsets) and the link and unlink of a pool in a
 * {@code usedpools} ring.
 *
 * <pre>
 *   0  ref.count      uint32  blocks handed out (the low half of the 8-byte ref union)
 *   4  owner          int32   id of the heap owning the pool (the union's unused upper half)
 *   8  freeblock      block*  head of the pool's free list, linked through each block's first word
 *  16  nextpool       pool*   ring (used pool) or freepools (empty pool) link
 *  24  prevpool       pool*   ring link
 *  32  arenaindex     uint32  the pool's arena_object in the arenas vector
 *  36  szidx          uint32  size class; {@link Geometry#DUMMY_SIZE_IDX} until it has one
 *  40  nextoffset     uint32  offset of the first never-used block
 *  44  maxnextoffset  uint32  largest nextoffset that still leaves room for a block
 * </pre>
 *
 * <p>The offsets are compile-time constants, so code reading a field through
 * {@link NativeMemory} with them is exactly as if it wrote the number. The ring methods are
 * small static methods for the JIT to inline; they work the same whether a neighbour is a
 * pool or a ring's fake header in {@code usedpools} (see {@link Heap}), which has only
 * {@code nextpool} and {@code prevpool}.
 */
final class PoolHeader {

    static final int REF_COUNT = 0;
    /** The owning heap's id, in the upper half of the 8-byte {@code ref} union that count leaves unused. */
    static final int OWNER = 4;
    static final int FREEBLOCK = 8;
    static final int NEXTPOOL = 16;
    static final int PREVPOOL = 24;
    static final int ARENAINDEX = 32;
    static final int SZIDX = 36;
    static final int NEXTOFFSET = 40;
    static final int MAXNEXTOFFSET = 44;

    private PoolHeader() {
    }

    /** Takes {@code pool} out of the ring it is in. */
    static void unlink(long pool) {
        long next = NativeMemory.getLong(pool + NEXTPOOL);
        long prev = NativeMemory.getLong(pool + PREVPOOL);
        NativeMemory.putLong(next + PREVPOOL, prev);
        NativeMemory.putLong(prev + NEXTPOOL, next);
    }

    /** {@code insert_to_usedpool}: links {@code pool} into a ring just before {@code next}. */
    static void linkBefore(long pool, long next) {
        long prev = NativeMemory.getLong(next + PREVPOOL);
        NativeMemory.putLong(pool + NEXTPOOL, next);
        NativeMemory.putLong(pool + PREVPOOL, prev);
        NativeMemory.putLong(next + PREVPOOL, pool);
        NativeMemory.putLong(prev + NEXTPOOL, pool);
    }
}
