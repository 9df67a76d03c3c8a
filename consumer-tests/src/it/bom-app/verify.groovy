// The application ran the stack -Dpymem4j.malloc named, through the four modules the BOM versioned.
def log = new File(basedir, 'build.log').text
[
    'bom-app: stack pymalloc_debug',
    'bom-app: segment says hello from pymem4j',
    'bom-app: the debug layer caught the overflow: BAD_TRAILING_PAD',
    'bom-app: done',
].each { line ->
    assert log.contains(line + '\n') || log.contains(line + '\r\n') : "the build log lacks the line: ${line}"
}
assert !log.contains('WARNING: A restricted method') : 'the JVM warned about native access'
return true
