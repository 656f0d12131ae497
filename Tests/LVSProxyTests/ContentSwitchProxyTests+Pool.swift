import Glibc
import LVSCore
import LVSProxy
import Testing

/// The worker's pool of idle real-server connections (docs/design/0019 "Pool") and the
/// connection limits of content-switched clients.
extension ContentSwitchProxyTests {
    @Test("two clients one after another share one real-server connection; Connection: close stays on the client's hop")
    func poolSharedBetweenClients() throws {
        // One reactor: the pool is per worker, and with several the kernel's reuseport hash may
        // hand a later client to a worker whose pool is empty (a miss, by design).
        let s = try Setup(
            groups: ["api": (161, ["a"]), "web": (162, ["b"])], configuration: ProxyEngineConfiguration(reactorCount: 1)
        )
        defer { s.stop() }
        for index in 0..<3 {
            let fd = s.connect()
            let extra = index == 2 ? "Connection: close\r\n" : ""
            let answer = Self.exchange(fd, Self.get("/api/\(index)", extra: extra))
            #expect(answer.body == "a GET /api/\(index)\n")
            if index == 2 {
                // The client is told its hop closes (the real server's head said keep-alive).
                #expect(answer.head.lowercased().contains("connection: close"))
                #expect(Net.receive(fd, count: 1).isEmpty)
            } else {
                #expect(!answer.head.lowercased().contains("connection: close"))
            }
            close(fd)
        }
        #expect(s.servers["a"]!.accepted == 1)
        #expect(s.h.engine.count(.httpPoolHits) == 2)
        #expect(s.h.engine.count(.httpPoolHits) + s.h.engine.count(.httpPoolMisses) == 3)
        #expect(s.servers["a"]!.heads.allSatisfy { !$0.lowercased().contains("connection: close") })
        // A POST as a client's first request never takes an idle connection.
        let fd = s.connect()
        defer { close(fd) }
        let post = Self.exchange(fd, "POST /api/p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
        #expect(post.body == "a POST /api/p\n")
        let accepted = s.servers["a"]!.accepted
        // The group's entries: the pooled connections hold theirs (ESTABLISHED, active).
        let group = VirtualServiceID(firewallMark: 161, family: .inet)
        let active = s.h.engine.shared.withDirector { $0.services[group]?.realServers.first?.activeConnections }
        #expect(active == Int32(accepted))
    }

    @Test("an idle pooled connection the real server closes is dropped, not used")
    func poolDetectsServerClose() throws {
        let s = try Setup(groups: ["api": (163, ["a"]), "web": (164, ["b"])])
        defer { s.stop() }
        var fd = s.connect()
        #expect(Self.exchange(fd, Self.get("/api/1")).status == 200)
        close(fd)
        s.servers["a"]!.dropConnections()
        #expect(s.h.eventually { s.h.engine.count(.httpPoolClosures) == 1 })
        fd = s.connect()
        defer { close(fd) }
        #expect(Self.exchange(fd, Self.get("/api/2")).body == "a GET /api/2\n")
        #expect(s.servers["a"]!.accepted == 2)
        #expect(s.h.engine.count(.httpRetries) == 0)
        #expect(s.h.engine.count(.httpPoolHits) == 0)
    }

    @Test("draining a real server closes its idle pooled connections and releases their entries")
    func poolDrain() throws {
        let s = try Setup(groups: ["api": (165, ["a"]), "web": (166, ["b"])])
        defer { s.stop() }
        let fd = s.connect()
        #expect(Self.exchange(fd, Self.get("/api/1")).status == 200)
        close(fd)
        let group = VirtualServiceID(firewallMark: 165, family: .inet)
        #expect(s.h.apply(.editRealServer(group, s.config("a", weight: 0))) == .ok)
        // The once-a-second flush closes it.
        #expect(s.h.eventually { s.h.engine.count(.httpPoolClosures) == 1 })
        #expect(s.h.eventually { s.h.engine.shared.liveConnections == 0 })
        #expect(s.h.engine.shared.withDirector { $0.services[group]?.realServers.first?.activeConnections } == 0)
    }

    @Test("--max-connections and --max-service-connections apply to content-switched clients at accept")
    func contentClientLimits() throws {
        let s = try Setup(
            groups: ["api": (167, ["a"]), "web": (168, ["b"])],
            configuration: ProxyEngineConfiguration(maxServiceConnections: 1))
        defer { s.stop() }
        let first = s.connect()
        #expect(Self.exchange(first, Self.get("/api/1")).status == 200)
        let second = s.connect()
        #expect(Net.receiveAll(second).isEmpty)
        close(second)
        #expect(s.h.engine.count(.droppedServiceMaxConnections) == 1)
        close(first)
        #expect(s.h.eventually { s.h.engine.count(.closedConnections) == 1 })
        let third = s.connect()
        defer { close(third) }
        #expect(Self.exchange(third, Self.get("/api/3")).status == 200)

        // The global limit counts client connections and real-server entries (pooled ones too).
        let g = try Setup(
            groups: ["api": (169, ["a"]), "web": (170, ["b"])],
            configuration: ProxyEngineConfiguration(maxConnections: 2))
        defer { g.stop() }
        let one = g.connect()
        #expect(Self.exchange(one, Self.get("/api/1")).status == 200)
        let two = g.connect()
        #expect(Net.receiveAll(two).isEmpty)
        close(two)
        #expect(g.h.engine.count(.droppedMaxConnections) == 1)
    }
}
