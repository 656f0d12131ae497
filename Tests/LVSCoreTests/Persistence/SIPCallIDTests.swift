import Testing

@testable import LVSCore

@Suite struct SIPCallIDTests {
    static let invite = "INVITE sip:bob@biloxi.example.com SIP/2.0"
    static let ok = "SIP/2.0 200 OK"

    /// A message of `lines` joined by `eol`, with an empty line and `body` after them.
    static func message(_ lines: [String], eol: String = "\r\n", body: String = "") -> [UInt8] {
        Array((lines.joined(separator: eol) + eol + eol + body).utf8)
    }

    static func callID(_ bytes: [UInt8]) -> String? {
        SIPCallID.extract(from: bytes).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func fullFormWithEveryLineTerminator(eol: String) {
        let m = Self.message(
            [Self.invite, "Via: SIP/2.0/UDP pc33.example.com", "Call-ID: a84b4c76e66710@pc33.example.com", "CSeq: 1"],
            eol: eol)
        #expect(Self.callID(m) == "a84b4c76e66710@pc33.example.com")
    }

    @Test func compactFormAndCaseOfTheName() {
        #expect(Self.callID(Self.message([Self.ok, "i: f81d4fae-7dec-11d0"])) == "f81d4fae-7dec-11d0")
        #expect(Self.callID(Self.message([Self.ok, "I:abc"])) == "abc")
        #expect(Self.callID(Self.message([Self.invite, "CALL-id: Upper"])) == "Upper")
        #expect(Self.callID(Self.message([Self.invite, "call-ID  \t:  spaced  \t"])) == "spaced")
    }

    @Test func firstCallIDWins() {
        #expect(Self.callID(Self.message([Self.invite, "Call-ID: one", "i: two"])) == "one")
    }

    @Test func valueFoldedOntoTheNextLine() {
        #expect(Self.callID(Self.message([Self.invite, "Call-ID:", "   folded@host"])) == "folded@host")
        #expect(Self.callID(Self.message([Self.invite, "Call-ID:  ", "\tfolded"], eol: "\n")) == "folded")
        // A continuation after the value is not part of it (the kernel ignores it as well).
        #expect(Self.callID(Self.message([Self.invite, "Call-ID: abc", " def"])) == "abc")
    }

    @Test func namesThatOnlyLookAlike() {
        // A continuation line is never a header of its own.
        #expect(Self.callID(Self.message([Self.invite, "Subject: x", " Call-ID: hidden"])) == nil)
        #expect(Self.callID(Self.message([Self.invite, "Call-IDs: no", "in: no", "X-Call-ID: no"])) == nil)
        #expect(Self.callID(Self.message([Self.invite, "Call-ID no colon"])) == nil)
        // The start line is never a header.
        #expect(Self.callID(Array("Call-ID: x SIP/2.0\r\nCSeq: 1\r\n\r\n".utf8)) == nil)
    }

    @Test func absentEmptyOrNotSIP() {
        #expect(SIPCallID.scan(Self.message([Self.invite, "CSeq: 1"])) == .missing(.absent))
        #expect(SIPCallID.scan(Self.message([Self.invite, "Call-ID:   "])) == .missing(.empty))
        #expect(SIPCallID.scan(Array("\r\n\r\n".utf8)) == .missing(.notSIP))  // a keep-alive
        #expect(SIPCallID.scan([UInt8]()) == .missing(.notSIP))
        #expect(SIPCallID.scan(Array("GET / HTTP/1.1\r\nCall-ID: x\r\n\r\n".utf8)) == .missing(.notSIP))
        #expect(SIPCallID.scan(Array("INVITE sip:a SIP/2.0".utf8)) == .missing(.notSIP))  // no line end
    }

    @Test func callIDInTheBodyOnlyDoesNotMatch() {
        let m = Self.message(
            [Self.invite, "Content-Type: message/sip"], body: "INVITE sip:x SIP/2.0\r\nCall-ID: inner\r\n\r\n")
        #expect(SIPCallID.scan(m) == .missing(.absent))
        // No empty line at all and no Call-ID: absent, not a read past the end.
        #expect(SIPCallID.scan(Array((Self.invite + "\r\nCSeq: 1").utf8)) == .missing(.absent))
    }

    @Test func unterminatedValue() {
        #expect(SIPCallID.scan(Array((Self.invite + "\r\nCall-ID: cut").utf8)) == .missing(.unterminated))
        #expect(SIPCallID.scan(Array((Self.invite + "\r\ni:").utf8)) == .missing(.unterminated))
    }

    @Test func lengthLimit() {
        let longest = String(repeating: "a", count: 255)
        #expect(Self.callID(Self.message([Self.invite, "Call-ID: " + longest])) == longest)
        let overlong = String(repeating: "b", count: 256)
        #expect(SIPCallID.scan(Self.message([Self.invite, "Call-ID: " + overlong])) == .missing(.tooLong))
        let huge = String(repeating: "c", count: 5000)
        #expect(SIPCallID.scan(Self.message([Self.invite, "Call-ID: " + huge])) == .missing(.tooLong))
    }

    @Test func anyCollectionOfBytes() {
        let m = Self.message([Self.ok, "Call-ID: slice"])
        // A slice with a non-zero start index, and a non-contiguous collection.
        let framed = [0xFF, 0xFF] + m
        #expect(SIPCallID.extract(from: framed[2...]) == Array("slice".utf8))
        #expect(SIPCallID.extract(from: m.lazy.map { $0 }) == Array("slice".utf8))
        #expect(PersistenceEngine.sip.persistenceData(from: m) == Array("slice".utf8))
    }

    /// Random and mutated messages never trap, and every answer agrees with an independent,
    /// line-splitting re-implementation of the same rules.
    @Test func seededFuzzAgreesWithReference() {
        var random = SplitMix64(seed: 0x5149_5043_414C_4C49)
        let seeds: [[UInt8]] = [
            Self.message([Self.invite, "Via: SIP/2.0/UDP h", "Call-ID: abc@h", "CSeq: 1 INVITE"], body: "v=0\r\n"),
            Self.message([Self.ok, "i:\r\n  x-y"], eol: "\n"),
            Self.message([Self.invite, "call-id : " + String(repeating: "z", count: 250)], eol: "\r"),
        ]
        let alphabet: [UInt8] = Array("\r\n \t:iICcALl-Dd@SIP/2.0x".utf8)
        var foundCount = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = (0..<Int(random.next() % 64)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            } else {
                bytes = seeds[Int(random.next() % UInt64(seeds.count))]
                for _ in 0..<Int(1 + random.next() % 4) {
                    guard !bytes.isEmpty else { break }
                    let at = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 4 {
                    case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: at)
                    case 2: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                    default: bytes = Array(bytes[..<at])
                    }
                }
            }
            let found = SIPCallID.extract(from: bytes)
            #expect(found == ReferenceCallID.extract(bytes), "round \(round): \(bytes)")
            if let found {
                foundCount += 1
                #expect((1...255).contains(found.count))
                #expect(!found.contains(13) && !found.contains(10))
            }
        }
        // The mutations keep a fair share of the messages valid, so both paths are exercised.
        #expect(foundCount > 2_000 && foundCount < 18_000)
    }
}

