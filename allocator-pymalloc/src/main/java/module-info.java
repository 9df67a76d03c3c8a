/** CPython's obmalloc, the {@code pymalloc} backend. */
module io.pymem4j.pymalloc {
    requires transitive io.pymem4j.api;
    requires org.slf4j;

    exports io.pymem4j.pymalloc;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.pymalloc.PymallocProvider;
    provides io.pymem4j.spi.RuntimeStatistics with io.pymem4j.pymalloc.PymallocStatistics;
}
