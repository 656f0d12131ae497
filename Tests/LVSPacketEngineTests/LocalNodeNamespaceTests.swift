import CLinuxNet
import Foundation
import LVSCore
import Synchronization
import Testing

@testable import LVSPacketEngine

/// The "real servers that are also directors" form (docs/design/0011-local-node.md) end to end
/// in namespaces: a director that is one of its own real servers (reference §5.4), and a
/// director whose virtual address is in standby, so its own kernel stack answers.
@Suite("packet engine in network namespaces: local real servers and standby", .serialized)
struct LocalNodeNamespaceTests {
    /// A listener in the director namespace answering "NAME PEERADDRESS" (`bind`: address to bind).
    static func serveOnDirector(_ lab: NamespaceLab, name: String, port: Int, bind: String? = nil) throws {
        var address = "TCP4-LISTEN:\(port),reuseaddr,fork"
        if let bind { address += ",bind=\(bind)" }
        try lab.start(
            in: lab.director, ["socat", "-T", "30", address, "SYSTEM:echo \(name) $SOCAT_PEERADDR; cat >/dev/null"],
            name: "director-\(name)")
        let listening = try lab.waitUntil(seconds: 5) {
            try lab.run(in: lab.director, "ss -Hltn 'sport = :\(port)'").output.contains("\(port)")
        }
        guard listening else { throw LabError("director listener \(name): \(lab.contents("director-\(name).err"))") }
    }

