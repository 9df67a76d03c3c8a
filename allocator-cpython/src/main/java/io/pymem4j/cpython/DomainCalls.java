package io.pymem4j.cpython;

/**
 * How many times CPython called one domain's allocator functions through the bridge.
 *
 * @param malloc  {@code malloc} calls
 * @param calloc  {@code calloc} calls
 * @param realloc {@code realloc} calls
 * @param free    {@code free} calls
 * @since 0.1
 */
public record DomainCalls(long malloc, long calloc, long realloc, long free) {

    /** All four together. */
    public long total() {
        return malloc + calloc + realloc + free;
    }
}
