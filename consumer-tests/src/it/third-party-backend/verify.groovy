// acme's contract test ran and passed, and the app ran acme+debug+tracemalloc both ways.
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
        "acme-app (${how}): debug caught BAD_TRAILING_PAD, acme holds 1 blocks",
    ].each { line ->
        assert log.contains(line) : "the build log lacks the line: ${line}"
    }
}
assert !log.contains('WARNING: A restricted method') : 'the JVM warned about native access'
return true
