/** A JUnit 5 extension that gives tests a pymem4j runtime and fails them on leaks and corruption. */
module io.pymem4j.junit {
    requires transitive io.pymem4j.api;
    requires transitive org.junit.jupiter.api;
    requires org.junit.platform.commons;
    requires org.opentest4j;
    requires io.pymem4j.debug;
    requires io.pymem4j.tracemalloc;
    requires io.pymem4j.pymalloc;
    requires org.slf4j;

    exports io.pymem4j.junit;
    // JUnit instantiates the extension reflectively.
    opens io.pymem4j.junit to org.junit.platform.commons;
}
