import Testing

@testable import LVSCore

@Suite("Director explain")
struct ExplainTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A00_0001), port: 80)
    static let client = IPAddress(ipv4: 0xC000_0207)

    static func director(scheduler: String, weights: [Int32], persistence: UInt32? = nil) throws -> Director {
        let director = Director(seed: 7)
        try director.apply(
            .addService(VirtualServiceConfig(id: vip, scheduler: scheduler, persistenceTimeout: persistence)),
            now: .zero)
        for (index, weight) in weights.enumerated() {
            var config = RealServerConfig(
                address: IPAddress(ipv4: 0xC0A8_0001 + UInt32(index)), port: 80, forwarding: .masquerading)
            config.weight = weight
            try director.apply(.addRealServer(vip, config), now: .zero)
        }
        return director
    }

    @Test("rr: explain names the next real server and does not advance the cursor")
    func roundRobinNotAdvanced() throws {
        let director = try Self.director(scheduler: "rr", weights: [1, 1, 1])
        let query = ExplainQuery(service: Self.vip, clientAddress: Self.client, clientPort: 4000)
        let first = director.explain(query, now: .zero)
        let second = director.explain(query, now: .zero)
        #expect(first == second)
        #expect(first.decision == .scheduler)
        // The list is newest first: 192.168.0.3, .2, .1; rr starts at the head.
        #expect(first.chosen?.description == "192.168.0.3:80")
        #expect(first.realServers.map(\.verdict) == [.chosen, .notPreferred, .notPreferred])
        #expect(director.connectionCount == 0)
        let input = SchedulingInput(
            clientAddress: Self.client, clientPort: 4000, destinationAddress: Self.vip.address, destinationPort: 80)
        #expect(director.services[Self.vip]?.scheduler.pick(input)?.key.description == "192.168.0.3:80")
        #expect(director.explain(query, now: .zero).chosen?.description == "192.168.0.2:80")
    }

    @Test("all weights 0: no real server, each with its reason")
    func allWeightsZero() throws {
        let director = try Self.director(scheduler: "wlc", weights: [0, 0])
        let result = director.explain(ExplainQuery(service: Self.vip, clientAddress: Self.client), now: .zero)
        #expect(result.decision == .noRealServer)
        #expect(result.chosen == nil)
        #expect(result.realServers.map(\.verdict) == [.weightZero, .weightZero])
        #expect(result.realServers.allSatisfy { $0.reason.hasPrefix("weight 0") })
        #expect(result.notes == ["no client port given: existing connection entries were not looked up"])
    }

    @Test("wlc: with no connections the first eligible real server wins; the others lose on overhead")
    func weightedLeastConnection() throws {
        let director = try Self.director(scheduler: "wlc", weights: [3, 0, 1])
        let result = director.explain(ExplainQuery(service: Self.vip, clientAddress: Self.client), now: .zero)
        // List order: .3 (weight 1), .2 (weight 0), .1 (weight 3); all overheads 0: the first wins.
        #expect(result.chosen?.description == "192.168.0.3:80")
        #expect(result.realServers.map(\.verdict) == [.chosen, .weightZero, .notPreferred])
        #expect(result.realServers[2].reason == "overhead 0 / weight 3 is not below the chosen one's 0 / 1")
    }

    @Test("mh: the row is the client's hash mod 4093 and its owner is chosen")
    func maglevRow() throws {
        let director = try Self.director(scheduler: "mh", weights: [1, 1])
        let result = director.explain(ExplainQuery(service: Self.vip, clientAddress: Self.client), now: .zero)
        let expectedRow = Int(
            MaglevHashingScheduler.hashKey(
                address: Self.client, port: 0, key: MaglevHashingScheduler.key1, offset: 0) % 4093)
        #expect(result.hashRow?.row == expectedRow)
        #expect(result.hashRow?.tableSize == 4093)
        #expect(result.hashRow?.key == "client address")
        #expect(result.hashRow?.owner == result.chosen)
        #expect(result.chosen != nil)
    }

    @Test("persistence without a template: key from the netmask, then the scheduler decides")
    func persistenceNoTemplate() throws {
        let director = try Self.director(scheduler: "rr", weights: [1], persistence: 300)
        let result = director.explain(
            ExplainQuery(service: Self.vip, clientAddress: Self.client, clientPort: 5000), now: .zero)
        #expect(result.persistence?.network == Self.client)
        #expect(result.persistence?.netmask == "255.255.255.255")
        #expect(result.persistence?.timeout == 300)
        #expect(result.persistence?.realServer == nil)
        #expect(result.decision == .scheduler)
    }

    @Test("an unknown service is not ours")
    func noService() throws {
        let director = try Self.director(scheduler: "rr", weights: [1])
        let other = VirtualServiceID(protocol: .udp, address: Self.vip.address, port: 53)
        let result = director.explain(ExplainQuery(service: other, clientAddress: Self.client), now: .zero)
        #expect(result.decision == .noService)
    }
}
