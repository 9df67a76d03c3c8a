/**
 * A modular application on pymem4j: it requires the api module and the pymalloc backend it
 * names in code; the other layers (malloc for RAW, debug, tracemalloc) and the SLF4J binding
 * join through {@link java.util.ServiceLoader} from the module path.
 */
module io.pymem4j.sample {
    requires io.pymem4j.api;
    requires io.pymem4j.pymalloc;
    requires org.slf4j;
}
