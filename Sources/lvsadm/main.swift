// lvsadm: the ipvsadm command line for lvsd. See LVSAdminRunner.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

// A closed stdout pipe must end the write, not the process, before all output is attempted.
signal(SIGPIPE, SIG_IGN)
let status = LVSAdminRunner(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: { name in getenv(name).map { String(cString: $0) } },
    readInputLine: { readLine(strippingNewline: true) },
    output: OutputStreams()
).run()
exit(status)
