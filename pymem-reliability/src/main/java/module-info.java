/** The stress engine: many threads through one runtime, checked against a model. */
module io.pymem4j.reliability {
    requires transitive io.pymem4j.api;
    requires io.pymem4j.debug;
    requires io.pymem4j.tracemalloc;
    requires io.pymem4j.pymalloc;
    requires org.slf4j;

    exports io.pymem4j.reliability;
}