/// The same rules written another way: split into lines first, then look at each.
enum ReferenceCallID {
    static func extract(_ bytes: [UInt8]) -> [UInt8]? {
        // Lines with a flag telling whether a terminator followed them.
        var lines: [(text: [UInt8], terminated: Bool)] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == 13 || c == 10 {
                lines.append((current, true))
                current = []
                if c == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
            } else {
                current.append(c)
            }
            i += 1
        }
        lines.append((current, false))
        guard let start = lines.first, start.terminated, isStartLine(start.text) else { return nil }
        var k = 1
        while k < lines.count {
            let line = lines[k].text
            if line.isEmpty { return nil }  // the empty line (or the unterminated end)
            if line[0] != 32 && line[0] != 9, let colon = line.firstIndex(of: 58) {
                let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
                let trimmedName = String(name.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
                let nameIsToken = !trimmedName.contains(" ") && !trimmedName.contains("\t")
                if nameIsToken && (trimmedName == "call-id" || trimmedName == "i") {
                    return value(lines, line: k, from: colon + 1)
                }
            }
            if !lines[k].terminated { return nil }
            k += 1
        }
        return nil
    }

    static func value(_ lines: [(text: [UInt8], terminated: Bool)], line: Int, from offset: Int) -> [UInt8]? {
        var k = line
        var rest = Array(lines[k].text[offset...]).drop { $0 == 32 || $0 == 9 }
        while rest.isEmpty {
            guard lines[k].terminated else { return nil }
            guard k + 1 < lines.count, let first = lines[k + 1].text.first, first == 32 || first == 9 else {
                return nil
            }
            k += 1
            rest = lines[k].text.drop { $0 == 32 || $0 == 9 }
        }
        guard lines[k].terminated else { return nil }
        var value = Array(rest)
        while let last = value.last, last == 32 || last == 9 { value.removeLast() }
        return (1...255).contains(value.count) ? value : nil
    }

    static func isStartLine(_ line: [UInt8]) -> Bool {
        let text = String(decoding: line, as: UTF8.self)
        func version(_ s: Substring) -> Bool { s.count > 4 && s.prefix(4).uppercased() == "SIP/" }
        if version(Substring(text)) { return true }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        return parts.count >= 3 && version(parts[parts.count - 1])
    }
}
