import Glibc
import LVSCore
import LVSReactor
import Synchronization

/// The packet engine (DESIGN.md §6, docs/design/0009-packet-engine.md): AF_PACKET TPACKET_V3
/// rings on the configured interfaces, one per worker per interface in a PACKET_FANOUT_CBPF
/// group steered by the connection's client (`FanoutProgram`, design 0025), a generated BPF
/// filter admitting the owned flows, and an nftables netdev-ingress table that keeps those flows
/// from the kernel's stack. Forwards masquerading, direct routing and tunnelling real servers,
/// and hands packets for real servers at the director's own addresses to its stack (reference
/// §5.4, docs/design/0011-local-node.md).
///
/// Lifecycle: `init` opens everything (clear errors for missing interfaces or privileges),
/// `start` installs the (empty) nftables table — replacing one a crashed daemon left — and
/// starts the workers; `apply` follows every configuration change and `setStandbyAddresses`
/// every change of the virtual addresses this director must leave to others (VRRP backup);
/// `stop` stops the workers, removes the table and closes the rings. Every method may be
/// called from any thread; `apply` and `setStandbyAddresses` are serialised with each other.
public final class PacketEngine: Sendable {
    public let configuration: PacketEngineConfiguration
    let interfaces: Mutex<[NetworkInterface]>
    let group: ReactorGroup<PacketWorker>
    let rings: [[PacketRing]]
    let published: [CounterBox]
    let neighbours: SharedNeighbours
    let currentPlan = Mutex(ForwardingPlan())
    let local: LocalDelivery
    /// Where packets of firewall-mark services arrive (read by the first worker).
    let markedLog: MarkedPacketLog
    /// What the plan is built from: the last configuration and the standby addresses. Held
    /// while a plan is installed, so two changes never interleave their filter, workers and
    /// table updates.
    let inputs = Mutex(PlanInputs())
    /// The director's FTP ports, read once at start (they are fixed for the daemon's life, like
    /// ip_vs_ftp's module parameter): masqueraded services on them own their data ports.
    let ftpPorts: Set<UInt16>
    /// The XDP program and AF_XDP sockets with `--packet-io xdp` (docs/design/0026-af-xdp.md).
    let xdp: XDPPath?

