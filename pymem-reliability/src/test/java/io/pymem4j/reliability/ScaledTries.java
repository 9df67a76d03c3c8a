package io.pymem4j.reliability;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;

/** Sets the tries of each property annotated {@link Scaled} before it runs. */
public final class ScaledTries implements AroundPropertyHook {

    /** Registered once for the whole run: it must reach every property below the engine. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public boolean appliesTo(Optional<AnnotatedElement> element) {
        return element.map(e -> e.isAnnotationPresent(Scaled.class)).orElse(false);
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        Scaled scaled = context.targetMethod().getAnnotation(Scaled.class);
        context.attributes().setTries(Scale.ofInt("tries", scaled.ci(), scaled.full()));
        return property.execute();
    }

    @Override
    public int aroundPropertyProximity() {
        // Outermost: the tries must be set before the property starts generating.
        return -100;
    }
}
