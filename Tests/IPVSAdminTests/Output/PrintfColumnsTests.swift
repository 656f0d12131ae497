import Testing

@testable import IPVSAdmin

/// ipvsadm's `print_largenum` and the printf paddings (reference §2.2).
@Suite struct PrintfColumnsTests {
    @Test(arguments: [
        (UInt64(0), "        0"),
        (99_999_999, " 99999999"),
        (100_000_000, "  100000K"),
        (100_000_999, "  100000K"),
        (999_999_999, "  999999K"),
        (1_000_000_000, "    1000M"),
        (1_234_567_890, "    1234M"),
        (99_999_999_999, "   99999M"),
        (100_000_000_000, "     100G"),
        (99_999_999_999_999, "   99999G"),
        (100_000_000_000_000, "     100T"),
        (99_999_999_999_999_999, "   99999T"),
        (100_000_000_000_000_000, "  100000T"),
        (UInt64.max, "18446744T"),
    ])
    func largeNumberRule(value: UInt64, expected: String) {
        #expect(PrintfColumns.largeNumber(value, exact: false) == expected)
    }

    @Test(arguments: [
        (UInt64(0), "        0"),
        (7, "        7"),
        (99_999_999, " 99999999"),
        (100_000_000, " 100000000"),
        (1_234_567_890, " 1234567890"),
        (UInt64.max, " 18446744073709551615"),
    ])
    func exactNumbersAlwaysHaveALeadingSpace(value: UInt64, expected: String) {
        #expect(PrintfColumns.largeNumber(value, exact: true) == expected)
    }

    @Test func withoutExactEveryValueFillsNineColumns() {
        var value: UInt64 = 1
        while value < UInt64.max / 10 {
            for candidate in [value - 1, value, value + 1, value * 10 - 1] {
                #expect(PrintfColumns.largeNumber(candidate, exact: false).utf8.count == 9, "\(candidate)")
            }
            value *= 10
        }
    }

    @Test func paddingNeverCutsLongerText() {
        #expect(PrintfColumns.left("abc", 5) == "abc  ")
        #expect(PrintfColumns.left("abcdef", 5) == "abcdef")
        #expect(PrintfColumns.right("abc", 5) == "  abc")
        #expect(PrintfColumns.right("abcdef", 5) == "abcdef")
        #expect(PrintfColumns.left(Int32(-1), 6) == "-1    ")
        #expect(PrintfColumns.right(UInt32.max, 8) == "4294967295")
    }

    @Test func truncationCountsBytesAndKeepsWholeCharacters() {
        #expect(PrintfColumns.truncated("abcdef", to: 4) == "abcd")
        #expect(PrintfColumns.truncated("abc", to: 4) == "abc")
        // "é" is two bytes: cutting at 4 bytes keeps "ab" + "é" (4 bytes), not half of the next.
        #expect(PrintfColumns.truncated("abééé", to: 5) == "abé")
    }

    @Test(arguments: [
        (UInt32(0), "00:00"), (59, "00:59"), (60, "01:00"), (898, "14:58"), (5999, "99:59"), (6000, "100:00"),
        (UInt32.max, "71582788:15"),
    ])
    func expiryIsMinutesAndSeconds(seconds: UInt32, expected: String) {
        #expect(PrintfColumns.minutesSeconds(seconds) == expected)
    }
}
