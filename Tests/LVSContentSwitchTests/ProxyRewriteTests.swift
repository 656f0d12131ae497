import LVSContentSwitch
import LVSCore
import Testing

/// The head edits the proxy makes: the application cookie prefixed in a response head, and a
/// client's `Connection: close` line left out toward the real server (docs/design/0019).
@Suite("Content switching: head rewrites")
struct ProxyRewriteTests {
    @Test("Set-Cookie of the prefixed cookie gets the identifier; other fields and cookies are untouched")
    func prefixedResponseHead() {
        let prefix = CookiePrefix(cookieName: "JSESSIONID")
        let head = bytes(
            "HTTP/1.1 200 OK\r\nSet-Cookie: theme=dark\r\nset-cookie:  JSESSIONID=abc; Path=/\r\n"
                + "Content-Length: 0\r\n\r\n")
        let rewritten = head.withUnsafeBytes { prefix.prefixedResponseHead($0, identifier: bytes("0123")) }
        #expect(
            rewritten.map { String(decoding: $0, as: UTF8.self) }
                == "HTTP/1.1 200 OK\r\nSet-Cookie: theme=dark\r\nset-cookie:  JSESSIONID=0123~abc; Path=/\r\n"
                + "Content-Length: 0\r\n\r\n")
        let plain = bytes("HTTP/1.1 200 OK\r\nSet-Cookie: theme=dark\r\n\r\n")
        #expect(plain.withUnsafeBytes { prefix.prefixedResponseHead($0, identifier: bytes("0123")) } == nil)
    }

    func closeLine(_ input: [UInt8]) -> String? {
        var parser = HTTPRequestHeadParser()
        return input.withUnsafeBytes { buffer in
            guard case .complete = parser.parse(buffer) else { return nil }
            return parser.head.closeOnlyConnectionLine(in: buffer).map { String(decoding: buffer[$0], as: UTF8.self) }
        }
    }

    @Test("only a lone Connection: close of HTTP/1.1 is left out")
    func connectionClose() {
        #expect(closeLine(request("GET / HTTP/1.1", "Host: a", "Connection: close")) == "Connection: close\r\n")
        #expect(closeLine(request("GET / HTTP/1.1", "connection:  Close ", "Host: a")) == "connection:  Close \r\n")
        #expect(closeLine(request("GET / HTTP/1.1", "Host: a")) == nil)
        #expect(closeLine(request("GET / HTTP/1.1", "Host: a", "Connection: close, TE", "TE: trailers")) == nil)
        #expect(closeLine(request("GET / HTTP/1.0", "Host: a", "Connection: close")) == nil)
    }
}
