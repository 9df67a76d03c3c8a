// acme's contract test ran and passed, and the app ran acme+debug+tracemalloc both ways,
// including a snapshot in CPython's pickle format written and read back through the published
// allocator-tracemalloc jar (its pickle library relocated inside it, no automatic module).
def log = new File(basedir, 'build.log').text
def report = new File(basedir, 'acme-allocator/target/surefire-reports/TEST-com.acme.allocator.AcmeContractTest.xml')
assert report.isFile() : 'the contract test did not run'
def testsuite = (report.text =~ /<testsuite [^>]*>/)[0]
def count = { name -> ((testsuite =~ / ${name}="(\d+)"/)[0][1]) as int }
assert count('tests') >= 10 : "only ${count('tests')} contract tests ran: ${testsuite}"
assert count('failures') == 0 && count('errors') == 0 : testsuite
['class path', 'module path'].each { how ->
    [
        "acme-app (${how}): stack acme+debug+tracemalloc, traced 3000 bytes, acme holds 3 blocks",
        "acme-app (${how}): pickle snapshot read back: 3 traces, 3000 bytes",
        "acme-app (${how}): a pickle jar of its own on the path: false",
        "acme-app (${how}): debug caught BAD_TRAILING_PAD, acme holds 1 blocks",
    ].each { line ->
        assert log.contains(line) : "the build log lacks the line: ${line}"
    }
}
def descriptor = 'acme-app (module path): io.pymem4j.tracemalloc requires [io.pymem4j.api, java.base, java.sql, jdk.jfr, org.slf4j], automatic modules []'
assert log.contains(descriptor) : "the build log lacks the line: ${descriptor}"
assert !log.contains('WARNING: A restricted method') : 'the JVM warned about native access'

// CPython's own tracemalloc opens both files, where a python3 is on the PATH.
['class', 'module'].each { path ->
    def file = new File(basedir, "acme-app/target/snapshot-${path}-path.pickle")
    assert file.isFile() : "no ${file}"
    def process
    try {
        process = ['python3', '-c', 'import sys, tracemalloc; s = tracemalloc.Snapshot.load(sys.argv[1]); '
                + 'print(len(s.traces), sum(t.size for t in s.traces))', file.path].execute()
    } catch (IOException e) {
        println "verify: no python3 on the PATH, ${file.name} not opened in Python (${e.message})"
        return
    }
    def out = new StringBuilder(), err = new StringBuilder()
    process.waitForProcessOutput(out, err)
    assert process.exitValue() == 0 : "python3 could not load ${file}: ${err}"
    assert out.toString().trim() == '3 3000' : "python3 read ${file} as: ${out} ${err}"
}
return true
