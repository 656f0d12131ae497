import Foundation
import LVSCore
import LVSSync
import Testing

@testable import LVSSyncTransport

/// An independent reader of our bytes: Wireshark's `ipvs` dissector decodes a message our sender
/// put on the wire in the namespace lab. Reference §7.4 says the dissector knows only version 0;
/// the one in Wireshark 4.0 (Debian 12's tshark) reads version 1 as well, so both are checked.
@Suite("Wireshark's ipvs dissector", .serialized)
struct WiresharkDissectorTests {
    static let fields = [
        "ip.src", "ip.ttl", "ip.flags.df", "udp.dstport", "ipvs.conncount", "ipvs.syncid", "ipvs.size", "ipvs.proto",
        "ipvs.caddr", "ipvs.cport", "ipvs.vaddr", "ipvs.vport", "ipvs.daddr", "ipvs.dport", "ipvs.state",
    ]

    static let connections = [
        SyncedConnection(
            protocolNumber: .tcp, flags: SyncedConnectionFlags(forwarding: .directRouting), state: 1,
            clientAddress: IPAddress("192.0.2.10")!, clientPort: 40000, virtualAddress: IPAddress("198.51.100.1")!,
            virtualPort: 80, destinationAddress: IPAddress("10.0.0.2")!, destinationPort: 8080),
        SyncedConnection(
            protocolNumber: .udp, flags: SyncedConnectionFlags(forwarding: .masquerading), state: 0,
            clientAddress: IPAddress("192.0.2.11")!, clientPort: 5353, virtualAddress: IPAddress("198.51.100.2")!,
            virtualPort: 53, destinationAddress: IPAddress("10.0.0.3")!, destinationPort: 5300),
    ]

    @Test(arguments: SyncProtocolVersion.allCases)
    func wiresharkDecodesTheMessageAsSent(version: SyncProtocolVersion) throws {
        guard SyncLab.available(needing: ["tshark"]) else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        let sender = try lab.inside(lab.master) { try SyncSender(.init(interfaceName: "sm", syncID: 5)) }
        let message = try SyncMessage(version: version, syncID: 5, connections: Self.connections).encoded()

        let output = try #require(
            try Self.captureOne(in: lab.backup, interface: "sb") { #expect(sender.send(message)) })
        let values = output.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        try #require(values.count == Self.fields.count, "tshark printed `\(output)`")
        let decoded = Dictionary(uniqueKeysWithValues: zip(Self.fields, values))
        #expect(decoded["ip.src"] == "10.78.0.1")
        #expect(decoded["ip.ttl"] == "1")
        #expect(decoded["ip.flags.df"] == "0" || decoded["ip.flags.df"] == "False")
        #expect(decoded["udp.dstport"] == "8848")
        #expect(decoded["ipvs.conncount"] == "2")
        #expect(decoded["ipvs.syncid"] == "5")
        #expect(decoded["ipvs.size"] == String(message.count))
        // The dissector shows protocol and state in hexadecimal ("0x06,0x11").
        #expect(Self.numbers(decoded["ipvs.proto"]) == [6, 17])
        #expect(decoded["ipvs.caddr"] == "192.0.2.10,192.0.2.11")
        #expect(decoded["ipvs.cport"] == "40000,5353")
        #expect(decoded["ipvs.vaddr"] == "198.51.100.1,198.51.100.2")
        #expect(decoded["ipvs.vport"] == "80,53")
        #expect(decoded["ipvs.daddr"] == "10.0.0.2,10.0.0.3")
        #expect(decoded["ipvs.dport"] == "8080,5300")
        #expect(Self.numbers(decoded["ipvs.state"]) == [1, 0])
    }

    /// The comma-separated occurrences of one field as numbers, decimal or 0x-hexadecimal.
    static func numbers(_ text: String?) -> [Int]? {
        text?.split(separator: ",").map { item in
            item.hasPrefix("0x") ? Int(item.dropFirst(2), radix: 16) ?? -1 : Int(item) ?? -1
        }
    }

    /// Runs `tshark -c 1` on `interface` in `namespace` with port 8848 decoded as `ipvs`, calling
    /// `send` every 200 ms until tshark has its packet (its capture starts at a moment we cannot
    /// observe) or 15 s have passed; tshark's one line of fields, or nil. Its output goes to
    /// files, name resolution is off (-n), and `timeout` bounds it.
    static func captureOne(in namespace: String, interface: String, send: () -> Void) throws -> String? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lvssync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("fields").path
        let err = directory.appendingPathComponent("stderr").path
        let fieldOptions = fields.map { "-e \($0)" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c",
            "exec ip netns exec \(namespace) timeout 15 tshark -n -i \(interface) -c 1 -f 'udp dst port 8848'"
                + " -d udp.port==8848,ipvs -T fields -E separator=/t \(fieldOptions) > \(out) 2> \(err)",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
        }
        let deadline = Date().addingTimeInterval(16)
        while process.isRunning && Date() < deadline {
            send()
            usleep(200_000)
        }
        guard !process.isRunning else { return nil }
        let fields = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let diagnostics = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        try #require(!fields.isEmpty, "tshark exited \(process.terminationStatus): \(diagnostics)")
        return fields.split(separator: "\n").first.map(String.init)
    }
}
