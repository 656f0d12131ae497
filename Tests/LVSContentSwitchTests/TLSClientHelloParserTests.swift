import Foundation
import Testing

@testable import LVSContentSwitch

@Suite("TLS ClientHello reader")
struct TLSClientHelloParserTests {
    let parser = TLSClientHelloParser()

    func outcome(_ bytes: [UInt8]) -> Result<TLSClientHello?, TLSClientHelloRefusal> {
        Result { () throws(TLSClientHelloRefusal) -> TLSClientHello? in try parser.parse(bytes) }
    }

    @Test("SNI and ALPN from a hand-built ClientHello, with other extensions around them")
    func handBuilt() throws {
        let hello = ClientHelloBuilder().rawExtension(23, []).serverName("WWW.Example.Test").rawExtension(
            43, [2, 3, 4]
        )
        .alpn(["h2", "http/1.1"]).records()
        let parsed = try #require(try parser.parse(hello))
        #expect(parsed.serverNameString == "www.example.test")
        #expect(parsed.alpnProtocolStrings == ["h2", "http/1.1"])
        #expect(parsed.legacyVersion == 0x0303)
    }

    @Test("no extensions at all, and extensions without SNI or ALPN")
    func noExtensions() throws {
        var builder = ClientHelloBuilder()
        builder.omitExtensions = true
        let bare = try #require(try parser.parse(builder.records()))
        #expect(bare.serverName == nil && bare.alpnProtocols.isEmpty)
        let other = try #require(try parser.parse(ClientHelloBuilder().rawExtension(10, [0, 2, 0, 29]).records()))
        #expect(other.serverName == nil)
    }

    @Test("the ClientHello captured from openssl s_client -servername example.test -alpn h2,http/1.1")
    func capturedFromOpenSSL() throws {
        let url = try #require(
            Bundle.module.url(forResource: "clienthello-openssl", withExtension: "bin", subdirectory: "Fixtures"))
        let bytes = try [UInt8](Data(contentsOf: url))
        let parsed = try #require(try parser.parse(bytes))
        #expect(parsed.serverNameString == "example.test")
        #expect(parsed.alpnProtocolStrings == ["h2", "http/1.1"])
        for cut in 0..<bytes.count {
            #expect(outcome(Array(bytes[0..<cut])).map { $0 == nil } == .success(true), "prefix \(cut)")
        }
    }

    @Test("a ClientHello spread over records of every small size parses the same")
    func splitAcrossRecords() throws {
        let builder = ClientHelloBuilder().serverName("split.example").alpn(["h2"])
        let whole = try parser.parse(builder.records())
        for size in 1...40 {
            let records = builder.records(recordSize: size)
            #expect(try parser.parse(records) == whole, "record size \(size)")
            #expect(outcome(Array(records.dropLast())).map { $0 == nil } == .success(true))
        }
    }

    static let malformed: [(String, [UInt8], TLSClientHelloRefusal)] = [
        ("plain HTTP", Array("GET / HTTP/1.1\r\n".utf8), .notHandshakeRecord),
        ("SSLv2-style", [0x80, 0x2E, 0x01], .notHandshakeRecord),
        ("bad record version", [22, 2, 0, 0, 5], .invalidRecordVersion),
        ("empty record", [22, 3, 1, 0, 0], .invalidRecordLength),
        ("huge record", [22, 3, 1, 0xFF, 0xFF], .invalidRecordLength),
        ("ServerHello", [22, 3, 3, 0, 4, 2, 0, 0, 0], .notClientHello),
        ("length over the limit", [22, 3, 1, 0, 4, 1, 0x10, 0, 0], .tooLong),
        (
            "session id of 33",
            {
                var b = ClientHelloBuilder(); b.sessionID = Array(repeating: 1, count: 33); return b.records()
            }(), .malformedField
        ),
        (
            "odd cipher suites",
            {
                var b = ClientHelloBuilder(); b.cipherSuites = [0x13]; return b.records()
            }(), .malformedField
        ),
        (
            "no compression",
            {
                var b = ClientHelloBuilder(); b.compression = []; return b.records()
            }(), .malformedField
        ),
        (
            "duplicate SNI", ClientHelloBuilder().serverName("a.test").serverName("b.test").records(),
            .duplicateExtension
        ),
        ("SNI with a space", ClientHelloBuilder().serverName("a b.test").records(), .malformedServerName),
        ("SNI trailing dot", ClientHelloBuilder().serverName("a.test.").records(), .malformedServerName),
        ("empty SNI list", ClientHelloBuilder().rawExtension(0, [0, 0]).records(), .malformedServerName),
        (
            "SNI entry past its list", ClientHelloBuilder().rawExtension(0, [0, 4, 0, 0, 9, 0x61]).records(),
            .malformedServerName
        ),
        ("empty ALPN name", ClientHelloBuilder().rawExtension(16, [0, 1, 0]).records(), .malformedALPN),
        ("ALPN name past its list", ClientHelloBuilder().rawExtension(16, [0, 2, 5, 0x61]).records(), .malformedALPN),
    ]

    @Test("malformed ClientHellos are refused with their reason")
    func refusals() {
        for (name, bytes, refusal) in Self.malformed {
            #expect(outcome(bytes) == .failure(refusal), "\(name)")
        }
        // An extension length pointing past the handshake message.
        var handshake = ClientHelloBuilder().rawExtension(99, [1, 2]).handshake
        handshake[handshake.count - 3] = 9
        let record = [22, 3, 1] + ClientHelloBuilder.u16(handshake.count) + handshake
        #expect(outcome(record) == .failure(.truncated))
    }

    @Test("a ClientHello longer than the limit is refused, whole or spread over records")
    func tooLong() throws {
        let small = TLSClientHelloParser(maximumLength: 100)
        let big = ClientHelloBuilder().rawExtension(21, Array(repeating: 0, count: 200))
        for size in [16384, 30, 7] {
            let records = big.records(recordSize: size)
            #expect(Result { () throws(TLSClientHelloRefusal) in try small.parse(records) } == .failure(.tooLong))
            // Refused as soon as the announced length is known, before the rest arrives.
            #expect(
                Result { () throws(TLSClientHelloRefusal) in try small.parse(Array(records.prefix(12))) }
                    == .failure(.tooLong))
        }
        #expect(try TLSClientHelloParser().parse(big.records(recordSize: 30)) != nil)
    }

    @Test("seeded mutations and random bytes never crash or read out of bounds")
    func fuzz() {
        var rng = SeededGenerator(seed: 0x7153_0001)
        let base = ClientHelloBuilder().serverName("fuzz.example").alpn(["h2", "http/1.1"]).records(recordSize: 60)
        var outcomes = [String: Int]()
        for _ in 0..<3000 {
            var input = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { input = Array(input[0..<Int.random(in: 0...input.count, using: &rng)]) }
            let key: String
            switch outcome(input) {
            case .success(.some): key = "parsed"
            case .success(.none): key = "more"
            case .failure(let refusal): key = refusal.name
            }
            outcomes[key, default: 0] += 1
        }
        for _ in 0..<1000 {
            let input = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = outcome(input)
        }
        #expect(outcomes.count >= 4)
    }
}
