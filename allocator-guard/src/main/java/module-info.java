/** The {@code guard} hook layer: the debug layer's checks on a random sample of blocks. */
module io.pymem4j.guard {
    requires transitive io.pymem4j.api;
    // Sampled blocks get the debug layer's decoration, checks and reports; GuardConfig names its CorruptionPolicy.
    requires transitive io.pymem4j.debug;

    exports io.pymem4j.guard;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.guard.GuardHookProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.guard.GuardStatistics;
}
