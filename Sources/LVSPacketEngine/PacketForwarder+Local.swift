import LVSCore
import LVSPacket

// Local real servers (reference §5 intro and §5.4, docs/design/0011-local-node.md): a real
// server at one of the director's own addresses, or with the local-node method, is not sent
// out of an interface but handed to the director's own stack.
extension PacketForwarder {
    /// Prepares the packet for the local stack: for masquerading its destination is rewritten
    /// to the real server's `address:port` first (`target`); direct routing, tunnelling and the
    /// local-node method hand it on unchanged (the stack must own the virtual address). No hop
    /// is taken, so the TTL stays. The raw socket that carries it has no offload header, so a
    /// partial checksum is completed here, and an aggregate goes as one large packet (the
    /// loopback's MTU is 64 KiB) with its checksum computed over the whole.
    mutating func deliverLocally(
        _ packet: ParsedPacket, frame: inout PacketBuffer, rewritingTo target: (address: IPAddress, port: UInt16)?
    ) -> ForwardAction {
        var packet = packet
        do {
            if let target {
                try NATRewrite.rewrite(
                    .destination, in: frame, packet: &packet, address: target.address.wireAddress, port: target.port)
            }
            try frame.setCount(packet.network.end)
            if checksumPending || offload.isSegmented { try TransportChecksum.recompute(in: frame, packet: packet) }
        } catch {
            return drop(.rewriteFailed)
        }
        counters.deliveredLocally &+= 1
        return .deliverLocally(l3Offset: packet.l3Offset)
    }
}
