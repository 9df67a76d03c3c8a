// The build failed the leaking and the overflowing test with the extension's reports, and only those.
def log = new File(basedir, 'build.log').text
assert log.contains('Tests run: 3, Failures: 2, Errors: 0, Skipped: 0') : 'not 3 tests run with 2 failures'
def reports = new File(basedir, 'target/surefire-reports/com.example.suite.BufferTest.txt').text
[
    // the leak: tracemalloc's statistics, with the line that allocated the block as Java prints a frame
    'memory leak: blocks allocated during the test were not freed: size=48 B, count=1, average=48 B;',
    '  at com.example.suite.BufferTest.leaksABlock(BufferTest.java:21)',
    // the overflow: the debug layer's report on the freed block
    'memory corruption: the debug layer made 1 report during the test that the test did not throw:',
    'The 8 pad bytes at tail=0x',
    'at tail+0: 0x78 *** OUCH',
    'Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte',
    // and where the overflowing block was allocated, counted from the test's own frames
    'Memory block allocated at (most recent call first):\n  at com.example.suite.BufferTest.overflowsItsBlock(BufferTest.java:26)\n',
].each { text ->
    assert reports.contains(text) : "the test report lacks: ${text}"
}
assert log =~ /(?s)BufferTest\.leaksABlock.*memory leak/ : 'the leak report is not in the build log'
assert log =~ /(?s)BufferTest\.overflowsItsBlock.*memory corruption/ : 'the overflow report is not in the build log'
assert !(log =~ /freesWhatItAllocates.*(FAIL|ERROR)/) : 'the clean test failed'
return true
