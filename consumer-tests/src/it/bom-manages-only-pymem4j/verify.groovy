// The BOM versioned allocator-api but not Logback: the only model error is Logback's missing version.
def log = new File(basedir, 'build.log').text
assert log.contains("'dependencies.dependency.version' for ch.qos.logback:logback-classic:jar is missing.") :
        'Maven did not refuse Logback without a version: the BOM manages it'
assert !log.contains("'dependencies.dependency.version' for io.pymem4j:allocator-api:jar is missing.") :
        'the BOM does not manage allocator-api'
return true
