package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

/**
 * Thrown by the debug layer under the {@code throw} policy when a check fails. Its message
 * starts with one Java sentence (what happened, to which block, in which domain), then the
 * report as CPython prints it, unchanged, which {@link #report()} also gives (CPython's dump,
 * ending with its "Fatal Python error" line). An {@link Error}: the heap is corrupt or a
 * pointer was misused, nothing to recover from in the code that called {@code free}. The
 * block involved has been leaked, never passed down.
 *
 * @since 0.1
 */
public final class MemoryCorruptionError extends Error {
    private static final long serialVersionUID = 1L;

    private final Problem problem;
    private final long address;
    private final PyMemAllocatorDomain domain;
    private final String report;

    /** An error whose sentence names the problem and the address only (no domain known). */
    public MemoryCorruptionError(Problem problem, long address, String report) {
        this(problem, address, null, ReportSentence.of(problem, address), report);
    }

    /**
     * @param problem  what the check found
     * @param address  the user pointer that was checked
     * @param domain   the domain of the block (for a pointer that is not a block, of the call), or null
     * @param sentence what happened, in one sentence, for the message's first line
     * @param report   CPython's report, ending with a newline
     */
    public MemoryCorruptionError(Problem problem, long address, PyMemAllocatorDomain domain, String sentence,
                                 String report) {
        super(sentence + "\n" + report);
        this.problem = problem;
        this.address = address;
        this.domain = domain;
        this.report = report;
    }

    /** What the check found. */
    public Problem problem() {
        return problem;
    }

    /** The user pointer that was checked. */
    public long address() {
        return address;
    }

    /** The domain of the block (for a pointer that is not a live block, the domain of the call), or null. */
    public PyMemAllocatorDomain domain() {
        return domain;
    }

    /** The whole report, line by line as CPython prints it to stderr, ending with a newline. */
    public String report() {
        return report;
    }

    /** The report's last line, e.g. {@code Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte}. */
    public String fatalError() {
        String r = report.stripTrailing();
        return r.substring(r.lastIndexOf('\n') + 1);
    }
}
