/// How the packet engine exchanges frames with the kernel (`lvsd --packet-io`,
/// docs/design/0026-af-xdp.md).
public enum PacketIO: String, Sendable, Hashable, CaseIterable {
    /// AF_PACKET rings in a fanout group, a classic BPF filter and an nftables ingress drop
    /// (docs/design/0009-packet-engine.md). Works on every interface.
    case afpacket
    /// An XDP program redirecting the owned flows to AF_XDP sockets (one per interface and
    /// receive queue), replacing the rings and the nftables drop on those interfaces.
    case xdp
}
