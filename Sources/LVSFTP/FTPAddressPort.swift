import LVSCore

/// The control-channel texts whose address and port the FTP helper reads (reference §6).
public enum FTPControlMessage: Sendable, Hashable, CaseIterable {
    /// `PORT h1,h2,h3,h4,p1,p2` (RFC 959 §4.1.2), client → server, IPv4 only.
    case port
    /// `EPRT |1|a.b.c.d|port|` or `EPRT |2|ipv6|port|` (RFC 2428 §2), client → server.
    case extendedPort
    /// `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` (RFC 959 §4.2), server → client, IPv4 only.
    case passiveReply
    /// `229 Entering Extended Passive Mode (|||port|)` (RFC 2428 §3), server → client.
    case extendedPassiveReply
}

/// What a control-channel parser found: where the address/port text lies in the segment's
/// payload, and what it says.
public struct FTPAddressPort: Sendable, Hashable {
    /// Which message this came from.
    public var message: FTPControlMessage
    /// Byte offsets, relative to the start of the TCP payload, of the text a rewrite replaces:
    /// `h1,…,p2` for PORT/227, and from the first to the last delimiter inclusive
    /// (`|1|a.b.c.d|port|`, `|||port|`) for EPRT/229 — the kernel's `start`/`end` (reference §6).
    public var range: Range<Int>
    /// The advertised address; for a 229 reply without one (the usual form), the server address
    /// the caller passed, as the kernel defaults it to the control entry's daddr.
    public var address: IPAddress
    /// The advertised port, never 0.
    public var port: UInt16
    /// The delimiter of the extended forms (RFC 2428: any of ASCII 33…126); nil for PORT/227.
    public var delimiter: UInt8?
    /// True for a 229 reply that named no address (`|||port|`).
    public var addressOmitted: Bool

    public init(
        message: FTPControlMessage, range: Range<Int>, address: IPAddress, port: UInt16, delimiter: UInt8? = nil,
        addressOmitted: Bool = false
    ) {
        self.message = message
        self.range = range
        self.address = address
        self.port = port
        self.delimiter = delimiter
        self.addressOmitted = addressOmitted
    }
}

/// Whether a parser insists that the advertised address is the one the caller expects.
///
/// `ip_vs_ftp` itself checks neither direction (reference §6: it takes the PORT address as the
/// data connection's client and the 227 address as its daddr). `.mustMatch` is our stricter
/// default: a PORT naming another host than the control connection's client (an FTP bounce,
/// RFC 2577 §3) or a 227 naming another host than the real server is refused and counted.
public enum FTPAddressPolicy: Sendable, Hashable {
    /// Refuse with `.addressMismatch` unless the address equals the expected one.
    case mustMatch
    /// Accept any address of the right family, as the kernel does.
    case any
}

/// A passive-mode request seen in the client → server direction (reference §6): the control
/// entry then expects the matching reply from the server.
public enum FTPPassiveRequest: Sendable, Hashable {
    /// `PASV` (IPv4 control connections only): a 227 reply is expected.
    case passive
    /// `EPSV`, or `EPSV 1` / `EPSV 2` of the connection's family: a 229 reply is expected.
    case extendedPassive
}

extension FTPPassiveRequest {
    /// The byte a director keeps for a control connection (`ConnectionHelperState.applicationData`,
    /// the kernel's `app_data`): 0 nothing expected, 1 a 227, 2 a 229.
    public var applicationData: UInt8 {
        switch self {
        case .passive: 1
        case .extendedPassive: 2
        }
    }

    /// The request a kept byte stands for; nil for 0 or an unknown value.
    public init?(applicationData: UInt8) {
        switch applicationData {
        case 1: self = .passive
        case 2: self = .extendedPassive
        default: return nil
        }
    }
}
