import Testing

@testable import LVSCore

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("::", "::"), ("::1", "::1"), ("2001:db8::80", "2001:db8::80"),
        ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"), ("::10.0.0.1", "::10.0.0.1"),
        ("fe80::1:2:3:4", "fe80::1:2:3:4"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"),
    ])
    func ipv6RoundTripsLikeInetNtop(input: String, expected: String) throws {
        let address = try #require(IPAddress.parseIPv6(input))
        #expect(address.description == expected)
    }

    @Test(arguments: ["", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "::1.2.3", "1:2:3:4:5:6:7::8"])
    func ipv6RejectsMalformed(input: String) {
        #expect(IPAddress.parseIPv6(input) == nil)
    }

    @Test func inetAtonForms() {
        #expect(IPAddress.parseIPv4("10.1")?.description == "10.0.0.1")
        #expect(IPAddress.parseIPv4("0x7f.1")?.description == "127.0.0.1")
        #expect(IPAddress.parseIPv4("010.0.0.1")?.description == "8.0.0.1")
        #expect(IPAddress.parseIPv4("256.0.0.1") == nil)
        #expect(IPAddress.parseIPv4("1.2.3.4.5") == nil)
        #expect(IPAddress.parseIPv4("4294967295")?.description == "255.255.255.255")
    }

    @Test func sortsAsUnsignedWords() {
        let a = IPAddress("10.0.0.1")!, b = IPAddress("200.0.0.1")!, c = IPAddress("::1")!
        #expect(a < b)
        #expect(b < c)
    }

    @Test func masking() {
        #expect(IPAddress("192.168.7.9")!.masked(ipv4Mask: 0xFFFF_FF00).description == "192.168.7.0")
        #expect(IPAddress("2001:db8:1:2::5")!.masked(prefixLength: 48).description == "2001:db8:1::")
    }

    /// Random text over the address alphabet never traps, and whatever parses prints as text
    /// that parses back to the same address (inet_pton/inet_ntop agree).
    @Test func randomTextRoundTrips() {
        var random = SplitMix64(seed: 2026)
        let alphabet = Array("0123456789abcdefABCDEF:.x")
        var parsed = 0
        for _ in 0..<50_000 {
            let length = Int(random.next() % 20)
            let text = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            for address in [IPAddress.parseIPv6(text), IPAddress.parseIPv4(text), IPAddress(text)].compactMap({ $0 }) {
                parsed += 1
                #expect(IPAddress(address.description) == address, "\(text) -> \(address)")
            }
        }
        #expect(parsed > 100)
    }
}
