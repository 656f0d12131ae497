import LVSCore

/// The BIRD 2 configuration fragment lvsd writes for the announced VIPs: one static protocol
/// per address family (BIRD's static protocol has one channel), each VIP a host route.
/// The operator's BGP protocols export these protocols' routes (docs/configuration.md §12).
///
/// `blackhole` because the route only has to exist for BGP to announce it (eBGP sets the next
/// hop to the session's own address); the operator's `kernel` protocol must not export it.
enum BirdRouteFile {
    /// The text of the include file for `announced`, sorted so that an unchanged set writes
    /// the same bytes.
    static func render(_ announced: Set<IPAddress>, protocolName: String) -> String {
        let sorted = announced.sorted()
        let v4 = sorted.filter { $0.family == .inet }
        let v6 = sorted.filter { $0.family == .inet6 }
        var text = "# Written by lvsd (bgp_announce); every change is replaced. Do not edit.\n"
        text += block("\(protocolName)4", channel: "ipv4", routes: v4.map { "\($0)/32" })
        text += block("\(protocolName)6", channel: "ipv6", routes: v6.map { "\($0)/128" })
        return text
    }

    private static func block(_ name: String, channel: String, routes: [String]) -> String {
        var text = "protocol static \(name) {\n    \(channel);\n"
        for route in routes { text += "    route \(route) blackhole;\n" }
        return text + "}\n"
    }
}

/// One reply of BIRD's control socket: lines `DDDD-text` go on, `DDDD text` ends the reply,
/// ` text` continues the previous code (BIRD's remote control protocol, as birdc reads it).
/// Codes below 8000 are success; 8xxx are run-time and 9xxx parse errors.
struct BirdReply: Sendable, Hashable {
    var code: Int
    var lines: [String]

    var succeeded: Bool { code < 8000 }

    /// Collects lines until the one that ends a reply; nil while it has not come.
    struct Reader: Sendable {
        private var buffer: [UInt8] = []
        private var lines: [String] = []

        /// Adds bytes read from the socket; returns the reply once its last line is in.
        /// Throws on a line that is not BIRD's protocol.
        mutating func received(_ bytes: some Sequence<UInt8>) throws(BirdProtocolError) -> BirdReply? {
            buffer.append(contentsOf: bytes)
            while let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeSubrange(...end)
                lines.append(line)
                if line.hasPrefix(" ") { continue }
                let digits = line.prefix(4)
                guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(digits)
                else { throw BirdProtocolError(line: line) }
                if line.count == 4 || line.dropFirst(4).first == " " {
                    defer { lines = [] }
                    return BirdReply(code: code, lines: lines)
                }
                guard line.dropFirst(4).first == "-" else { throw BirdProtocolError(line: line) }
            }
            if buffer.count > 1 << 20 { throw BirdProtocolError(line: "a line of more than 1 MiB") }
            return nil
        }
    }
}

/// BIRD answered with something that is not its control protocol.
struct BirdProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    var line: String
    var description: String { "unexpected line from BIRD's control socket: \(line)" }
}
