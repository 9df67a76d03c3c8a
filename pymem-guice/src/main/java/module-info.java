/** Guice bindings for a pymem4j runtime and its domains' allocators. */
// Guice 7 is an automatic module; PyMemModule is a Guice module, so its users read Guice too.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.pymem4j.guice {
    requires transitive io.pymem4j.api;
    requires transitive com.google.guice;
    requires transitive jakarta.inject;
    requires org.slf4j;

    exports io.pymem4j.guice;
    // Guice calls the module's @Provides methods and the qualifier's implementation reflectively.
    opens io.pymem4j.guice to com.google.guice;
}