    @Test("rr over the director itself (Local) and a direct-routing real server; NAT to a local port too")
    func localAndRemote() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .directRouting)
        defer { lab.tearDown() }
        // The local stack must own the VIP for direct routing to itself (docs/packet-engine.md).
        let added = try NamespaceLab.shell("ip -n \(lab.director) addr add \(NamespaceLab.vip)/32 dev lo")
        try #require(added.status == 0, "\(added.error)")
        let service = NamespaceLab.endpoint(NamespaceLab.vip, 8080)
        let natService = NamespaceLab.endpoint(NamespaceLab.vip, 8081)
        let director = try LabDirector(
            lab,
            rules: """
                -A -t \(service) -s rr
                -a -t \(service) -r 10.0.0.1:8080 -g -w 1
                -a -t \(service) -r \(NamespaceLab.serverAddress(0)):8080 -g -w 1
                -A -t \(natService) -s rr
                -a -t \(natService) -r 10.0.0.1:9090 -m -w 1

                """)
        try lab.serve(on: 0, port: 8080)
        try Self.serveOnDirector(lab, name: "local", port: 8080)
        try Self.serveOnDirector(lab, name: "localnat", port: 9090, bind: "10.0.0.1")
        var answers: [String] = []
        for _ in 0..<4 { answers.append(try lab.request(NamespaceLab.vip, port: 8080)) }
        let engine = try director.lvsadm("--engine-stats")
        // rr alternates; both see the client's own address.
        #expect(answers.filter { $0 == "local 10.0.0.2" }.count == 2, "\(answers)\n\(engine)")
        #expect(answers.filter { $0 == "rs0 10.0.0.2" }.count == 2, "\(answers)\n\(engine)")
        // NAT to the director's own 10.0.0.1:9090: the answer comes back from VIP:8081 (socat's
        // connected socket takes nothing else), rewritten by the output-hook table.
        let nat = try lab.request(NamespaceLab.vip, port: 8081)
        #expect(nat == "localnat 10.0.0.2", "\(nat)\n\(engine)")
        #expect(try director.engineCounter("packet_delivered_locally") > 0)
        let listing = try director.lvsadm("-L -n")
        // A -g real server at a local address stays Route (as current kernels list it).
        #expect(listing.contains("  -> 10.0.0.1:8080                Route   "), "\(listing)")
        let local = try director.statsColumns("  -> 10.0.0.1:8080")
        #expect(local.count == 7 && local[2] == "2", "\(local)")
        let natColumns = try director.statsColumns("  -> 10.0.0.1:9090")
        #expect(natColumns.count == 7 && natColumns[2] == "1", "\(natColumns)")
        try director.stop()
        let tables = try lab.run(in: lab.director, "nft list tables")
        #expect(!tables.output.contains("inet lvsd"), "\(tables.output)")
    }

    @Test("standby: the director's own stack answers for the VIP; claimed again, it is forwarded")
    func standby() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .directRouting)
        defer { lab.tearDown() }
        // The backup of the two-host form: the VIP on lo, not answering ARP for it.
        let prepared = try NamespaceLab.shell(
            """
            ip -n \(lab.director) addr add \(NamespaceLab.vip)/32 dev lo && \
            ip netns exec \(lab.director) sysctl -qw net.ipv4.conf.all.arp_ignore=1
            """)
        try #require(prepared.status == 0, "\(prepared.error)")
        try lab.serve(on: 0, port: 8080)
        try Self.serveOnDirector(lab, name: "director", port: 8080, bind: NamespaceLab.vip)
        let vip = try #require(IPAddress(NamespaceLab.vip))
        var model = ConfigurationModel(knownSchedulers: ["rr"])
        let id = VirtualServiceID(protocol: .tcp, address: vip, port: 8080)
        let server = RealServerConfig(
            address: try #require(IPAddress(NamespaceLab.serverAddress(0))), port: 8080,
            forwarding: .directRouting)
        try model.apply(.addService(VirtualServiceConfig(id: id, scheduler: "rr")))
        try model.apply(.addRealServer(id, server))
        let shared = LockedTestDirector()
        try shared.withDirector { director in
            try director.apply(
                batch: [.addService(VirtualServiceConfig(id: id, scheduler: "rr")), .addRealServer(id, server)],
                now: MonotonicInstant(nanoseconds: clinuxnetNow()))
        }
        let table = "lvst\(String(UInt32.random(in: 0..<UInt32.max), radix: 16))"
        // The engine opens its rings and runs nft from this thread, inside the director's namespace.
        let answers = try inside(lab.director) { () throws -> [String] in
            let engine = try PacketEngine(
                director: shared,
                configuration: PacketEngineConfiguration(
                    interfaces: ["veth10", "veth12"], workerCount: 1, nftablesTable: table))
            defer { engine.stop() }
            try engine.start()
            try engine.apply(model)
            var answers = [try lab.request(NamespaceLab.vip, port: 8080)]
            try engine.setStandbyAddresses([vip])
            let rules = try lab.run(in: lab.director, "nft list table netdev \(table)").output
            answers.append(rules.contains("207.175.44.110") ? "still dropped: \(rules)" : "table released")
            answers.append(try lab.request(NamespaceLab.vip, port: 8080))
            answers.append(engine.standbyAddresses == [vip] && engine.plan.services.isEmpty ? "plan empty" : "plan?")
            try engine.setStandbyAddresses([])
            answers.append(try lab.request(NamespaceLab.vip, port: 8080))
            answers.append(String(engine.counters.forwardedInbound))
            return answers
        }
        #expect(answers[0] == "rs0 10.0.0.2", "\(answers)")
        #expect(answers[1] == "table released", "\(answers)")
        #expect(answers[2] == "director 10.0.0.2", "\(answers)")
        #expect(answers[3] == "plan empty", "\(answers)")
        #expect(answers[4] == "rs0 10.0.0.2", "\(answers)")
        #expect((Int(answers[5]) ?? 0) > 0, "\(answers)")
        // Two connections forwarded; the standby one never reached the director's table.
        let entries = shared.withDirector { $0.connectionSnapshots(now: MonotonicInstant(nanoseconds: clinuxnetNow())) }
        #expect(entries.count == 2, "\(entries)")
        let left = try lab.run(in: lab.director, "nft list tables").output
        #expect(!left.contains(table), "\(left)")
    }

    /// Runs `body` with the calling thread inside `namespace` and moves it back (synchronous, so
    /// the thread cannot change underneath); sockets opened and programs started in `body` are
    /// in that namespace.
    func inside<T>(_ namespace: String, _ body: () throws -> T) throws -> T {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        defer {
            if original >= 0 { close(original) }
            if target >= 0 { close(target) }
        }
        try #require(original >= 0 && target >= 0, "cannot open the namespace files of \(namespace)")
        try #require(clinuxtun_setns_net(target) == 0, "setns into \(namespace) failed: errno \(errno)")
        defer { _ = clinuxtun_setns_net(original) }
        return try body()
    }
}

/// A `Director` behind a lock, as the daemon's `SharedDirector` is.
final class LockedTestDirector: PacketEngineDirector, @unchecked Sendable {
    /// Invariant: `director` is only touched while `lock` is held.
    private let lock = NSLock()
    private let director = Director(seed: 1)

    func withDirectorLocked<T: Sendable>(_ body: (Director) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(director)
    }

    func withDirector<T>(_ body: (Director) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(director)
    }
}
