package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.Problem;

/**
 * What a check under the guard layer's lock found, to be reported once the lock is let go.
 *
 * @param kind     which of the debug layer's reports it takes
 * @param problem  the problem it names
 * @param function the CPython function the report names
 * @param p        the pointer checked
 * @param slot     the slot {@code p} lies in
 * @param through  the domain that freed the block before ({@link Kind#FREED_BEFORE}) or that
 *                 checked it ({@link Kind#CORRUPT}); else null
 * @param address  where a realloc moved the block ({@link Kind#FREED_BEFORE}, 0 if it did not),
 *                 or the start of the block {@code p} points into ({@link Kind#INTERIOR})
 * @param call     the domain of the call that gave {@code p} (free, realloc; for an explicit
 *                 check, the block's)
 */
record Finding(Kind kind, Problem problem, String function, long p, int slot, PyMemAllocatorDomain through,
               long address, PyMemAllocatorDomain call) {

    enum Kind {
        /** A live block failed its check: it is leaked. */
        CORRUPT,
        /** A quarantined block is no longer all DEADBYTE: it is leaked. */
        WRITTEN,
        /** The block was freed (or moved) before: a double free, or a realloc of a freed block. */
        FREED_BEFORE,
        /** The block failed a check before and was leaked. */
        LEAKED_BEFORE,
        /** A pointer into a live block, not its start. */
        INTERIOR,
        /** A pointer into the region where no block starts. */
        NOT_LIVE
    }
}
