package io.pymem4j.guice;

import io.pymem4j.api.PyMemAllocatorDomain;
import jakarta.inject.Qualifier;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Qualifies a domain's allocator: {@code @Domain(OBJ) PyMemAllocatorEx objects} or
 * {@code @Domain(MEM) SegmentAllocator buffers}. {@link PyMemModule#domain} makes one in code.
 *
 * @since 0.1
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Domain {
    PyMemAllocatorDomain value();
}
