package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

/**
 * The Java sentence a {@link MemoryCorruptionError}'s message starts with, before CPython's
 * report: what happened, to which block and in which domain, in words a Java developer reads
 * without knowing CPython's debug hooks ({@code _PyMem_DebugRawFree} is CPython's name for the
 * free of every domain). It names the layer that found the problem: the debug layer, or a
 * layer that runs the debug layer's checks on some of its blocks ({@code guard}).
 */
final class ReportSentence {

    private ReportSentence() {
    }

    /** The sentence when only the problem and the address are known. */
    static String of(Problem problem, long p) {
        return of("debug", problem, p, null, null, -1, null);
    }

    /**
     * @param layer    the name of the layer that found it ({@code debug}, {@code guard})
     * @param problem  what the check found
     * @param p        the user pointer
     * @param block    the domain that made the block (null when unknown or not a block)
     * @param through  the domain of the call that found it (null when unknown)
     * @param size     the block's requested size, or -1 when unknown
     * @param function the CPython function that found it ({@code _PyMem_DebugRawFree}, ...), or null
     */
    static String of(String layer, Problem problem, long p, PyMemAllocatorDomain block, PyMemAllocatorDomain through,
                     long size, String function) {
        String theBlock = (block == null ? "the block" : "the " + block + " block") + " at " + BlockReport.hex(p)
                + (size >= 0 ? " (" + size + (size == 1 ? " byte)" : " bytes)") : "");
        String found = " (found by " + operation(function) + ")";
        String call = through == null ? "a free" : "the " + through + " domain's " + operation(function);
        return switch (problem) {
            case BAD_ID -> "Wrong domain: " + theBlock + " was given to " + call
                    + ", not to the domain that allocated it (or the block's API id byte was overwritten).";
            case BAD_LEADING_PAD -> "Buffer underflow: the bytes just before " + theBlock + " were overwritten" + found + ".";
            case BAD_SIZE -> "Buffer underflow: the size field before " + theBlock + " was overwritten" + found + ".";
            case BAD_TRAILING_PAD -> "Buffer overflow: the bytes just past the end of " + theBlock + " were overwritten"
                    + found + ".";
            case BAD_SERIAL -> "Buffer overflow: bytes past the end of " + theBlock
                    + " were overwritten beyond its trailing pad bytes" + found + ".";
            case DOUBLE_FREE -> "Double free: " + theBlock + " was given to " + call + " after it was already freed.";
            case USE_AFTER_FREE -> "Use after free: " + theBlock + " was given to " + call + " after it was freed.";
            case WRITE_AFTER_FREE -> "Write after free: " + theBlock
                    + " was written after it was freed (found when it left the " + layer + " layer's quarantine).";
            case INTERIOR_POINTER -> "Bad pointer: " + BlockReport.hex(p) + " was given to " + call
                    + "; it points into a live block" + (block == null ? "" : " of " + block) + ", not at its start.";
            case NOT_LIVE -> "Bad pointer: " + BlockReport.hex(p) + " was given to " + call
                    + ", but it is not a live block of the " + layer + " layer.";
            case NO_GIL -> "Interpreter lock not held: " + (through == null ? "an allocator call" : "a " + through
                    + " domain call") + (function == null ? "" : " (" + function + ")")
                    + " came from a thread that does not hold the runtime's interpreter lock (GIL mode).";
        };
    }

    private static String operation(String function) {
        if (function == null) {
            return "free";
        }
        return switch (function) {
            case DebugChecks.RAW_REALLOC -> "realloc";
            case DebugChecks.CHECK_ADDRESS -> "PyMemRuntime.check()";
            default -> "free";
        };
    }
}
