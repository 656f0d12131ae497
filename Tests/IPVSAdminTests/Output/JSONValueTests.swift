import Testing

@testable import IPVSAdmin

@Suite struct JSONValueTests {
    @Test func stringsAreEscapedPerRFC8259() {
        let value = JSONValue.string("a\"b\\c\nd\te\r\u{08}\u{0C}\u{01}\u{1F}/é☃")
        #expect(value.rendered() == #""a\"b\\c\nd\te\r\b\f\u0001\u001f/é☃""#)
    }

    @Test func keysAreEscapedToo() {
        #expect(JSONValue.object([("k\"", .null)]).rendered() == "{\n  \"k\\\"\": null\n}")
    }

    @Test func layoutIsTwoSpaceIndentedInGivenKeyOrder() {
        let value = JSONValue.object([
            ("z", .unsigned(UInt64.max)), ("a", .signed(-3)), ("list", .array([.bool(true), .bool(false)])),
            ("empty", .array([])), ("nothing", .object([])),
        ])
        let expected = """
            {
              "z": 18446744073709551615,
              "a": -3,
              "list": [
                true,
                false
              ],
              "empty": [],
              "nothing": {}
            }
            """
        #expect(value.rendered() == expected)
    }
}
