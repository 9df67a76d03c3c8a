/** CPython's debug hooks, the {@code debug} hook layer. */
module io.pymem4j.debug {
    requires transitive io.pymem4j.api;
    // CorruptionPolicy hands out the SLF4J Marker its log events carry.
    requires transitive org.slf4j;

    exports io.pymem4j.debug;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.debug.DebugHookProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.debug.DebugStatistics;
}
