/** The {@code mimalloc} backend, over the native libmimalloc. */
module io.pymem4j.mimalloc {
    requires transitive io.pymem4j.api;

    exports io.pymem4j.mimalloc;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.mimalloc.MimallocProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.mimalloc.MimallocStatistics;
}