    public init(director: any PacketEngineDirector, configuration: PacketEngineConfiguration) throws(PacketEngineError)
    {
        guard !configuration.interfaces.isEmpty else {
            throw .noSuchInterface("(none given: use --interface IFNAME)")
        }
        self.configuration = configuration
        ftpPorts = director.withDirectorLocked { $0.ftpPorts }
        let found = try InterfaceDiscovery.interfaces(named: configuration.interfaces)
        interfaces = Mutex(found)
        let count = configuration.workerCount > 0 ? configuration.workerCount : SystemLimits.onlineProcessors
        let filter = BPFProgram(ForwardingPlan())
        let local = try LocalDelivery()
        self.local = local
        let markedLog: MarkedPacketLog
        do throws(PacketEngineError) {
            markedLog = try MarkedPacketLog(group: configuration.markedLogGroup)
        } catch {
            local.close()
            throw error
        }
        self.markedLog = markedLog
        var rings: [[PacketRing]] = []
        do throws(PacketEngineError) {
            for _ in 0..<count {
                var perWorker: [PacketRing] = []
                for (position, interface) in found.enumerated() {
                    let sizing = PacketRingSizing(
                        slotSize: 2048, blockSize: configuration.blockSize, minimumBlocks: configuration.blockCount,
                        workers: count, cpus: SystemLimits.onlineProcessors,
                        queue: PacketRingSizing.queue(interface: interface.name),
                        // Under XDP the rings carry only ARP and neighbour discovery: the sockets
                        // get the burst (XDPSocketSizing).
                        burst: configuration.packetIO == .xdp ? 0 : configuration.ringBurst,
                        memoryLimit: configuration.ringMemoryLimit)
                    let group = UInt16(truncatingIfNeeded: UInt32(bitPattern: getpid()) &+ UInt32(interface.index))
                    perWorker.append(
                        try PacketRing.open(
                            interfaceIndex: interface.index, interface: position, mtu: interface.mtu,
                            fanoutGroup: group, filter: filter, configuration: configuration, sizing: sizing))
                }
                rings.append(perWorker)
            }
            // One member sets the group's program; the workers joined in order, so member i is
            // worker i on every interface.
            if configuration.flowTable {
                for ring in rings.first ?? [] { try FanoutProgram(ForwardingPlan()).install(on: ring.fd) }
            }
        } catch {
            for ring in rings.joined() { ring.close() }
            local.close()
            markedLog.close()
            throw error
        }
        self.rings = rings
        let xdp: XDPPath?
        do throws(PacketEngineError) {
            xdp = try XDPPath.open(configuration, interfaces: found, workers: count)
        } catch {
            for ring in rings.joined() { ring.close() }
            local.close()
            markedLog.close()
            throw error
        }
        self.xdp = xdp
        let published = (0..<count).map { _ in CounterBox() }
        self.published = published
        let neighbours = SharedNeighbours()
        self.neighbours = neighbours
        let now = MonotonicInstant(nanoseconds: clinuxnetNow())
        for (address, mac) in NeighbourCache.parseARP(
            InterfaceDiscovery.readFile(InterfaceDiscovery.netFile("arp")) ?? "")
        {
            neighbours.learn(address, mac: mac, now: now)
        }
        let routes = InterfaceDiscovery.routes(for: found)
        do throws(SystemError) {
            group = try ReactorGroup(count: count, configuration: ReactorConfiguration(name: "lvs-packet")) { index in
                PacketWorker(
                    rings: rings[index],
                    forwarder: PacketForwarder(interfaces: found, routes: routes, plan: ForwardingPlan()),
                    director: director, neighbours: neighbours, published: published[index], local: local,
                    markedLog: index == 0 ? markedLog : nil, flowCapacity: configuration.flowTable ? 1 << 17 : 0,
                    xdpEndpoints: xdp?.endpoints[index] ?? [])
            }
        } catch {
            xdp?.close()
            for ring in rings.joined() { ring.close() }
            local.close()
            markedLog.close()
            throw .system("epoll", errno: error.errno)
        }
    }

    /// Worker threads.
    public var workerCount: Int { group.count }

    /// Installs the empty nftables table (replacing a leftover one) and starts the workers.
    public func start() throws(PacketEngineError) {
        try NFTablesRuleset.run(ruleset(ForwardingPlan()).script, nft: configuration.nftCommand)
        do throws(SystemError) {
            try group.start()
        } catch {
            try? NFTablesRuleset.run(ruleset(ForwardingPlan()).removalScript, nft: configuration.nftCommand)
            throw .system("pthread_create", errno: error.errno)
        }
    }

    /// Follows a configuration change: the filter on every ring, the plan (with fresh interface
    /// addresses and routes) to every worker, then the nftables table in one transaction.
    public func apply(_ configuration: ConfigurationModel) throws(PacketEngineError) {
        try inputs.withLock { (inputs: inout PlanInputs) throws(PacketEngineError) in
            try install(configuration: configuration, standby: inputs.standby)
            inputs.configuration = configuration
        }
    }

    /// Leaves the services of `addresses` (virtual addresses this director must not serve now,
    /// e.g. while its VRRP instance is backup) to the kernel's own stack: they go out of the
    /// plan, so the filter no longer admits them and the ingress table no longer drops them, in
    /// the same order and transaction as `apply`. An empty set claims them all again. Their
    /// connection entries stay in the director and expire by their timeouts; while standby the
    /// engine never sees those packets (frames already in a ring are dropped and counted as
    /// `drop_standby`). Throws, keeping the previous set, when the change cannot be installed.
    public func setStandbyAddresses(_ addresses: Set<IPAddress>) throws(PacketEngineError) {
        try inputs.withLock { (inputs: inout PlanInputs) throws(PacketEngineError) in
            try install(configuration: inputs.configuration, standby: addresses)
            inputs.standby = addresses
        }
    }

