import ArgumentParser

/// `lvs-realserver`: prepares a Linux host to be a real server behind an LVS director that
/// forwards by direct routing (`-g`) or IP-IP tunnelling (`-i`), reference §5.2 and §5.3 — the
/// VIP on a non-ARPing interface, the ARP and reverse-path sysctls — and, for kernels without
/// the ipip module, decapsulates tunnelled packets in user space.
@main
struct LVSRealServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvs-realserver",
        abstract: "Prepare this host as an LVS real server (direct routing or tunnelling).",
        discussion: """
            Direct routing and tunnelling deliver packets whose destination is still the virtual \
            IP address (VIP): the real server must own the VIP without answering ARP for it, and must \
            not drop the packets by reverse-path filtering. See docs/realserver.md.
            """,
        subcommands: [PrepareCommand.self, StatusCommand.self, UndoCommand.self, DecapCommand.self]
    )
}
