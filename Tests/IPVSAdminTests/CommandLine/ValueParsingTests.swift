import LVSCore
import Testing

@testable import IPVSAdmin

@Suite struct ValueParsingTests {
    @Test(arguments: [
        ("42", Int64(42) as Int64?), (" 42", 42), ("+42", 42), ("-0", 0), ("42 ", nil), ("", nil), ("+", nil),
        ("0x10", nil), ("65535", 65535), ("65536", nil), ("99999999999999999999999", nil), ("-1", nil),
    ])
    func stringToNumber(text: String, expected: Int64?) {
        #expect(ValueParsing.number(text, in: 0...65535) == expected)
    }

    @Test func strtolClampsOnOverflow() {
        #expect(ValueParsing.strtol("99999999999999999999").value == Int64.max)
        #expect(ValueParsing.strtol("-99999999999999999999").value == Int64.min)
        #expect(ValueParsing.strtol("-9223372036854775808").value == Int64.min)
        #expect(!ValueParsing.strtol("-9223372036854775808").overflowed)
    }

    @Test func atoiLikeGlibc() {
        #expect(ValueParsing.atoi("64abc") == 64)
        #expect(ValueParsing.atoi("abc") == 0)
        #expect(ValueParsing.atoi("4294967360") == 64)
        #expect(ValueParsing.atoi("99999999999999999999") == -1)
    }

    @Test func inetAtonIgnoresTextAfterWhiteSpace() {
        #expect(ValueParsing.inetAton("1.2.3.4 junk") == IPAddress.parseIPv4("1.2.3.4"))
        #expect(ValueParsing.inetAton(" 1.2.3.4") == nil)
        #expect(ValueParsing.inetAton("1.2.3.４") == nil)
    }

    @Test func truncationKeepsWholeCharacters() {
        #expect(ValueParsing.truncated("abcdef", maxBytes: 3) == "abc")
        #expect(ValueParsing.truncated("ab\u{E9}", maxBytes: 3) == "ab")
        #expect(ValueParsing.truncated("", maxBytes: 3) == "")
    }

    @Test func hostileInputNeverTraps() {
        let parser = IPVSAdminParser(resolver: TableResolver())
        let nasty = [
            "-A", "-t", "[", "]", "[]:", "[::]:", ":::::", "-", "--", "-=", "--=", "-p=", "\u{0}", "\u{1F600}",
            "-\u{1F600}", "--\u{1F600}=x", "-M", "99999999999999999999999999", "-f", "-6", "-b", ",,,", "-r",
            "[::1]:-1", "1.2.3.4:99999999999999999999",
        ]
        // Every prefix and every window of the list is parsed; only the absence of a crash matters,
        // and every result is either an invocation or an error with an exit status ipvsadm uses.
        for start in nasty.indices {
            for end in start...nasty.count {
                let result = parser.parse(Array(nasty[start..<end]))
                if case .failure(let error) = result {
                    #expect([2, 255].contains(error.exitCode))
                }
            }
        }
    }
}
