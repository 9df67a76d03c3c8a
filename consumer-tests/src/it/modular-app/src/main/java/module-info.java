/** A user's application module: pymem4j's api is all it names. */
module com.example.modular {
    requires io.pymem4j.api;
}
