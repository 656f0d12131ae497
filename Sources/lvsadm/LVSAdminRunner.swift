/// Placeholder until the ipvsadm parser is merged (see the draft in the daemon helper's notes).
struct LVSAdminRunner {
    var arguments: [String]
    var environment: (String) -> String?
    var readInputLine: () -> String?
    var output: OutputStreams

    func run() -> Int32 {
        output.error("lvsadm: not yet wired to the ipvsadm parser\n")
        return 2
    }
}
