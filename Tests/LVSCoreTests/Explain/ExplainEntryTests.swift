import Testing

@testable import LVSCore

/// Explain where an entry decides: a live connection entry, a persistence template (worked out
/// with the harness's round-robin stand-in), and that explaining creates nothing.
@Suite("Director explain with entries")
struct ExplainEntryTests {
    @Test("an existing connection entry decides; the table is unchanged by explain")
    func connectionEntry() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        try h.addServer(2)
        h.send(.syn, client: 1, port: 40_000)  // rr stand-in: the head, 192.168.10.2
        #expect(h.director.connectionCount == 1)
        let query = ExplainQuery(service: h.tcpService, clientAddress: ConnectionHarness.client(1), clientPort: 40_000)
        let result = h.director.explain(query, now: h.now)
        #expect(result.decision == .connectionEntry)
        #expect(result.chosen == h.serverKey(2))
        #expect(result.connection?.stateName == "SYN_RECV")
        #expect(result.realServers.map(\.verdict) == [.chosen, .notConsidered])
        #expect(result.realServers[0].activeConnections == 1)
        #expect(h.director.connectionCount == 1)
        // Another port of the same client has no entry: the scheduler decides, and the next real
        // pick is still the one explain named.
        let fresh = h.director.explain(
            ExplainQuery(service: h.tcpService, clientAddress: ConnectionHarness.client(1), clientPort: 40_001),
            now: h.now)
        #expect(fresh.decision == .scheduler)
        #expect(fresh.chosen == h.serverKey(1))
        #expect(h.director.connectionCount == 1)
        h.send(.syn, client: 1, port: 40_001)
        #expect(h.realServer(1)?.activeConnections == 1)
    }

    @Test("a persistence template for the client's /24 decides, with the netmask and key shown")
    func persistenceTemplate() throws {
        let h = ConnectionHarness()
        try h.addService(persistence: 300, netmask: .ipv4(mask: 0xFFFF_FF00))
        try h.addServer(1)
        try h.addServer(2)
        h.send(.syn, client: 1, port: 40_000)  // template 198.51.100.0 -> 192.168.10.2
        let before = h.director.connectionCount
        #expect(before == 2)
        // Client .9 is in the same /24 and has no connection entry of its own.
        let result = h.director.explain(
            ExplainQuery(service: h.tcpService, clientAddress: ConnectionHarness.client(9), clientPort: 50_000),
            now: h.now)
        #expect(result.decision == .persistenceTemplate)
        #expect(result.chosen == h.serverKey(2))
        #expect(result.persistence?.netmask == "255.255.255.0")
        #expect(result.persistence?.network == IPAddress(ipv4: 0xC633_6400))
        #expect(result.persistence?.virtualPort == 80)
        #expect(result.persistence?.timeout == 300)
        #expect(result.persistence?.realServer == h.serverKey(2))
        #expect(result.persistence?.valid == true)
        #expect(result.persistence?.expiresIn == 300)
        #expect(h.director.connectionCount == before)
        // Another network has no template: the scheduler decides.
        let other = h.director.explain(
            ExplainQuery(service: h.tcpService, clientAddress: IPAddress(ipv4: 0xCB00_7107)), now: h.now)
        #expect(other.decision == .scheduler)
        #expect(other.persistence?.realServer == nil)
        #expect(other.persistence?.network == IPAddress(ipv4: 0xCB00_7100))
    }

    @Test("sh: the client's bucket and its owner; a quiesced owner without fallback means no real server")
    func sourceHashingRow() throws {
        let director = Director(seed: 3)
        let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0001), port: 80)
        try director.apply(.addService(VirtualServiceConfig(id: vip, scheduler: "sh")), now: .zero)
        let a = RealServerConfig(address: IPAddress(ipv4: 0xC0A8_0001), port: 80, forwarding: .masquerading)
        let b = RealServerConfig(address: IPAddress(ipv4: 0xC0A8_0002), port: 80, forwarding: .masquerading)
        try director.apply(.addRealServer(vip, a), now: .zero)
        try director.apply(.addRealServer(vip, b), now: .zero)
        let client = IPAddress(ipv4: 0xC000_0207)
        let query = ExplainQuery(service: vip, clientAddress: client)
        let result = director.explain(query, now: .zero)
        // Two weight-1 servers, list b, a: even buckets are b's, odd ones a's (reference §3.13).
        let bucket = SourceHashingScheduler.bucket(address: client, port: 0, offset: 0)
        #expect(result.hashRow?.row == bucket)
        #expect(result.hashRow?.tableSize == 256)
        let owner = bucket % 2 == 0 ? b.key : a.key
        #expect(result.hashRow?.owner == owner)
        #expect(result.chosen == owner)
        var quiesced = owner == a.key ? a : b
        quiesced.weight = 0
        try director.apply(.editRealServer(vip, quiesced), now: .zero)
        let after = director.explain(query, now: .zero)
        #expect(after.decision == .noRealServer)
        #expect(after.hashRow?.owner == owner)
        #expect(after.realServers.first { $0.key == owner }?.verdict == .weightZero)
    }
}
