package io.pymem4j.cpython;

/**
 * CPython's pre-initialization or initialization failed ({@code PyStatus} error); the
 * message is CPython's {@code Fatal Python error: FUNCTION: MESSAGE} line.
 *
 * @since 0.1
 */
public final class PythonInitializationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PythonInitializationException(String message) {
        super(message);
    }
}
