/** Python's tracemalloc, the {@code tracemalloc} hook layer. */
module io.pymem4j.tracemalloc {
    requires transitive io.pymem4j.api;
    requires org.slf4j;
    requires jdk.jfr;

    exports io.pymem4j.tracemalloc;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.tracemalloc.TracemallocHookProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.tracemalloc.TracemallocStatistics;
}
