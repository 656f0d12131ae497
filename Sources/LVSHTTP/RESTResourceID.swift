import LVSCore

/// Service and real-server identities in URLs (docs/http-api.md, "Identifying a virtual service"):
/// `/services/{protocol}/{address}/{port}` with protocol `tcp`, `udp` or `sctp`, and
/// `/services/{fwmark|fwmark6}/{mark}` for firewall-mark services of IPv4 or IPv6. An IPv6
/// address may be written bare, in brackets or percent-encoded.
enum RESTResourceID {
    static func address(_ text: String) throws(RESTError) -> IPAddress {
        var bare = text
        if bare.hasPrefix("[") && bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
        guard let address = IPAddress(bare) else { throw .badRequest("'\(text)' is not an IPv4 or IPv6 address") }
        return address
    }

    static func port(_ text: String) throws(RESTError) -> UInt16 {
        guard let port = UInt16(text) else { throw .badRequest("'\(text)' is not a port (0 to 65535)") }
        return port
    }

    static func protocolNumber(_ text: String) throws(RESTError) -> IPProtocolNumber {
        switch text {
        case "tcp": return .tcp
        case "udp": return .udp
        case "sctp": return .sctp
        default: throw .badRequest("'\(text)' is not a protocol (tcp, udp or sctp)")
        }
    }

    /// The service a matched route names.
    static func service(_ parameters: [String: String]) throws(RESTError) -> VirtualServiceID {
        if let kind = parameters["kind"], let markText = parameters["mark"] {
            guard let mark = UInt32(markText), mark > 0 else {
                throw .badRequest("'\(markText)' is not a firewall mark (1 to 4294967295)")
            }
            switch kind {
            case "fwmark": return VirtualServiceID(firewallMark: mark, family: .inet)
            case "fwmark6": return VirtualServiceID(firewallMark: mark, family: .inet6)
            default: throw .badRequest("'\(kind)' is not fwmark or fwmark6")
            }
        }
        return VirtualServiceID(
            protocol: try protocolNumber(parameters["protocol"] ?? ""),
            address: try address(parameters["address"] ?? ""),
            port: try port(parameters["port"] ?? ""))
    }

    static func realServer(_ parameters: [String: String]) throws(RESTError) -> RealServerKey {
        RealServerKey(address: try address(parameters["rs_address"] ?? ""), port: try port(parameters["rs_port"] ?? ""))
    }

    /// The URL path of `id` below `/api/v1/services/`.
    static func path(of id: VirtualServiceID) -> String {
        if id.isFirewallMark { return "\(id.family == .inet ? "fwmark" : "fwmark6")/\(id.firewallMark)" }
        return "\(id.protocolNumber.serviceLookupName)/\(id.address.description)/\(id.port)"
    }
}
