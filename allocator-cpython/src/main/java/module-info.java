/** An embedded CPython whose allocator domains are served by a pymem4j runtime. */
module io.pymem4j.cpython {
    requires transitive io.pymem4j.api;
    // The bridge turns the debug layer's MemoryCorruptionError into CPython's fatal error.
    requires io.pymem4j.debug;
    requires org.slf4j;

    exports io.pymem4j.cpython;
}
