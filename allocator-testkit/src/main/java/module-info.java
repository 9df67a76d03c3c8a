/** The contract tests every allocator must pass, to extend in a backend's tests. */
module io.pymem4j.testkit {
    requires transitive io.pymem4j.api;
    requires transitive org.junit.jupiter.api;

    exports io.pymem4j.testkit;
    // JUnit calls the package-private test methods reflectively.
    opens io.pymem4j.testkit to org.junit.platform.commons;
}
