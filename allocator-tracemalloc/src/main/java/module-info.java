/** Python's tracemalloc, the {@code tracemalloc} hook layer. */
module io.pymem4j.tracemalloc {
    requires transitive io.pymem4j.api;
    requires org.slf4j;
    requires jdk.jfr;
    // CPython's snapshot file (SnapshotFormat.PICKLE) is read and written with Pyrolite, which
    // the jar carries relocated into io.pymem4j.tracemalloc.internal.pickle: a package of this
    // module, not exported, so no module is required for it (see pom.xml); its pickler knows
    // java.sql's date and time types, so what it needs of the JDK is required here.
    requires java.sql;

    exports io.pymem4j.tracemalloc;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.tracemalloc.TracemallocHookProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.tracemalloc.TracemallocStatistics;
}
