import Glibc
import LVSProxy
import Testing

extension ContentSwitchProxyTests {
    @Test("a request on a kept connection the real server closed is sent again once; a POST body is not")
    func retryOnClosedKeptConnection() throws {
        // Each real-server connection answers one request, then closes when the next one arrives.
        let s = try Setup(groups: ["api": (151, ["a"]), "web": (152, ["b"])], closeAfterRequests: 1)
        defer { s.stop() }
        let fd = s.connect()
        defer { close(fd) }
        let first = Self.exchange(fd, Self.get("/api/1"))
        #expect(first.status == 200)
        #expect(first.body == "a GET /api/1\n")
        let second = Self.exchange(fd, Self.get("/api/2"))
        #expect(second.status == 200)
        #expect(second.body == "a GET /api/2\n")
        #expect(s.h.engine.count(.httpServerReuses) == 1)
        #expect(s.h.engine.count(.httpRetries) == 1)
        #expect(s.h.engine.count(.httpBadGateway) == 0)
        #expect(s.servers["a"]!.accepted == 2)
        let stats = Dictionary(uniqueKeysWithValues: s.h.engine.statistics().map { ($0.name, $0.value) })
        #expect(stats["http_retries"] == 1)

        // Another client's first GET is answered (on a pooled connection with a retry, or on a
        // new one); a request with a body on a reused connection is not replayed: 502 as before.
        let other = s.connect()
        defer { close(other) }
        #expect(Self.exchange(other, Self.get("/api/3")).status == 200)
        let post = Self.exchange(other, "POST /api/p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        #expect(post.status == 502)
        #expect(s.h.engine.count(.httpBadGateway) == 1)
    }
}
