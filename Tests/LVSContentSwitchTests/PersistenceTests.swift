import LVSCore
import Testing

@testable import LVSContentSwitch

@Suite("Cookie and hash persistence")
struct PersistenceTests {
    func withRequest<T>(_ input: [UInt8], _ body: (ContentRequest) -> T) -> T {
        var parser = HTTPRequestHeadParser()
        return input.withUnsafeBytes { buffer in
            _ = parser.parse(buffer)
            return body(ContentRequest(buffer: buffer, head: parser.head, clientAddress: IPAddress("127.0.0.1")!))
        }
    }

    func text(_ request: ContentRequest, _ range: Range<Int>?) -> String? {
        range.map { String(decoding: request.buffer[$0], as: UTF8.self) }
    }

    @Test("cookie insert: the Set-Cookie line, and the identifier read back from a request")
    func cookieInsert() {
        let cookie = PersistenceCookie()
        let value = PersistenceCookie.cookieValue(forIdentifier: 0x0123_4567_89AB_CDEF)
        #expect(String(decoding: value, as: UTF8.self) == "0123456789abcdef")
        #expect(
            String(decoding: cookie.setCookieField(serverIdentifier: bytes("rs1")), as: UTF8.self)
                == "Set-Cookie: SERVERID=rs1; Path=/; HttpOnly\r\n")
        let custom = PersistenceCookie(name: "LB", attributes: "")
        #expect(
            String(decoding: custom.setCookieField(serverIdentifier: bytes("x")), as: UTF8.self)
                == "Set-Cookie: LB=x\r\n")
        withRequest(request("GET / HTTP/1.1", "Host: a", "Cookie: theme=dark; SERVERID=rs2", "Cookie: LB=z")) { r in
            #expect(text(r, cookie.serverIdentifier(in: r)) == "rs2")
            #expect(text(r, custom.serverIdentifier(in: r)) == "z")
            #expect(PersistenceCookie(name: "NONE").serverIdentifier(in: r) == nil)
        }
        withRequest(request("GET / HTTP/1.1", "Host: a", "Cookie: SERVERID=")) { r in
            #expect(cookie.serverIdentifier(in: r) == nil)
        }
    }

    @Test("cookie prefix: split, strip for the real server, add on the response")
    func cookiePrefix() {
        let prefix = CookiePrefix(cookieName: "JSESSIONID")
        withRequest(request("GET / HTTP/1.1", "Host: a", "Cookie: a=1; JSESSIONID=srv1~abc; b=2")) { r in
            let split = prefix.split(in: r)
            #expect(text(r, split?.identifier) == "srv1")
            #expect(text(r, split?.value) == "abc")
            let field = r.head!.firstValue(named: HTTPFieldName.cookie, in: r.buffer)!
            let stripped = prefix.strippedCookieValue(r.buffer, field).map { String(decoding: $0, as: UTF8.self) }
            #expect(stripped == "a=1; JSESSIONID=abc; b=2")
        }
        withRequest(request("GET / HTTP/1.1", "Host: a", "Cookie: JSESSIONID=abc")) { r in
            #expect(prefix.split(in: r) == nil)
            let field = r.head!.firstValue(named: HTTPFieldName.cookie, in: r.buffer)!
            #expect(prefix.strippedCookieValue(r.buffer, field) == nil)
        }
        let set = prefix.prefixedSetCookieValue(bytes("JSESSIONID=abc; Path=/"), identifier: bytes("srv1"))
        #expect(set.map { String(decoding: $0, as: UTF8.self) } == "JSESSIONID=srv1~abc; Path=/")
        #expect(prefix.prefixedSetCookieValue(bytes("OTHER=abc"), identifier: bytes("srv1")) == nil)
        #expect(prefix.prefixedSetCookieValue(bytes("JSESSIONIDX=abc"), identifier: bytes("srv1")) == nil)
    }

    @Test("hash keys from the URI, path, a header, a cookie, a query parameter and a regex capture")
    func keySources() throws {
        let input = request("GET /u/42/profile?lang=fr HTTP/1.1", "Host: a", "X-User: bob", "Cookie: sid=9")
        withRequest(input) { r in
            #expect(HashKeySource.uri.keyHash(r) == RendezvousHash.fnv1a(bytes("/u/42/profile?lang=fr")))
            #expect(HashKeySource.path.keyHash(r) == RendezvousHash.fnv1a(bytes("/u/42/profile")))
            #expect(HashKeySource.header(bytes("x-user")).keyHash(r) == RendezvousHash.fnv1a(bytes("bob")))
            #expect(HashKeySource.cookie(bytes("sid")).keyHash(r) == RendezvousHash.fnv1a(bytes("9")))
            #expect(HashKeySource.queryParameter(bytes("lang")).keyHash(r) == RendezvousHash.fnv1a(bytes("fr")))
            #expect(HashKeySource.header(bytes("x-none")).keyHash(r) == nil)
        }
        let capture = HashKeySource.capture(.uri, try CompiledPattern("^/u/([0-9]+)/"))
        let headerCapture = HashKeySource.capture(.header(bytes("x-user")), try CompiledPattern("^(.)"))
        let noMatch = HashKeySource.capture(.uri, try CompiledPattern("^/v/"))
        withRequest(input) { r in
            #expect(capture.keyHash(r) == RendezvousHash.fnv1a(bytes("42")))
            #expect(headerCapture.keyHash(r) == RendezvousHash.fnv1a(bytes("b")))
            #expect(noMatch.keyHash(r) == nil)
        }
    }

    func assignments(_ hash: RendezvousHash, keys: Int) -> [UInt64] {
        (0..<keys).map { key in
            let index = hash.choose(keyHash: RendezvousHash.fnv1a(bytes("/object/\(key)")))!
            return hash.members[index].identifier
        }
    }

    @Test("removing one of five real servers moves only its keys; adding it back restores them")
    func consistency() {
        let members = (1...5).map {
            RendezvousHash.Member(identifier: RendezvousHash.stableIdentifier(bytes("10.0.0.\($0):80")), weight: 1)
        }
        let before = assignments(RendezvousHash(members: members), keys: 10_000)
        let removed = members[2].identifier
        let after = assignments(RendezvousHash(members: members.filter { $0.identifier != removed }), keys: 10_000)
        var moved = 0
        for (b, a) in zip(before, after) {
            if b == removed { moved += 1; #expect(a != removed) } else { #expect(a == b) }
        }
        #expect(moved > 1500 && moved < 2500)
        // Weight 0 (draining) behaves like removal.
        var drained = members
        drained[2] = RendezvousHash.Member(identifier: removed, weight: 0)
        #expect(assignments(RendezvousHash(members: drained), keys: 10_000) == after)
        #expect(
            RendezvousHash(members: drained.map { .init(identifier: $0.identifier, weight: 0) }).choose(keyHash: 1)
                == nil)
        #expect(assignments(RendezvousHash(members: members.reversed()), keys: 10_000) == before)
    }

    @Test("shares follow the weights (1:2:3:4:5 within a few percent)")
    func weights() {
        let members = (1...5).map {
            RendezvousHash.Member(identifier: RendezvousHash.stableIdentifier(bytes("rs\($0)")), weight: $0)
        }
        let counts = assignments(RendezvousHash(members: members), keys: 15_000).reduce(into: [UInt64: Int]()) {
            $0[$1, default: 0] += 1
        }
        for member in members {
            let expected = 15_000 * member.weight / 15
            let actual = counts[member.identifier, default: 0]
            #expect(abs(actual - expected) < expected / 8 + 100, "weight \(member.weight): \(actual) vs \(expected)")
        }
    }

    @Test("the logarithm without Glibc is accurate")
    func logarithm() {
        for (x, ln) in [
            (1.0, 0.0), (0.5, -0.693_147_180_559_945_3), (1e-10, -23.025_850_929_940_457),
            (0.9, -0.105_360_515_657_826_3),
        ] {
            #expect(abs(RendezvousHash.naturalLog(x) - ln) < 1e-12)
        }
    }
}
