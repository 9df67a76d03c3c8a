/** Acme's allocator: a pymem4j backend, found by ServiceLoader through this provides. */
module com.acme.allocator {
    requires io.pymem4j.api;
    exports com.acme.allocator;
    provides io.pymem4j.spi.AllocatorProvider with com.acme.allocator.AcmeProvider;
}
