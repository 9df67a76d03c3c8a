package io.pymem4j.cpython;

/**
 * One line of Python code and the memory allocated there that was still live, as
 * {@code tracemalloc.Snapshot.statistics('lineno')} reports it.
 *
 * @param filename the source file ({@code <frozen runpy>}, {@code <string>} ...)
 * @param lineno   the line
 * @param size     bytes of the live blocks allocated there
 * @param count    how many live blocks
 * @since 0.1
 */
public record AllocationSite(String filename, int lineno, long size, long count) {
}
