/** The {@code failing} hook layer: allocation failures on a plan, for fault-injection tests. */
module io.pymem4j.failing {
    requires transitive io.pymem4j.api;
    requires org.slf4j;

    exports io.pymem4j.failing;

    provides io.pymem4j.spi.AllocatorProvider with io.pymem4j.failing.FailingHookProvider;
}
