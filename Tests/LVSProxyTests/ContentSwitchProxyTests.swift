import Glibc
import LVSContentSwitch
import LVSControl
import LVSCore
import LVSProxy
import LVSReactor
import LVSSharedDirector
import Testing

/// Content switching in the proxy engine (docs/design/0019), end to end on 127.0.0.1 with the
/// tests' own HTTP real servers and raw-socket clients.
@Suite("Proxy engine: content switching", .serialized)
struct ContentSwitchProxyTests {
    /// A VIP service switched over groups "api" (mark 101: a) and "web" (mark 102: b, c).
    final class Setup: @unchecked Sendable {
        // Invariant for @unchecked Sendable: only the test's own task touches it.
        let h: ProxyHarness
        let service: VirtualServiceID
        var servers: [String: TestHTTPServer] = [:]

        init(
            rules: [ContentRule] = [ContentRule(name: "api", condition: .path(.prefix("/api")), group: "api")],
            groups: [String: (mark: UInt32, servers: [String])] = ["api": (101, ["a"]), "web": (102, ["b", "c"])],
            persistence: ContentPersistence = .none, limits: HTTPParserLimits = .default,
            mode: ContentSwitchMode = .http, headerTimeoutMilliseconds: UInt64 = 10_000,
            closeAfterRequests: Int? = nil, configuration: ProxyEngineConfiguration = ProxyEngineConfiguration()
        ) throws {
            h = try ProxyHarness(configuration: configuration)
            service = h.service(port: ProxyHarness.freePort())
            var marks: [String: UInt32] = [:]
            for (name, group) in groups {
                let id = VirtualServiceID(firewallMark: group.mark, family: .inet)
                #expect(h.apply(.addService(VirtualServiceConfig(id: id, scheduler: "rr"))) == .ok)
                for serverName in group.servers {
                    let server = TestHTTPServer(name: serverName, closeAfterRequests: closeAfterRequests)
                    servers[serverName] = server
                    h.add(RealServerConfig(address: server.address.ip, port: server.port, forwarding: .proxy), to: id)
                }
                marks[name] = group.mark
            }
            h.engine.setContentServices([
                ContentSwitchService(
                    service: service, mode: mode, ruleSet: ContentRuleSet(rules: rules, defaultGroup: "web"),
                    groups: marks, persistence: persistence, limits: limits,
                    headerTimeoutMilliseconds: headerTimeoutMilliseconds)
            ])
        }

        func stop() {
            h.stop()
            for server in servers.values { server.stop() }
        }

        func connect() -> Int32 { Net.connect(SocketAddress(service.address, port: service.port)) }

        func config(_ name: String, weight: Int32 = 1) -> RealServerConfig {
            let server = servers[name]!
            return RealServerConfig(address: server.address.ip, port: server.port, forwarding: .proxy, weight: weight)
        }
    }

