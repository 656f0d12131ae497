import LVSCore
import Testing

@testable import LVSFTP

@Suite("FTP control parser: seeded fuzzing")
struct FTPFuzzTests {
    static let seeds: [String] = [
        "PORT 198,51,100,2,200,15\r\n",
        "EPRT |1|198.51.100.2|51215|\r\n",
        "EPRT |2|2001:db8:1::2|51215|\r\n",
        "227 Entering Passive Mode (192,168,100,20,195,81).\r\n",
        "229 Entering Extended Passive Mode (|||50001|)\r\n",
        "229 (|1|192.168.100.20|50001|)\r\n",
        "PASV\r\n", "EPSV 1\r\n",
    ]
    static let alphabet: [UInt8] = Array("0123456789,.|!:()- \r\nPORTEPRT227229abcdef".utf8) + [0, 0x7F, 0xFF]

    /// A random mutation of a seed line: substitutions, insertions, deletions, truncation.
    static func mutate(_ line: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var out = line
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !out.isEmpty:
                out[Int.random(in: 0..<out.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            case 1: out.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...out.count, using: &rng))
            case 2 where !out.isEmpty: out.remove(at: Int.random(in: 0..<out.count, using: &rng))
            case 3: out = Array(out.prefix(Int.random(in: 0...out.count, using: &rng)))
            default:
                out.insert(
                    contentsOf: (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8(ascii: "9") },
                    at: Int.random(in: 0...out.count, using: &rng))
            }
        }
        return out
    }

    /// Runs every parser, through the helper as the engine would, and checks the invariants: a
    /// refusal leaves the payload untouched; a match lies inside the payload, names a non-zero
    /// port, and rewrites to text that parses back to the new address and port.
    @discardableResult
    static func check(_ payload: [UInt8]) -> (rewrites: Int, refusals: UInt64) {
        var rewrites = 0
        var refusals: UInt64 = 0
        for family in [AddressFamily.inet, .inet6] {
            let client = family == .inet ? Topology.client : Topology.client6
            let server = family == .inet ? Topology.realServer : Topology.realServer6
            let vip = family == .inet ? Topology.vip : Topology.vip6
            for policy in [FTPAddressPolicy.mustMatch, .any] {
                var helper = FTPControlHelper(
                    family: family, clientAddress: client, virtualAddress: vip, serverAddress: server, policy: policy)
                _ = helper.clientSegment(payload)
                for request in [FTPPassiveRequest.passive, .extendedPassive] {
                    helper = FTPControlHelper(
                        family: family, clientAddress: client, virtualAddress: vip, serverAddress: server,
                        policy: policy)
                    _ = helper.clientSegment(bytes(request == .passive ? "PASV\r\n" : "EPSV\r\n"))
                    let action = helper.serverSegment(payload)
                    let refused = helper.refusals.total
                    refusals += refused
                    switch action {
                    case .forward: break
                    case .passiveReply(let advertised, let replacement):
                        rewrites += 1
                        #expect(refused == 0, "a refused reply produced a rewrite")
                        checkRoundTrip(
                            payload, advertised, replacement, family: family, server: server, request: request)
                    }
                }
                let outcome = outcome(payload) { bytes throws(FTPParseRefusal) in
                    try FTPControlParser.parseClientCommand(
                        bytes, family: family, clientAddress: client, policy: policy)
                }
                if case .found(let match) = outcome {
                    #expect(match.range.lowerBound >= 0 && match.range.upperBound <= payload.count)
                    #expect(match.port != 0)
                    if policy == .mustMatch { #expect(match.address == client) }
                }
            }
        }
        return (rewrites, refusals)
    }

    static func checkRoundTrip(
        _ payload: [UInt8], _ advertised: FTPAddressPort, _ replacement: IPAddress, family: AddressFamily,
        server: IPAddress, request: FTPPassiveRequest
    ) {
        #expect(advertised.range.lowerBound >= 0 && advertised.range.upperBound <= payload.count)
        #expect(advertised.port != 0)
        guard family == .inet || advertised.message == .extendedPassiveReply else {
            Issue.record("a 227 on IPv6 was accepted")
            return
        }
        do {
            let (rewritten, change) = try FTPControlRewriter.rewritten(
                payload, match: advertised, address: replacement, port: advertised.port)
            #expect(rewritten.count == payload.count + change)
            let reparsed = try FTPControlParser.parseServerReply(
                rewritten, expecting: request, family: family, serverAddress: replacement)
            #expect(reparsed?.port == advertised.port)
            #expect(reparsed?.address == replacement)
            #expect(Array(rewritten[..<advertised.range.lowerBound]) == Array(payload[..<advertised.range.lowerBound]))
            #expect(
                Array(rewritten.suffix(payload.count - advertised.range.upperBound))
                    == Array(payload[advertised.range.upperBound...]))
        } catch {
            Issue.record("rewrite of an accepted reply failed: \(error)")
        }
    }

    @Test("mutated real lines never trap and never rewrite what was refused")
    func mutatedLines() {
        var rng = SplitMix64(seed: 0x5EED_F7B0)
        var rewrites = 0
        var refusals: UInt64 = 0
        for _ in 0..<4000 {
            let seed = bytes(Self.seeds.randomElement(using: &rng)!)
            let stats = Self.check(Self.mutate(seed, using: &rng))
            rewrites += stats.rewrites
            refusals += stats.refusals
        }
        // The run must exercise both sides of the invariant.
        #expect(rewrites > 200)
        #expect(refusals > 200)
    }

    @Test("random byte strings never trap")
    func randomBytes() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...64, using: &rng)
            var payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Give the parsers something to bite on half the time.
            if Bool.random(using: &rng) {
                payload.insert(
                    contentsOf: bytes(["PORT ", "EPRT ", "227 ", "229 ("].randomElement(using: &rng)!), at: 0)
            }
            Self.check(payload)
        }
    }

    @Test("accepted client commands rewrite and parse back to the new address and port")
    func clientRoundTrip() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let port = UInt16.random(in: 1...UInt16.max, using: &rng)
            let address = IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
            for line in ["PORT 198,51,100,2,200,15\r\n", "EPRT |1|198.51.100.2|51215|\r\n"] {
                guard case .found(let match) = clientOutcome(line) else {
                    Issue.record("fixture refused")
                    return
                }
                let (rewritten, _) = try FTPControlRewriter.rewritten(
                    bytes(line), match: match, address: address, port: port)
                let back = try FTPControlParser.parseClientCommand(rewritten, family: .inet, clientAddress: address)
                #expect(back?.address == address)
                #expect(back?.port == port)
            }
        }
    }
}
