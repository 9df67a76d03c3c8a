package io.pymem4j.cpython;

/**
 * No usable CPython shared library: none was found, or the one named by an option is
 * missing or has no standard library beside it. The message says what to install.
 *
 * @since 0.1
 */
public final class PythonNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PythonNotFoundException(String message) {
        super(message);
    }
}