    /// Sends one request on `fd` and reads one response (head and Content-Length body).
    static func exchange(_ fd: Int32, _ request: String) -> (status: Int, head: String, body: String) {
        guard Net.send(fd, Array(request.utf8)) else { return (0, "", "") }
        var bytes: [UInt8] = []
        for _ in 0..<65_536 {
            if let end = headEnd(bytes) {
                let head = String(decoding: bytes[0..<end], as: UTF8.self)
                var body = Array(bytes[end...])
                let length =
                    head.lowercased().split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).filter { $0 != " " }) } ?? 0
                if body.count < length { body += Net.receive(fd, count: length - body.count) }
                let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                return (status, head, String(decoding: body, as: UTF8.self))
            }
            let more = Net.receive(fd, count: 1)
            if more.isEmpty { break }
            bytes += more
        }
        return (0, String(decoding: bytes, as: UTF8.self), "")
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13
        {
            return i + 1
        }
        return nil
    }

    static func get(_ path: String, host: String = "example.test", extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)\r\n"
    }

    @Test("path rule and default group, switched per request on one keep-alive connection")
    func perRequestSwitching() throws {
        let s = try Setup()
        defer { s.stop() }
        let fd = s.connect()
        defer { close(fd) }
        let first = Self.exchange(fd, Self.get("/api/x"))
        #expect(first.status == 200)
        #expect(first.body == "a GET /api/x\n")
        let second = Self.exchange(fd, Self.get("/index.html"))
        #expect(second.body.hasSuffix("GET /index.html\n"))
        #expect(second.body.hasPrefix("b ") || second.body.hasPrefix("c "))
        let third = Self.exchange(fd, Self.get("/api/y"))
        #expect(third.body == "a GET /api/y\n")
        // The real-server connection of the first request went idle into the pool: the third and
        // fourth requests take it again.
        let fourth = Self.exchange(fd, Self.get("/api/z"))
        #expect(fourth.body == "a GET /api/z\n")
        #expect(s.servers["a"]!.accepted == 1)
        #expect(s.h.engine.count(.httpRequests) == 4)
        #expect(s.h.engine.count(.httpServerReuses) == 2)
        #expect(s.h.engine.count(.httpPoolHits) == 2)
        let heads = s.servers["a"]!.heads
        #expect(heads.first?.contains("X-Forwarded-For: 127.0.0.1\r\n") == true)
        let hits = s.h.engine.shared.contentServices[s.service]?.hitCounts()
        #expect(hits == [3, 1])
    }

    @Test("pipelined requests to two groups are answered in order")
    func pipelining() throws {
        let s = try Setup()
        defer { s.stop() }
        let fd = s.connect()
        defer { close(fd) }
        #expect(Net.send(fd, Array((Self.get("/api/1") + Self.get("/2") + Self.get("/api/3")).utf8)))
        #expect(Self.exchange(fd, "").body == "a GET /api/1\n")
        #expect(Self.exchange(fd, "").body.hasSuffix(" GET /2\n"))
        #expect(Self.exchange(fd, "").body == "a GET /api/3\n")
    }

    @Test("host, header, cookie, query, method and client-address conditions route as configured")
    func conditions() throws {
        let rules = [
            ContentRule(name: "host", condition: .host(.suffix(".api.test")), group: "api"),
            ContentRule(name: "header", condition: .header(name: Array("x-group".utf8), .equals("api")), group: "api"),
            ContentRule(name: "cookie", condition: .cookie(name: Array("beta".utf8), .exists), group: "api"),
            ContentRule(name: "query", condition: .queryParameter(name: Array("v".utf8), .equals("2")), group: "api"),
            ContentRule(name: "method", condition: .method(Array("DELETE".utf8)), group: "api"),
            ContentRule(
                name: "net",
                condition: .all([.clientAddress([try AddressBlock(parsing: "127.0.0.0/8")]), .path(.exact("/net"))]),
                group: "api"),
        ]
        let s = try Setup(rules: rules, groups: ["api": (111, ["a"]), "web": (112, ["b"])])
        defer { s.stop() }
        let cases: [(String, String)] = [
            (Self.get("/", host: "x.api.test"), "a"), (Self.get("/", host: "x.web.test"), "b"),
            (Self.get("/", extra: "X-Group: api\r\n"), "a"), (Self.get("/", extra: "X-Group: web\r\n"), "b"),
            (Self.get("/", extra: "Cookie: a=1; beta=yes\r\n"), "a"),
            (Self.get("/", extra: "Cookie: alpha=1\r\n"), "b"),
            (Self.get("/p?v=2"), "a"), (Self.get("/p?v=1"), "b"),
            ("DELETE /d HTTP/1.1\r\nHost: h\r\n\r\n", "a"), (Self.get("/net"), "a"), (Self.get("/nett"), "b"),
        ]
        for (request, expected) in cases {
            let fd = s.connect()
            let answer = Self.exchange(fd, request)
            close(fd)
            #expect(answer.body.hasPrefix(expected + " "), "\(request) → \(answer.body)")
        }
    }

    @Test("refusals: smuggling 400, long target 414, too many fields 431, no usable server 503")
    func refusals() throws {
        let s = try Setup(groups: ["api": (121, []), "web": (122, ["b"])])
        defer { s.stop() }
        let smuggle = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        let long = "GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: h\r\n\r\n"
        let many = "GET / HTTP/1.1\r\nHost: h\r\n" + (0..<120).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        for (request, status) in [(smuggle, 400), (long, 414), (many, 431), (Self.get("/api/none"), 503)] {
            let fd = s.connect()
            let answer = Self.exchange(fd, request)
            #expect(answer.status == status)
            #expect(answer.head.contains("Connection: close"))
            // The connection is closed after the answer.
            #expect(Net.receive(fd, count: 1).isEmpty)
            close(fd)
        }
        #expect(s.h.engine.count(.httpNoServer) == 1)
        let stats = Dictionary(uniqueKeysWithValues: s.h.engine.statistics().map { ($0.name, $0.value) })
        #expect(stats["http_refused_content_length_with_transfer_encoding"] == 1)
        #expect(stats["http_refused_request_line_too_long"] == 1)
        #expect(stats["http_refused_too_many_headers"] == 1)
    }

    @Test("POST bodies (Content-Length and chunked) are forwarded and the connection kept")
    func bodies() throws {
        let s = try Setup()
        defer { s.stop() }
        let fd = s.connect()
        defer { close(fd) }
        let post = "POST /api/p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        #expect(Self.exchange(fd, post).body == "a POST /api/p\n")
        let chunked = "POST /api/c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        #expect(Self.exchange(fd, chunked).body == "a POST /api/c\n")
        #expect(Self.exchange(fd, Self.get("/api/after")).body == "a GET /api/after\n")
    }

    @Test("cookie insert holds a client on one real server and moves it when that server is drained")
    func cookieInsert() throws {
        let s = try Setup(persistence: .insertCookie(PersistenceCookie()))
        defer { s.stop() }
        var fd = s.connect()
        let first = Self.exchange(fd, Self.get("/page"))
        close(fd)
        let line = first.head.split(separator: "\r\n").first { $0.hasPrefix("Set-Cookie: SERVERID=") }
        let cookie = line.map { String($0.dropFirst(12).prefix(while: { $0 != ";" })) } ?? ""
        #expect(cookie.count == 25)
        let owner = String(first.body.prefix(1))
        for _ in 0..<4 {
            fd = s.connect()
            let again = Self.exchange(fd, Self.get("/page", extra: "Cookie: \(cookie)\r\n"))
            close(fd)
            #expect(String(again.body.prefix(1)) == owner)
            #expect(!again.head.contains("Set-Cookie"))
        }
        let group = VirtualServiceID(firewallMark: 102, family: .inet)
        #expect(s.h.apply(.editRealServer(group, s.config(owner, weight: 0))) == .ok)
        fd = s.connect()
        let moved = Self.exchange(fd, Self.get("/page", extra: "Cookie: \(cookie)\r\n"))
        close(fd)
        #expect(String(moved.body.prefix(1)) != owner)
        #expect(moved.head.contains("Set-Cookie: SERVERID="))
    }

    @Test("WebSocket upgrade becomes a tunnel")
    func webSocket() throws {
        let s = try Setup()
        defer { s.stop() }
        let fd = s.connect()
        defer { close(fd) }
        let upgrade = Self.get(
            "/api/ws",
            extra: "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
        let answer = Self.exchange(fd, upgrade)
        #expect(answer.status == 101)
        #expect(Net.send(fd, Array("raw frame bytes".utf8)))
        #expect(Net.text(Net.receive(fd, count: 15)) == "raw frame bytes")
        #expect(s.h.engine.count(.httpUpgrades) == 1)
    }

    @Test("hash persistence: removing a real server moves only the keys it held")
    func hashPersistence() throws {
        let s = try Setup(
            rules: [], groups: ["api": (131, []), "web": (132, ["b", "c", "d"])], persistence: .hash(.path))
        defer { s.stop() }
        func owners() -> [String: String] {
            var result: [String: String] = [:]
            for key in 0..<40 {
                let fd = s.connect()
                result["/k\(key)"] = String(Self.exchange(fd, Self.get("/k\(key)")).body.prefix(1))
                close(fd)
            }
            return result
        }
        let before = owners()
        #expect(Set(before.values) == ["b", "c", "d"])
        // The same keys go to the same real servers again.
        #expect(owners() == before)
        let group = VirtualServiceID(firewallMark: 132, family: .inet)
        let d = s.servers["d"]!
        let key = RealServerKey(address: d.address.ip, port: d.port)
        #expect(s.h.apply(.deleteRealServer(group, key)) == .ok)
        let after = owners()
        for (path, owner) in before {
            if owner == "d" {
                #expect(after[path] == "b" || after[path] == "c")
            } else {
                #expect(after[path] == owner, "\(path) moved from \(owner) to \(after[path] ?? "?")")
            }
        }
    }

    @Test("a client that does not finish its request head within the header timeout gets 408")
    func headerTimeout() throws {
        let s = try Setup(headerTimeoutMilliseconds: 300)
        defer { s.stop() }
        let fd = s.connect()
        defer { close(fd) }
        let answer = Self.exchange(fd, "GET /slow HTTP/1.1\r\nHost: h\r\n")
        #expect(answer.status == 408)
        #expect(s.h.engine.count(.httpHeaderTimeouts) == 1)
    }

    /// A TLS 1.3-style ClientHello record naming `serverName` (RFC 6066 §3) and offering h2.
    static func clientHello(serverName: String) -> [UInt8] {
        let name = Array(serverName.utf8)
        func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
        let sni = u16(0) + u16(name.count + 5) + u16(name.count + 3) + [0] + u16(name.count) + name
        let alpnList = [UInt8(2)] + Array("h2".utf8)
        let alpn = u16(16) + u16(alpnList.count + 2) + u16(alpnList.count) + alpnList
        let extensions = sni + alpn
        var body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 7, count: 32) + [0]
        body += u16(2) + [0x13, 0x01] + [1, 0] + u16(extensions.count) + extensions
        let handshake = [UInt8(1), 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return [0x16, 0x03, 0x01] + u16(handshake.count) + handshake
    }

    @Test("TLS: the ClientHello's server name chooses the group; the bytes reach the real server untouched")
    func serverNameRouting() throws {
        let h = try ProxyHarness()
        defer { h.stop() }
        let service = h.service(port: ProxyHarness.freePort())
        for (mark, name) in [(UInt32(141), "alpha"), (142, "beta")] {
            let id = VirtualServiceID(firewallMark: mark, family: .inet)
            #expect(h.apply(.addService(VirtualServiceConfig(id: id, scheduler: "rr"))) == .ok)
            h.add(h.realServer(h.server(.name(name))), to: id)
        }
        let rules = [ContentRule(name: "alpha", condition: .serverName(.suffix(".alpha.test")), group: "alpha")]
        h.engine.setContentServices([
            ContentSwitchService(
                service: service, mode: .tls, ruleSet: ContentRuleSet(rules: rules, defaultGroup: "beta"),
                groups: ["alpha": 141, "beta": 142])
        ])
        for (serverName, expected) in [("www.alpha.test", "alpha\n"), ("www.beta.test", "beta\n")] {
            let fd = Net.connect(SocketAddress(service.address, port: service.port))
            #expect(Net.send(fd, Self.clientHello(serverName: serverName)))
            #expect(Net.text(Net.receive(fd, count: expected.utf8.count)) == expected)
            close(fd)
        }
        let garbage = Net.connect(SocketAddress(service.address, port: service.port))
        #expect(Net.send(garbage, Array("GET / HTTP/1.1\r\n\r\n".utf8)))
        #expect(Net.receive(garbage, count: 1).isEmpty)
        close(garbage)
        #expect(h.engine.count(.tlsRouted) == 2)
        #expect(h.engine.count(.tlsRefused) == 1)
    }
}
