/*
 * The C anchors of the 64-byte malloc+free pair (JMH PairBenchmark), in one process:
 * CPython 3.11's own obmalloc (libpython's PyObject_Malloc/PyObject_Free), glibc's
 * malloc/free, and obmalloc under CPython's own debug hooks (PyMem_SetupDebugHooks).
 * Each loop touches the block as the Java benchmark does (one 8-byte store) and keeps one
 * block of the same class live, so that the pool never empties and the pair is the
 * allocator's hot path, not a pool's round trip through its arena.
 *
 *   cc -O2 -o /tmp/pair allocator-bench/src/main/c/pair.c -ldl && /tmp/pair
 *
 * It needs libpython3.11.so.1.0 (python3.11-dev or libpython3.11), as the C replayer does.
 * No interpreter is initialised: the allocators work before Py_Initialize, and the debug
 * hooks' GIL check passes while the GIL machinery does not exist yet.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PAIRS 100000000L
#define ROUNDS 3
#define SIZE 64

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);

static volatile long sink;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per pair through m and f, the best of ROUNDS rounds */
static double time_pairs(malloc_fn m, free_fn f)
{
    double best = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double start = now_ns();
        for (long i = 0; i < PAIRS; i++) {
            long *p = m(SIZE);
            *(volatile long *)p = (long)p;
            f(p);
            sink += (long)p;
        }
        double ns = (now_ns() - start) / PAIRS;
        if (ns < best)
            best = ns;
    }
    return best;
}

static void *glibc_malloc(size_t n) { return malloc(n); }
static void glibc_free(void *p) { free(p); }

int main(void)
{
    void *py = dlopen("libpython3.11.so.1.0", RTLD_NOW);
    if (!py) {
        fprintf(stderr, "pair: %s\n", dlerror());
        return 1;
    }
    malloc_fn obj_malloc = (malloc_fn)dlsym(py, "PyObject_Malloc");
    free_fn obj_free = (free_fn)dlsym(py, "PyObject_Free");
    void (*setup_debug_hooks)(void) = (void (*)(void))dlsym(py, "PyMem_SetupDebugHooks");
    if (!obj_malloc || !obj_free || !setup_debug_hooks) {
        fprintf(stderr, "pair: libpython3.11 lacks PyObject_Malloc, PyObject_Free or PyMem_SetupDebugHooks\n");
        return 1;
    }

    /* Blocks kept live (never freed: the hooks change under the first one). */
    void *held = obj_malloc(SIZE);
    void *held_libc = malloc(SIZE);
    double obmalloc = time_pairs(obj_malloc, obj_free);
    double glibc = time_pairs(glibc_malloc, glibc_free);
    setup_debug_hooks();
    void *held_debug = obj_malloc(SIZE);
    double debug = time_pairs(obj_malloc, obj_free);

    printf("C obmalloc pair        %6.2f ns\n", obmalloc);
    printf("C glibc pair           %6.2f ns\n", glibc);
    printf("C obmalloc+debug pair  %6.2f ns  (%.2fx obmalloc)\n", debug, debug / obmalloc);
    sink += (long)held + (long)held_libc + (long)held_debug;
    return 0;
}
