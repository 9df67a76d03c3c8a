package io.pymem4j.debug;

/**
 * Thrown by the debug layer under the {@code throw} policy when a check fails: the report
 * (CPython's dump, ending with its "Fatal Python error" line) is in {@link #report()}. An
 * {@link Error}: the heap is corrupt or a pointer was misused, nothing to recover from in
 * the code that called {@code free}. The block involved has been leaked, never passed down.
 */
public final class MemoryCorruptionError extends Error {
    private static final long serialVersionUID = 1L;

    private final Problem problem;
    private final long address;
    private final String report;

    public MemoryCorruptionError(Problem problem, long address, String report) {
        super(fatalLine(report) + "\n" + report);
        this.problem = problem;
        this.address = address;
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

    /** The whole report, line by line as CPython prints it to stderr, ending with a newline. */
    public String report() {
        return report;
    }

    /** The report's last line, e.g. {@code Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte}. */
    public String fatalError() {
        return fatalLine(report);
    }

    private static String fatalLine(String report) {
        String r = report.stripTrailing();
        return r.substring(r.lastIndexOf('\n') + 1);
    }
}
