import ArgumentParser
import Glibc
import LVSPacket

/// A virtual IP address as given on the command line, configured as a host address (/32 or
/// /128) so that only packets for exactly that address are accepted.
struct VirtualAddress: Hashable, Sendable, ExpressibleByArgument, CustomStringConvertible {
    let address: WireAddress

    init(_ address: WireAddress) { self.address = address }

    init?(argument: String) {
        guard let parsed = WireAddress(argument) else { return nil }
        address = parsed
    }

    /// The host prefix length: 32 for IPv4, 128 for IPv6.
    var prefixLength: Int { address.isIPv6 ? 128 : 32 }

    /// The address in the text form `ip` prints (IPv6 compressed, RFC 5952).
    var description: String { Self.text(of: address) }

    /// `address/prefix`, as given to `ip address add`.
    var cidr: String { "\(self)/\(prefixLength)" }

    static func text(of address: WireAddress) -> String {
        guard address.isIPv6 else { return address.description }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: address.high >> UInt64(56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: address.low >> UInt64(56 - 8 * index))
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let converted = bytes.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { out in
                inet_ntop(AF_INET6, raw.baseAddress, out.baseAddress, socklen_t(out.count)) != nil
            }
        }
        guard converted else { return address.description }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
