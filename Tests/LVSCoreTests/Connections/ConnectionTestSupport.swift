@testable import LVSCore

/// Round robin over eligible real servers, newest first: the test stand-in for the real
/// schedulers (which another branch provides).
final class RoundRobinTestScheduler: Scheduler {
    var name: String { "rr" }
    private var servers: [RealServer] = []
    private var next = 0
    private(set) var maintenanceCalls = 0

    func destinationsChanged(_ destinations: [RealServer]) {
        servers = destinations
        next = 0
    }

    func pick(_ input: SchedulingInput) -> RealServer? {
        guard !servers.isEmpty else { return nil }
        for k in 0..<servers.count {
            let candidate = servers[(next + k) % servers.count]
            if candidate.isEligible {
                next = (next + k + 1) % servers.count
                return candidate
            }
        }
        return nil
    }

    func preview(_ input: SchedulingInput) -> RealServer? {
        guard !servers.isEmpty else { return nil }
        for k in 0..<servers.count where servers[(next + k) % servers.count].isEligible {
            return servers[(next + k) % servers.count]
        }
        return nil
    }

    func maintenance(now: MonotonicInstant) { maintenanceCalls += 1 }
}

/// A director with a manual clock and shorthands for packets. Clients are 198.51.100.n, real
/// servers 192.168.10.n, the VIP 10.0.0.1.
final class ConnectionHarness {
    let director: Director
    var now = MonotonicInstant.seconds(1_000)
    let vipAddress = IPAddress(ipv4: 0x0A00_0001)
    var tcpService: VirtualServiceID { VirtualServiceID(protocol: .tcp, address: vipAddress, port: 80) }
    var udpService: VirtualServiceID { VirtualServiceID(protocol: .udp, address: vipAddress, port: 53) }

    init() {
        director = Director(seed: 7, schedulerNames: ["rr"], makeScheduler: { _, _, _ in RoundRobinTestScheduler() })
    }

    static func client(_ n: UInt32) -> IPAddress { IPAddress(ipv4: 0xC633_6400 | n) }
    static func serverAddress(_ n: UInt32) -> IPAddress { IPAddress(ipv4: 0xC0A8_0A00 | n) }

    func apply(_ command: AdminCommand) throws {
        try director.apply(command, now: now)
    }

    @discardableResult
    func addService(
        _ id: VirtualServiceID? = nil, persistence: UInt32? = nil, netmask: PersistenceNetmask? = nil,
        onePacket: Bool = false
    ) throws -> VirtualServiceID {
        let id = id ?? tcpService
        try apply(
            .addService(
                VirtualServiceConfig(
                    id: id, scheduler: "rr", persistenceTimeout: persistence, netmask: netmask,
                    onePacketScheduling: onePacket)))
        return id
    }

    func serverConfig(
        _ n: UInt32, port: UInt16 = 8080, forwarding: ForwardingMethod = .masquerading, weight: Int32 = 1,
        upper: UInt32 = 0, lower: UInt32 = 0
    ) -> RealServerConfig {
        RealServerConfig(
            address: Self.serverAddress(n), port: port, forwarding: forwarding, weight: weight,
            upperThreshold: upper, lowerThreshold: lower)
    }

    func addServer(
        _ n: UInt32, to service: VirtualServiceID? = nil, port: UInt16 = 8080,
        forwarding: ForwardingMethod = .masquerading, weight: Int32 = 1, upper: UInt32 = 0, lower: UInt32 = 0
    ) throws {
        try apply(
            .addRealServer(
                service ?? tcpService,
                serverConfig(n, port: port, forwarding: forwarding, weight: weight, upper: upper, lower: lower)))
    }

    func serverKey(_ n: UInt32, port: UInt16 = 8080) -> RealServerKey {
        RealServerKey(address: Self.serverAddress(n), port: port)
    }

    func realServer(_ n: UInt32, port: UInt16 = 8080, of service: VirtualServiceID? = nil) -> RealServer? {
        director.services[service ?? tcpService]?.realServer(
            RealServerKey(address: Self.serverAddress(n), port: port))
    }

    @discardableResult
    func send(
        _ flags: TCPSegmentFlags, client: UInt32 = 1, port: UInt16 = 40_000, protocolNumber: IPProtocolNumber = .tcp,
        to vport: UInt16 = 80, address: IPAddress? = nil, mark: UInt32 = 0, length: UInt32 = 60
    ) -> InboundVerdict {
        director.inbound(
            InboundPacket(
                protocolNumber: protocolNumber, clientAddress: Self.client(client), clientPort: port,
                destinationAddress: address ?? vipAddress, destinationPort: vport, firewallMark: mark,
                tcpFlags: flags, length: length),
            now: now)
    }

    /// A reply from real server `server` (NAT) towards the client.
    @discardableResult
    func reply(
        _ flags: TCPSegmentFlags, server: UInt32 = 1, serverPort: UInt16 = 8080, client: UInt32 = 1,
        port: UInt16 = 40_000, protocolNumber: IPProtocolNumber = .tcp, length: UInt32 = 40
    ) -> OutboundVerdict {
        director.outbound(
            OutboundPacket(
                protocolNumber: protocolNumber, sourceAddress: Self.serverAddress(server), sourcePort: serverPort,
                destinationAddress: Self.client(client), destinationPort: port, tcpFlags: flags, length: length),
            now: now)
    }

    /// A reply from the VIP (direct routing entries that the director does see replies for).
    @discardableResult
    func replyFromVIP(_ flags: TCPSegmentFlags, client: UInt32 = 1, port: UInt16 = 40_000) -> OutboundVerdict {
        director.outbound(
            OutboundPacket(
                protocolNumber: .tcp, sourceAddress: vipAddress, sourcePort: 80,
                destinationAddress: Self.client(client), destinationPort: port, tcpFlags: flags, length: 40),
            now: now)
    }

    func advance(seconds: UInt64) {
        now = now.adding(seconds: seconds)
        director.advance(to: now)
    }

    func advance(nanoseconds: UInt64) {
        now = now.adding(nanoseconds: nanoseconds)
        director.advance(to: now)
    }

    var snapshots: [ConnectionSnapshot] { director.connectionSnapshots(now: now) }

    /// The (non-template) entry of client n:port.
    func entry(client: UInt32 = 1, port: UInt16 = 40_000) -> ConnectionSnapshot? {
        snapshots.first { !$0.isTemplate && $0.clientAddress == Self.client(client) && $0.clientPort == port }
    }

    var templates: [ConnectionSnapshot] { snapshots.filter(\.isTemplate) }

    /// (active, inactive, persistent) of real server n.
    func counts(_ n: UInt32, port: UInt16 = 8080, of service: VirtualServiceID? = nil) -> [Int32] {
        guard let rs = realServer(n, port: port, of: service) else { return [] }
        return [rs.activeConnections, rs.inactiveConnections, rs.persistentConnections]
    }
}

extension InboundVerdict {
    /// The real server's address of a `.forward` verdict.
    var serverAddress: IPAddress? {
        switch self {
        case .forward(_, let to, _, _): return to.address
        case .drop, .notOurs, .noDestination: return nil
        }
    }

    var destinationPort: UInt16? {
        switch self {
        case .forward(_, _, _, let port): return port
        case .drop, .notOurs, .noDestination: return nil
        }
    }
}
