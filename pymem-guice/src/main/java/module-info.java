/** Guice bindings for a pymem4j runtime and its domains' allocators. */
module io.pymem4j.guice {
    requires transitive io.pymem4j.api;
    requires transitive com.google.guice;
    requires transitive jakarta.inject;
    requires org.slf4j;

    exports io.pymem4j.guice;
    // Guice calls the module's @Provides methods and the qualifier's implementation reflectively.
    opens io.pymem4j.guice to com.google.guice;
}
