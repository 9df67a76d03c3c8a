/** Python's tracemalloc, the {@code tracemalloc} hook layer. */
// Pyrolite's pickle jar names no module: it is the automatic module its file name gives.
@SuppressWarnings("requires-automatic")
module io.pymem4j.tracemalloc {
    requires transitive io.pymem4j.api;
    requires org.slf4j;
    requires jdk.jfr;
    // CPython's snapshot file (SnapshotFormat.PICKLE); used inside, never in the API.
    requires pickle;

    exports io.pymem4j.tracemalloc;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.tracemalloc.TracemallocHookProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.tracemalloc.TracemallocStatistics;
}
