/**
 * CPython allocation traces: the {@code .pymt} format's reader and writer and the engine that
 * replays a trace through any stack (the work behind {@code pymem replay}).
 */
module io.pymem4j.replay {
    requires transitive io.pymem4j.api;
    requires org.slf4j;

    exports io.pymem4j.replay;
}
