package io.pymem4j.guice;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.lang.annotation.Annotation;
import java.util.Objects;

/** An instance of {@link Domain}, with the equality and hash code the annotation contract fixes. */
record DomainImpl(PyMemAllocatorDomain value) implements Domain {

    DomainImpl {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return Domain.class;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Domain d && d.value() == value;
    }

    /** As {@link Annotation#hashCode()} says: (127 * "value".hashCode()) ^ value.hashCode(). */
    @Override
    public int hashCode() {
        return (127 * "value".hashCode()) ^ value.hashCode();
    }

    @Override
    public String toString() {
        return "@" + Domain.class.getName() + "(" + value + ")";
    }
}
