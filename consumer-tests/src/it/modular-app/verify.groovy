// The application ran as a named module, with no class path, and found the layers by their provides.
def log = new File(basedir, 'build.log').text
[
    "modular-app: module com.example.modular, class path ''",
    'modular-app: providers [debug, malloc, mmap, pymalloc]',
    'modular-app: provider modules [io.pymem4j.debug, io.pymem4j.pymalloc, io.pymem4j.raw]',
    'modular-app: stack pymalloc_debug allocated and freed',
].each { line ->
    assert log.contains(line) : "the build log lacks the line: ${line}"
}
assert !log.contains('WARNING: A restricted method') : 'the JVM warned about native access'
return true
