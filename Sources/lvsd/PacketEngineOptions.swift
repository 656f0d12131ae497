import ArgumentParser
import LVSPacketEngine

/// The packet engine's options (docs/configuration.md, docs/packet-engine.md): used as they are
/// with `--packet-engine`, and when a configuration needs the engine.
struct PacketEngineOptions: ParsableArguments {
    @Flag(
        name: .customLong("packet-engine"),
        help:
            "Forward masquerading (-m), direct-routing (-g) and tunnelling (-i) real servers from raw frames (AF_PACKET rings); needs CAP_NET_RAW and CAP_NET_ADMIN and nft. A --config or --rules file with such real servers starts it without this flag."
    )
    var packetEngine = false

    @Option(
        name: .customLong("interface"),
        help: ArgumentHelp(
            "An interface the packet engine reads and writes (repeat for each: the client side and the real-server side); default: chosen from the routes to the virtual addresses and real servers.",
            valueName: "ifname"))
    var interfaces: [String] = []

    @Option(
        name: .customLong("packet-workers"),
        help: ArgumentHelp("Packet engine worker threads; 0: one per online CPU.", valueName: "n"))
    var packetWorkers: Int = 0

    @Option(
        name: .customLong("packet-ring"),
        help: ArgumentHelp(
            "Receive ring layout: frames (TPACKET_V2, each frame handed over at once: lowest latency) or blocks (TPACKET_V3, frames handed over a block at a time or after 1 ms: fewest wake-ups).",
            valueName: "frames|blocks"))
    var packetRing = "frames"

    @Option(
        name: .customLong("packet-ring-burst"),
        help: ArgumentHelp(
            "Frames per interface a burst may bring before the workers drain them; sizes the receive rings (docs/design/0024-packet-bursts.md).",
            valueName: "frames"))
    var packetRingBurst: Int = 65_536

    @Option(
        name: .customLong("packet-ring-memory"),
        help: ArgumentHelp("Largest receive ring, MiB (one per worker per interface).", valueName: "MiB"))
    var packetRingMemory: Int = 32

    @Option(
        name: .customLong("packet-io"),
        help: ArgumentHelp(
            "Frame I/O of the packet engine: afpacket (AF_PACKET rings and an nftables ingress drop) or xdp (an XDP program redirecting the owned flows to AF_XDP sockets; docs/design/0026-af-xdp.md). Default: afpacket.",
            valueName: "afpacket|xdp"))
    var packetIO: String?

    @Flag(
        name: .customLong("packet-no-offload"),
        help:
            "Do not exchange offload headers with the kernel (PACKET_VNET_HDR): the engine completes every checksum and treats a GSO/GRO aggregate as one oversized packet (for kernels without it, and for comparison)."
    )
    var packetNoOffload = false

    @Flag(
        name: .customLong("packet-locked"),
        help:
            "Decide every packet under the director's lock, with hash fanout, instead of in the workers' own flow tables (docs/design/0025-packet-engine-without-a-lock.md; for comparison)."
    )
    var packetLocked = false

    func validate() throws {
        guard PacketRingKind(rawValue: packetRing) != nil else {
            throw ValidationError("--packet-ring takes frames or blocks")
        }
        if let packetIO, PacketIO(rawValue: packetIO) == nil {
            throw ValidationError("--packet-io takes afpacket or xdp")
        }
        guard packetWorkers >= 0, packetRingBurst >= 0 else { throw ValidationError("counts must not be negative") }
        guard (4...4096).contains(packetRingMemory) else { throw ValidationError("--packet-ring-memory takes 4…4096") }
    }

    /// The engine's settings these options describe.
    var configuration: PacketEngineConfiguration {
        var settings = PacketEngineConfiguration(
            interfaces: interfaces, workerCount: packetWorkers, ring: PacketRingKind(rawValue: packetRing) ?? .frames,
            offload: !packetNoOffload, ringBurst: packetRingBurst, ringMemoryLimit: packetRingMemory << 20,
            flowTable: !packetLocked)
        settings.packetIO = packetIO.flatMap(PacketIO.init(rawValue:)) ?? .afpacket
        return settings
    }
}
