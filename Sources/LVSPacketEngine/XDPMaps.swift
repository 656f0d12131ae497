import CLinuxNet
import Glibc

/// The XDP program's four maps (docs/design/0026-af-xdp.md): `services` and `realServers`
/// (hash, `XDPFlowKey` → 4 bytes), `sockets` (XSKMAP, rx queue → AF_XDP socket) and `counters`
/// (per-CPU array of u64, `XDPProgram.Counter`). One set per engine, shared by the program on
/// every interface. The flow maps go through `BPFMap`, so the plan-to-map protocol is tested
/// on in-memory maps.
public struct XDPMaps: Sendable {
    public let services: any BPFMap
    public let realServers: any BPFMap
    /// Nil with in-memory maps.
    public let sockets: KernelBPFMap?
    public let counters: KernelBPFMap?

    /// Entries each flow map may hold (a service or real server takes two: its port and ICMP).
    public static let flowEntries = 65_536
    /// Receive queues per interface the socket map covers.
    public static let queueEntries = 256

    public init(services: any BPFMap, realServers: any BPFMap, sockets: KernelBPFMap?, counters: KernelBPFMap?) {
        self.services = services
        self.realServers = realServers
        self.sockets = sockets
        self.counters = counters
    }

    /// Creates the maps in the kernel (needs CAP_BPF or CAP_SYS_ADMIN).
    public static func create() throws(PacketEngineError) -> XDPMaps {
        XDPMaps(
            services: try KernelBPFMap(
                type: CLINUXXDP_MAP_HASH, name: "lvs_services", keySize: XDPFlowKey.size, valueSize: 4,
                maxEntries: flowEntries),
            realServers: try KernelBPFMap(
                type: CLINUXXDP_MAP_HASH, name: "lvs_realservers", keySize: XDPFlowKey.size, valueSize: 4,
                maxEntries: flowEntries),
            sockets: try socketMap(),
            counters: try KernelBPFMap(
                type: CLINUXXDP_MAP_PERCPU_ARRAY, name: "lvs_counters", keySize: 4, valueSize: 8,
                maxEntries: XDPProgram.Counter.allCases.count))
    }

    /// The program over these maps, redirecting to `sockets` (default: this set's socket map;
    /// each interface gets its own, since the program keys it by receive queue alone).
    public func program(sockets: KernelBPFMap? = nil) throws(PacketEngineError) -> XDPProgram {
        guard let socketMap = sockets ?? self.sockets, let counters, let services = services as? KernelBPFMap,
            let realServers = realServers as? KernelBPFMap
        else { throw .xdp("the program needs the kernel's maps") }
        return try XDPProgram(
            services: services.fd, realServers: realServers.fd, sockets: socketMap.fd, counters: counters.fd)
    }

    /// A socket map (rx queue → AF_XDP socket) for one interface's program.
    public static func socketMap() throws(PacketEngineError) -> KernelBPFMap {
        try KernelBPFMap(
            type: CLINUXXDP_MAP_XSKMAP, name: "lvs_xsks", keySize: 4, valueSize: 4, maxEntries: queueEntries)
    }

    /// Writes the flow maps for `plan` (stale keys deleted, new ones inserted).
    public func apply(_ plan: ForwardingPlan) throws(PacketEngineError) {
        let flows = XDPFlowSet(plan)
        try services.replaceKeys(with: Set(flows.services.map(\.bytes)), value: XDPFlowKey.value)
        try realServers.replaceKeys(with: Set(flows.realServers.map(\.bytes)), value: XDPFlowKey.value)
    }

    /// The program's counters summed over CPUs (empty with in-memory maps).
    public func counterTotals() throws(PacketEngineError) -> [XDPProgram.Counter: UInt64] {
        guard let counters else { return [:] }
        var totals: [XDPProgram.Counter: UInt64] = [:]
        for counter in XDPProgram.Counter.allCases {
            let key = withUnsafeBytes(of: UInt32(counter.rawValue).littleEndian) { Array($0) }
            totals[counter] = try counters.lookupPerCPU(key: key).reduce(0) { sum, bytes in
                sum &+ bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
            }
        }
        return totals
    }

    /// Puts the AF_XDP socket `fd` at `queue` in `map` (default: this set's socket map).
    public func insertSocket(_ fd: Int32, queue: UInt32, in map: KernelBPFMap? = nil) throws(PacketEngineError) {
        guard let sockets = map ?? sockets else { throw .xdp("no socket map") }
        let key = withUnsafeBytes(of: queue.littleEndian) { Array($0) }
        let value = withUnsafeBytes(of: fd.littleEndian) { Array($0) }
        try sockets.update(key: key, value: value)
    }
}
