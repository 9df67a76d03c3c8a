package io.pymem4j.reliability;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The tries of a jqwik property at the CI size and in a long run ({@link Scale}); applied by
 * {@link ScaledTries}, a lifecycle hook registered for every property of this module (in
 * {@code META-INF/services/net.jqwik.api.lifecycle.LifecycleHook}). {@code -Dreliability.tries=N}
 * sets every scaled property to N tries.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@interface Scaled {

    /** Tries in the test suite. */
    int ci();

    /** Tries in a long run. */
    int full();
}
