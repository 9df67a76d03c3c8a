package io.pymem4j.cpython;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CPython C API functions this module calls, as downcall handles on one loaded
 * libpython. Loaded at most once per process: CPython keeps its runtime state in the
 * library's globals ({@code _PyRuntime}), so a second library would be a second, unrelated
 * interpreter that the first one's extension modules could bind to by mistake.
 *
 * <h2>Why dlopen by hand</h2>
 * {@link SymbolLookup#libraryLookup(java.nio.file.Path, Arena)} opens a library with
 * {@code RTLD_LOCAL}: its symbols are then invisible to libraries opened later. CPython's
 * extension modules ({@code _json}, {@code _ctypes}, ...) are built without a link to
 * libpython and expect its symbols ({@code PyLong_FromLong}, ...) in the global namespace, as
 * the {@code python3} executable provides them. So the library is first opened here with
 * {@code dlopen(path, RTLD_NOW | RTLD_GLOBAL)} through the linker; the later
 * {@code libraryLookup} finds the same, already global, handle.
 *
 * <p>{@code PyObject*} values cross as {@code JAVA_LONG} (the same register on every 64-bit
 * platform FFM supports), so no {@link MemorySegment} is made for them.
 */
final class LibPython {

    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    /** {@code PyStatus}: {@code int _type; const char *func; const char *err_msg; int exitcode;}. */
    static final StructLayout PY_STATUS = MemoryLayout.structLayout(
            JAVA_INT.withName("_type"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("func"), ADDRESS.withName("err_msg"),
            JAVA_INT.withName("exitcode"), MemoryLayout.paddingLayout(4));
    static final int STATUS_OK = 0;
    static final int STATUS_ERROR = 1;
    static final int STATUS_EXIT = 2;

    /** {@code Py_file_input}, the start symbol of a module's code. */
    static final int PY_FILE_INPUT = 257;
    /** {@code LC_ALL} of glibc and musl, the C libraries of the Linux systems this module runs on. */
    static final int LC_ALL = 6;

    private static LibPython loaded;

    final PythonLibrary library;
    final MethodHandle getVersion;
    final MethodHandle preConfigInitPythonConfig;
    final MethodHandle preInitializeFromBytesArgs;
    final MethodHandle memSetAllocator;
    final MethodHandle memGetAllocator;
    final MethodHandle configInitPythonConfig;
    final MethodHandle configSetBytesArgv;
    final MethodHandle initializeFromConfig;
    final MethodHandle configClear;
    final MethodHandle runMain;
    final MethodHandle atExit;
    final MethodHandle gilStateCheck;
    final MethodHandle gilStateEnsure;
    final MethodHandle gilStateRelease;
    final MethodHandle fatalErrorFunc;
    final MethodHandle importModule;
    final MethodHandle getAttrString;
    final MethodHandle cFunctionNewEx;
    final MethodHandle callOneArg;
    final MethodHandle incRef;
    final MethodHandle decRef;
    final MethodHandle runString;
    final MethodHandle dictNew;
    final MethodHandle dictGetItemString;
    final MethodHandle dictSetItemString;
    final MethodHandle evalGetBuiltins;
    final MethodHandle unicodeAsUtf8;
    final MethodHandle errClear;
    /** libc's {@code setlocale(int category, const char *locale)}. */
    final MethodHandle setlocale;
    /** {@code Py_None}: the address of {@code _Py_NoneStruct}. */
    final long none;

    private LibPython(PythonLibrary library, SymbolLookup py) {
        this.library = library;
        Linker linker = Linker.nativeLinker();
        AddressLayout cString = ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, JAVA_BYTE));
        Lookup l = new Lookup(linker, py, library);
        getVersion = l.handle("Py_GetVersion", FunctionDescriptor.of(cString));
        preConfigInitPythonConfig = l.handle("PyPreConfig_InitPythonConfig", FunctionDescriptor.ofVoid(ADDRESS));
        preInitializeFromBytesArgs = l.handle("Py_PreInitializeFromBytesArgs",
                FunctionDescriptor.of(PY_STATUS, ADDRESS, JAVA_LONG, ADDRESS));
        memSetAllocator = l.handle("PyMem_SetAllocator", FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS));
        memGetAllocator = l.handle("PyMem_GetAllocator", FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS));
        configInitPythonConfig = l.handle("PyConfig_InitPythonConfig", FunctionDescriptor.ofVoid(ADDRESS));
        configSetBytesArgv = l.handle("PyConfig_SetBytesArgv", FunctionDescriptor.of(PY_STATUS, ADDRESS, JAVA_LONG, ADDRESS));
        initializeFromConfig = l.handle("Py_InitializeFromConfig", FunctionDescriptor.of(PY_STATUS, ADDRESS));
        configClear = l.handle("PyConfig_Clear", FunctionDescriptor.ofVoid(ADDRESS));
        runMain = l.handle("Py_RunMain", FunctionDescriptor.of(JAVA_INT));
        atExit = l.handle("Py_AtExit", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // Called by the debug layer's GIL check on every MEM and OBJ call: short, never calls back.
        gilStateCheck = l.handle("PyGILState_Check", FunctionDescriptor.of(JAVA_INT), Linker.Option.critical(false));
        gilStateEnsure = l.handle("PyGILState_Ensure", FunctionDescriptor.of(JAVA_INT));
        gilStateRelease = l.handle("PyGILState_Release", FunctionDescriptor.ofVoid(JAVA_INT));
        fatalErrorFunc = l.handle("_Py_FatalErrorFunc", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        importModule = l.handle("PyImport_ImportModule", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        getAttrString = l.handle("PyObject_GetAttrString", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS));
        cFunctionNewEx = l.handle("PyCFunction_NewEx", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));
        callOneArg = l.handle("PyObject_CallOneArg", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        incRef = l.handle("Py_IncRef", FunctionDescriptor.ofVoid(JAVA_LONG));
        decRef = l.handle("Py_DecRef", FunctionDescriptor.ofVoid(JAVA_LONG));
        runString = l.handle("PyRun_String", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG));
        dictNew = l.handle("PyDict_New", FunctionDescriptor.of(JAVA_LONG));
        dictGetItemString = l.handle("PyDict_GetItemString", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS));
        dictSetItemString = l.handle("PyDict_SetItemString", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        evalGetBuiltins = l.handle("PyEval_GetBuiltins", FunctionDescriptor.of(JAVA_LONG));
        unicodeAsUtf8 = l.handle("PyUnicode_AsUTF8", FunctionDescriptor.of(cString, JAVA_LONG));
        errClear = l.handle("PyErr_Clear", FunctionDescriptor.ofVoid());
        none = l.symbol("_Py_NoneStruct").address();
        setlocale = linker.downcallHandle(linker.defaultLookup().find("setlocale").orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no setlocale")), FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    }

    /**
     * Opens {@code library} globally and binds its functions; the same library again returns
     * the loaded one, another throws.
     *
     * @throws PythonNotFoundException when the library cannot be opened or lacks a function
     */
    static synchronized LibPython load(PythonLibrary library) {
        if (loaded != null) {
            if (!loaded.library.library().equals(library.library())) {
                throw new IllegalStateException("this process already loaded " + loaded.library.library()
                        + "; a second CPython library (" + library.library() + ") cannot be loaded beside it");
            }
            return loaded;
        }
        Arena global = Arena.global();
        dlopenGlobal(library, global);
        loaded = new LibPython(library, SymbolLookup.libraryLookup(library.library(), global));
        return loaded;
    }

    private static void dlopenGlobal(PythonLibrary library, Arena arena) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle dlopen = linker.downcallHandle(libc.find("dlopen").orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no dlopen")), FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
        MethodHandle dlerror = linker.downcallHandle(libc.find("dlerror").orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no dlerror")),
                FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, JAVA_BYTE))));
        try {
            long handle = (long) dlopen.invokeExact(arena.allocateFrom(library.library().toString()), RTLD_NOW | RTLD_GLOBAL);
            if (handle == 0) {
                MemorySegment why = (MemorySegment) dlerror.invokeExact();
                throw new PythonNotFoundException("cannot load " + library.library() + ": "
                        + (why.address() == 0 ? "dlopen failed" : why.getString(0)) + ". " + PythonLibrary.installHint());
            }
        } catch (PythonNotFoundException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dlopen of " + library.library() + " failed", t);
        }
    }

    /** Finds functions in the library, naming the library when one is missing. */
    private record Lookup(Linker linker, SymbolLookup py, PythonLibrary library) {
        MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
            return linker.downcallHandle(symbol(name), fd, options);
        }

        MemorySegment symbol(String name) {
            return py.find(name).orElseThrow(() -> new PythonNotFoundException(library.library() + " has no " + name
                    + ": CPython " + library.version() + " is not supported (3.8 or newer with the PyConfig API is needed)"));
        }
    }

    /** The C string at {@code s} (a pointer returned with a target layout), or null for NULL. */
    static String string(MemorySegment s) {
        return s.address() == 0 ? null : s.getString(0);
    }

    /** Rethrows what a downcall handle threw: it declares Throwable, but throws only unchecked. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
