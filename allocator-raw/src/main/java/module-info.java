/** The system allocator: libc malloc in every domain, and mmap arenas. */
module io.pymem4j.raw {
    requires transitive io.pymem4j.api;
    requires org.slf4j;

    exports io.pymem4j.raw;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.raw.MallocProvider, io.pymem4j.raw.MmapArenaProvider;
}
