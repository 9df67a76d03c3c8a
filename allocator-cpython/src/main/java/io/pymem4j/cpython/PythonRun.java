package io.pymem4j.cpython;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a Python run asked of the allocators, taken when the interpreter was finalized.
 *
 * @param stack         the runtime's stack name ({@code pymalloc_debug} ...)
 * @param gilMode       whether the runtime was in GIL mode with CPython's GIL
 * @param pythonVersion CPython's version ({@code 3.11.2})
 * @param library       the libpython that ran
 * @param calls         CPython's calls per domain
 * @param peakBytes     the most requested bytes live at once, all domains together
 * @param liveBytes     requested bytes still live after finalization (CPython does not free everything)
 * @param failedCalls   calls on which the runtime threw (an allocation returned NULL, a free leaked)
 * @param tracemalloc   CPython's tracemalloc report, when the run traced
 * @since 0.1
 */
public record PythonRun(String stack, boolean gilMode, String pythonVersion, Path library,
                        Map<PyMemAllocatorDomain, DomainCalls> calls, long peakBytes, long liveBytes,
                        long failedCalls, Optional<TracemallocReport> tracemalloc) {

    public PythonRun {
        calls = Map.copyOf(calls);
    }

    /** The calls of one domain. */
    public DomainCalls calls(PyMemAllocatorDomain domain) {
        return calls.get(domain);
    }
}
