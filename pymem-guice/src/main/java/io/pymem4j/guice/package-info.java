/**
 * Guice bindings for pymem4j: {@link io.pymem4j.guice.PyMemModule} builds one runtime per
 * injector from configuration and binds it, and each domain's allocator under the
 * {@link io.pymem4j.guice.Domain} qualifier, so that application code asks for
 * {@code @Domain(MEM) PyMemAllocatorEx} and the deployment chooses the stack.
 *
 * <pre>
 *   PyMemModule.ModuleBuilder: stack()/option() (code) &gt; sources in the order added &gt; defaultStack
 *        sources: systemProperties()   pymem4j.malloc, pymem4j.&lt;option&gt;
 *                 environment()        PYMEM4J_MALLOC, PYMEM4J_&lt;OPTION&gt;
 *                 properties(file)     pymem4j.* entries of a .properties file
 *   injector creation: read the sources, check the name (unknown: the known names), build the
 *                      runtime (eager singleton), register the MXBean if asked
 *   bindings: PyMemRuntime; @Domain(d) PyMemAllocatorEx and SegmentAllocator for RAW, MEM, OBJ
 * </pre>
 */
package io.pymem4j.guice;