    /// Tells every worker to report its flows' traffic and forget their grants: call it after a
    /// change to the director's configuration (a real server deleted, timeouts changed), so no
    /// worker forwards on a grant the change withdrew
    /// (docs/design/0025-packet-engine-without-a-lock.md). `apply` does it too, but runs before
    /// the director commits.
    public func forgetFlows() {
        _ = group.postToAll(.forgetFlows)
    }

    /// The virtual addresses in standby (`setStandbyAddresses`).
    public var standbyAddresses: Set<IPAddress> { inputs.withLock { $0.standby } }

    /// Builds and installs the plan: the filter on every ring, the plan (with fresh interface
    /// addresses and routes) to every worker, then the nftables table in one transaction. Runs
    /// under `inputs`' lock.
    private func install(configuration: ConfigurationModel?, standby: Set<IPAddress>) throws(PacketEngineError) {
        let refreshed = (try? InterfaceDiscovery.interfaces(named: self.configuration.interfaces))
        let found = interfaces.withLock { current in
            if let refreshed { current = refreshed }
            return current
        }
        let plan =
            configuration.map {
                ForwardingPlan(
                    $0, localAddresses: InterfaceDiscovery.localAddresses(), standbyAddresses: standby,
                    ftpPorts: ftpPorts)
            } ?? ForwardingPlan(standbyAddresses: standby.sorted())
        let routes = InterfaceDiscovery.routes(for: found)
        // Under XDP the rings only learn neighbours (ARP, ND); the program takes the flows.
        let filter = BPFProgram(xdp == nil ? plan : ForwardingPlan())
        for ring in rings.joined() { try filter.attach(to: ring.fd) }
        try xdp?.maps.apply(plan)
        if self.configuration.flowTable {
            let steering = FanoutProgram(plan)
            for ring in rings.first ?? [] { try steering.install(on: ring.fd) }
        }
        group.postToAll(.plan(plan, interfaces: found, routes: routes))
        try NFTablesRuleset.run(ruleset(plan).script, nft: self.configuration.nftCommand)
        currentPlan.withLock { $0 = plan }
    }

    /// Stops the workers, removes the nftables table and closes the rings. Idempotent for the
    /// workers; the table removal is attempted each time.
    public func stop() {
        group.stop()
        xdp?.close()
        try? NFTablesRuleset.run(ruleset(ForwardingPlan()).removalScript, nft: configuration.nftCommand)
        for ring in rings.joined() { ring.close() }
        local.close()
        markedLog.close()
    }

    /// The plan in force.
    public var plan: ForwardingPlan { currentPlan.withLock { $0 } }

    /// Counters summed over the workers, by name (`lvsadm --engine-stats`).
    public func statistics() -> [(String, UInt64)] {
        var total = PacketCounters()
        for counters in published { total.add(counters.value.withLock { $0 }) }
        return total.named + (xdp?.namedCounters ?? [])
    }

    /// The summed counters.
    public var counters: PacketCounters {
        var total = PacketCounters()
        for counters in published { total.add(counters.value.withLock { $0 }) }
        return total
    }

    func ruleset(_ plan: ForwardingPlan) -> NFTablesRuleset {
        let found = interfaces.withLock { $0 }
        return NFTablesRuleset(
            // Under XDP the program keeps the flows from the stack: no ingress chains.
            table: configuration.nftablesTable, interfaces: xdp == nil ? found.map { ($0.name, $0.index) } : [],
            plan: plan,
            logGroup: configuration.markedLogGroup)
    }
}

/// CLOCK_MONOTONIC now, in nanoseconds.
func clinuxnetNow() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// What `PacketEngine` builds its plan from.
struct PlanInputs {
    /// nil until the first `apply`.
    var configuration: ConfigurationModel?
    var standby: Set<IPAddress> = []
}

/// A worker's published counters (copied at the end of every wake-up).
final class CounterBox: Sendable {
    let value = Mutex(PacketCounters())
}
