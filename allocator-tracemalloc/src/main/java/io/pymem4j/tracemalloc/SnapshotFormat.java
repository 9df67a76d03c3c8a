package io.pymem4j.tracemalloc;

/**
 * The file formats of {@link Snapshot#dump(java.nio.file.Path, SnapshotFormat)};
 * {@link Snapshot#load} reads both, telling them apart by their first bytes.
 *
 * @since 0.1
 */
public enum SnapshotFormat {

    /**
     * This port's own format (the {@link Snapshot} class doc has its layout): keeps the Java
     * class and method of each frame and the expected flag of each trace. What
     * {@link Snapshot#dump(java.nio.file.Path)} writes.
     */
    PYMEM4J,

    /**
     * CPython's: a pickle of a {@code tracemalloc.Snapshot}, what Python's
     * {@code Snapshot.dump()} writes and {@code tracemalloc.Snapshot.load()} reads. Frames are
     * a file and a line; traces keep their domain, size and total frame count.
     */
    PICKLE
}
