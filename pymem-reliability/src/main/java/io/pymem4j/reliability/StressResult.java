package io.pymem4j.reliability;

/**
 * What a stress run did and checked.
 *
 * @param allocator        the stack's name
 * @param threads          workers per round
 * @param rounds           rounds run
 * @param nanos            wall time of the rounds
 * @param allocations      successful malloc, calloc and realloc calls
 * @param callocs          of which calloc, each checked to be zeroed
 * @param reallocs         of which realloc of a live block, each checked to keep the content
 * @param frees            free calls
 * @param blocksChecked    blocks whose whole content was verified (at free, realloc and hand-over)
 * @param bytesChecked     the bytes those verifications read
 * @param transfers        blocks put in the transfer array
 * @param crossThreadFrees blocks freed by a thread other than the one that allocated them
 * @param leaks            what the stack's own counts held after the run beyond what they held
 *                         before (pymalloc blocks, debug live blocks, tracemalloc bytes); empty
 *                         when every count is back where it was
 *
 * @since 0.1
 */
public record StressResult(String allocator, int threads, long rounds, long nanos, long allocations, long callocs,
                           long reallocs, long frees, long blocksChecked, long bytesChecked, long transfers,
                           long crossThreadFrees, String leaks) {

    /** True when every count the stack keeps is back where it was before the run. */
    public boolean leakFree() {
        return leaks.isEmpty();
    }
}
