/** An application on Acme's allocator with pymem4j's hooks above it. */
module com.acme.app {
    requires io.pymem4j.api;
    requires io.pymem4j.debug;
    requires io.pymem4j.tracemalloc;
    requires com.acme.allocator;
}
