import Testing

/// `lvsd`'s packet-engine flags are checked before anything starts: a clear message, a non-zero
/// status (docs/packet-engine.md).
@Suite("lvsd packet-engine flags")
struct PacketEngineFlagsTests {
    @Test(
        "misused packet-engine flags are refused with a message that names the fix",
        arguments: [
            (
                ["--packet-engine"],
                "--packet-engine needs at least one --interface IFNAME (or a --config or --rules file"
            ),
            (["--interface", "eth0"], "are for the packet engine: add --packet-engine"),
            (["--packet-no-offload"], "are for the packet engine: add --packet-engine"),
            (
                ["--packet-engine", "--interface", "lo", "--packet-ring", "rings"],
                "--packet-ring takes frames or blocks"
            ),
            (["--packet-engine", "--interface", "lo", "--packet-workers=-1"], "counts must not be negative"),
            (["--packet-engine", "--interface", "lo", "--packet-ring-burst=-1"], "counts must not be negative"),
            (
                ["--packet-engine", "--interface", "lo", "--packet-ring-memory", "2"],
                "--packet-ring-memory takes 4…4096"
            ),
        ])
    func refused(arguments: [String], message: String) async throws {
        let result = try await Subprocess.run("lvsd", arguments)
        #expect(result.status != 0)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}
