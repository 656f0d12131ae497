import LVSCore

/// The checker blocks of a real server (reference §8.5), kept as typed values for the health
/// checking work to run.
public struct HealthChecker: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case tcp = "TCP_CHECK"
        case http = "HTTP_GET"
        case ssl = "SSL_GET"
        case udp = "UDP_CHECK"
        case dns = "DNS_CHECK"
        case smtp = "SMTP_CHECK"
        case misc = "MISC_CHECK"
        case ping = "PING_CHECK"
        case file = "FILE_CHECK"
        case bfd = "BFD_CHECK"
    }

    public var kind: Kind
    public var location: ConfigurationLocation
    /// nil: the real server's address.
    public var connectIP: IPAddress?
    /// nil: the real server's port.
    public var connectPort: UInt16?
    public var bindTo: IPAddress?
    public var bindPort: UInt16?
    public var bindInterface: String?
    /// Firewall mark set on the checker's packets.
    public var firewallMark: UInt32?
    public var parameters = CheckerParameters()
    public var logAllFailures: Bool = false
    public var detail: Detail

    /// What only one kind of checker has.
    public enum Detail: Sendable, Hashable {
        case none
        case http(HTTPCheck)
        case udp(UDPCheck)
        case dns(DNSCheck)
        case smtp(SMTPCheck)
        case misc(MiscCheck)
        case file(FileCheck)
        case bfd(name: String?)
    }

    public init(kind: Kind, location: ConfigurationLocation, detail: Detail = .none) {
        self.kind = kind
        self.location = location
        self.detail = detail
    }
}

/// HTTP_GET / SSL_GET.
public struct HTTPCheck: Sendable, Hashable {
    public var urls: [URLCheck] = []
    public var virtualhost: String?
    /// `http_protocol 1.0|1.0C|1.1`; nil: 1.0.
    public var httpProtocol: String?
    public var enableSNI: Bool = false
    public var fastRecovery: Bool = false

    public init() {}
}

/// One `url { … }` of an HTTP_GET / SSL_GET.
public struct URLCheck: Sendable, Hashable {
    public var location: ConfigurationLocation
    public var path: String?
    /// MD5 of the body, 32 lowercase hexadecimal digits.
    public var digest: String?
    /// Accepted status codes; empty: 200-299.
    public var statusCodes: [ClosedRange<UInt16>] = []
    public var virtualhost: String?
    public var regex: String?
    public var regexNoMatch: Bool = false

    public init(location: ConfigurationLocation) {
        self.location = location
    }
}

/// UDP_CHECK.
public struct UDPCheck: Sendable, Hashable {
    /// `payload` as bytes; nil: random bytes.
    public var payload: [UInt8]?
    public var requireReply: Bool = false
    /// The hex pattern of `require_reply` (`X` nibbles are wildcards).
    public var replyPattern: String?
    public var minReplyLength: UInt32?
    public var maxReplyLength: UInt32?

    public init() {}
}

/// DNS_CHECK.
public struct DNSCheck: Sendable, Hashable {
    /// Query type; default SOA.
    public var type: String = "SOA"
    /// Query name; default the root.
    public var name: String = "."

    public init() {}

    public static let types: [String] = ["A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"]
}

/// SMTP_CHECK.
public struct SMTPCheck: Sendable, Hashable {
    /// nil: `smtpchecker.keepalived.org`.
    public var heloName: String?

    public init() {}
}

/// MISC_CHECK.
public struct MiscCheck: Sendable, Hashable {
    public var path: ScriptCommand?
    /// nil: the delay loop.
    public var timeout: Duration?
    /// Exit codes 2…255 set the weight to `code - 2`.
    public var dynamic: Bool = false

    public init() {}
}

/// FILE_CHECK.
public struct FileCheck: Sendable, Hashable {
    public var trackFile: String?
    public var weight: Int32?
    public var reverse: Bool = false
    public var dynamic: Bool = false

    public init() {}
}
