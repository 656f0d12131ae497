import LVSCore

/// `lvsadm --explain -t|-u VIP:PORT | -f MARK --client ADDR[:PORT] [--json]` read into a query
/// (docs/lvsadm.md, "--explain"). Addresses are numeric: explain is a diagnostic, not a lookup.
enum ExplainArguments {
    static func parse(_ arguments: [String]) -> Result<(ExplainQuery, json: Bool), ExtensionCommand.UsageError> {
        var service: VirtualServiceID?
        var client: (IPAddress, UInt16)?
        var json = false
        var index = 0
        func fail(_ why: String) -> Result<(ExplainQuery, json: Bool), ExtensionCommand.UsageError> {
            .failure(ExtensionCommand.UsageError(message: "lvsadm: --explain: \(why)"))
        }
        while index < arguments.count {
            let argument = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : nil
            switch argument {
            case "--explain": index += 1
            case "--json":
                json = true
                index += 1
            case "-t", "--tcp-service", "-u", "--udp-service":
                guard let value, let (address, port) = addressAndPort(value), port != 0 else {
                    return fail("\(argument) needs VIP:PORT (numeric), not '\(value ?? "")'")
                }
                let proto: IPProtocolNumber = argument.hasPrefix("-t") || argument == "--tcp-service" ? .tcp : .udp
                service = VirtualServiceID(protocol: proto, address: address, port: port)
                index += 2
            case "-f", "--fwmark-service":
                guard let value, let mark = UInt32(value), mark != 0 else {
                    return fail("-f needs a firewall mark from 1 to 4294967295, not '\(value ?? "")'")
                }
                service = VirtualServiceID(firewallMark: mark, family: .inet)
                index += 2
            case "--client":
                guard let value, let parsed = addressAndPort(value) ?? IPAddress(value).map({ ($0, 0) }) else {
                    return fail("--client needs ADDR or ADDR:PORT (numeric), not '\(value ?? "")'")
                }
                client = parsed
                index += 2
            default:
                return fail("unexpected '\(argument)' (it takes -t|-u VIP:PORT or -f MARK, --client and --json)")
            }
        }
        guard var service else { return fail("name the service with -t, -u or -f") }
        guard let client else { return fail("name the client with --client ADDR[:PORT]") }
        if service.isFirewallMark && client.0.family == .inet6 {
            service = VirtualServiceID(firewallMark: service.firewallMark, family: .inet6)
        }
        return .success((ExplainQuery(service: service, clientAddress: client.0, clientPort: client.1), json))
    }

    /// `10.0.0.1:80` or `[2001:db8::1]:80`.
    static func addressAndPort(_ text: String) -> (IPAddress, UInt16)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let address = IPAddress(String(host)), let port = UInt16(portText) else { return nil }
        return (address, port)
    }
}
