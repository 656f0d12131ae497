import LVSCore

/// A key of the XDP program's "virtual services" and "real servers" hash maps
/// (docs/design/0026-af-xdp.md): 24 bytes the program assembles on its stack from a frame.
///
///     0..15  address (IPv4: first 4 bytes, the rest zero), network order
///     16..17 port, network order (0 for ICMP and for a port-0 service)
///     18     IP protocol (6, 17, 1, 58)
///     19     family (4 or 6)
///     20     kind: 0 exact port, 1 every port ≥ 1024 (FTP data, `ForwardingPlan.FTPDataPorts`)
///     21..23 zero
///
/// The program tries the exact port, then port 0 (a port-0 service), then for a port ≥ 1024
/// the `everyHighPort` kind; ICMP keys carry port 0.
public struct XDPFlowKey: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        case exact = 0
        case everyHighPort = 1
    }

    public var address: IPAddress
    public var port: UInt16
    public var protocolNumber: UInt8
    public var kind: Kind

    public static let size = 24
    /// The value stored with every key (the program tests presence only).
    public static let value: [UInt8] = [1, 0, 0, 0]

    public init(address: IPAddress, port: UInt16, protocolNumber: UInt8, kind: Kind = .exact) {
        self.address = address
        self.port = port
        self.protocolNumber = protocolNumber
        self.kind = kind
    }

    public var bytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: Self.size)
        for (index, byte) in address.bytes.enumerated() where index < 16 { result[index] = byte }
        result[16] = UInt8(port >> 8)
        result[17] = UInt8(port & 0xFF)
        result[18] = protocolNumber
        result[19] = address.family == .inet ? 4 : 6
        result[20] = kind.rawValue
        return result
    }
}
