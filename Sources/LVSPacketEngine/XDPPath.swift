import Glibc
import LVSCore
import LVSReactor
import Synchronization

/// The XDP I/O of one packet engine (`--packet-io xdp`, docs/design/0026-af-xdp.md): the
/// maps, the program attached to every engine interface, and one AF_XDP socket per (interface,
/// receive queue), queue q going to worker q mod workers. The AF_PACKET rings stay open with
/// a filter admitting only ARP and neighbour discovery (the frames the engine learns
/// neighbours from, which the program passes to the kernel) and carry the transmit side.
final class XDPPath: Sendable {
    /// One socket and the engine interface (position) it reads.
    struct Endpoint: Sendable {
        let socket: XDPSocket
        let interface: Int
    }

    let maps: XDPMaps
    /// Per interface: its socket map, program and attachment (the program finds a socket by
    /// receive queue alone, so each interface has its own socket map and program).
    let socketMaps: [KernelBPFMap]
    let programFDs: [Int32]
    let attachments: [XDPAttachment]
    /// Per worker.
    let endpoints: [[Endpoint]]
    /// Set by the first `close` (the engine's `stop` may run more than once).
    let closed = Atomic<Bool>(false)

    init(
        maps: XDPMaps, socketMaps: [KernelBPFMap], programFDs: [Int32], attachments: [XDPAttachment],
        endpoints: [[Endpoint]]
    ) {
        self.maps = maps
        self.socketMaps = socketMaps
        self.programFDs = programFDs
        self.attachments = attachments
        self.endpoints = endpoints
    }

    /// Sets up the XDP path for `interfaces`, or nil for `afpacket` (a failure throws: `xdp`
    /// is only used when asked for, docs/design/0026-af-xdp.md).
    static func open(
        _ configuration: PacketEngineConfiguration, interfaces: [NetworkInterface], workers: Int
    ) throws(PacketEngineError) -> XDPPath? {
        switch configuration.packetIO {
        case .afpacket: return nil
        case .xdp: break
        }
        let maps = try XDPMaps.create()
        var socketMaps: [KernelBPFMap] = []
        var programFDs: [Int32] = []
        var attachments: [XDPAttachment] = []
        var endpoints = [[Endpoint]](repeating: [], count: max(workers, 1))
        do throws(PacketEngineError) {
            for (position, interface) in interfaces.enumerated() {
                let socketMap = try XDPMaps.socketMap()
                socketMaps.append(socketMap)
                let programFD = try maps.program(sockets: socketMap).load()
                programFDs.append(programFD)
                let queues = min(receiveQueues(interface.name), XDPMaps.queueEntries)
                let sizing = XDPSocketSizing(
                    frameSize: 4096,
                    wanted: PacketRingSizing.wantedFrames(
                        queue: PacketRingSizing.queue(interface: interface.name), cpus: SystemLimits.onlineProcessors,
                        burst: configuration.ringBurst, spread: queues),
                    memoryLimit: configuration.ringMemoryLimit * max(workers, 1) / queues)
                for queue in 0..<UInt32(queues) {
                    let socket = try XDPSocket(
                        interfaceIndex: interface.index, queue: queue, receiveFrames: sizing.receiveFrames,
                        transmitFrames: sizing.transmitFrames, frameSize: sizing.frameSize,
                        headroom: configuration.headroom)
                    endpoints[Int(queue) % endpoints.count].append(Endpoint(socket: socket, interface: position))
                    try maps.insertSocket(socket.fd, queue: queue, in: socketMap)
                }
                attachments.append(try XDPAttachment(programFD: programFD, interfaceIndex: interface.index))
            }
        } catch {
            for endpoint in endpoints.joined() { endpoint.socket.close() }
            for attachment in attachments { attachment.detach() }
            for fd in programFDs { Glibc.close(fd) }
            throw error
        }
        return XDPPath(
            maps: maps, socketMaps: socketMaps, programFDs: programFDs, attachments: attachments,
            endpoints: endpoints)
    }

    /// Receive queues of `interface` (the rx-N entries in sysfs; 1 when unreadable).
    static func receiveQueues(_ interface: String) -> Int {
        guard let directory = opendir("/sys/class/net/\(interface)/queues") else { return 1 }
        defer { closedir(directory) }
        var count = 0
        // Bounded by the directory's entries (a few per queue).
        for _ in 0..<4096 {
            guard let entry = readdir(directory) else { break }
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("rx-") { count += 1 }
        }
        return max(count, 1)
    }

    /// The program's counters by name, for `lvsadm --engine-stats`.
    var namedCounters: [(String, UInt64)] {
        let totals = (try? maps.counterTotals()) ?? [:]
        var named: [(String, UInt64)] = [
            ("xdp_passed", totals[.passed] ?? 0), ("xdp_redirected", totals[.redirected] ?? 0),
            ("xdp_no_socket", totals[.noSocket] ?? 0),
        ]
        let dropped = endpoints.joined().reduce(UInt64(0)) { $0 &+ $1.socket.droppedFrames() }
        named.append(("xdp_socket_drops", dropped))
        named.append(("xdp_umem_bytes", endpoints.joined().reduce(UInt64(0)) { $0 &+ UInt64($1.socket.umemLength) }))
        return named
    }

    /// Closes the sockets and detaches the program (after the workers stopped).
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for endpoint in endpoints.joined() { endpoint.socket.close() }
        for attachment in attachments { attachment.detach() }
        for fd in programFDs { Glibc.close(fd) }
    }
}
