import Foundation
import IPVSAdmin
import LVSControl
import LVSCore

/// The output of `lvsadm --health` (docs/lvsadm.md): a listing in the shape of `-L`, one line
/// per virtual service (its quorum) and one per real server (state, weight now / configured,
/// last check), or one JSON document.
struct HealthListing {
    let resolver: any NameResolver
    let numeric: Bool

    static let notChecking =
        "lvsd runs no health checker (started without --config, with --dry-run, or without checkers)\n"

    func text(_ status: HealthStatus) -> String {
        guard status.checking else { return Self.notChecking }
        var text = "Prot LocalAddress:Port Quorum\n"
        text += "  -> RemoteAddress:Port           State Weight LastCheck\n"
        for service in status.services {
            let quorum = service.quorumUp ? "up" : "lost"
            text += "\(serviceName(service.service)) \(quorum) (quorum \(service.quorum))\n"
            for server in service.realServers {
                let weight = server.weight.map(String.init) ?? "-"
                var line = "  -> " + pad(endpoint(server.server, of: service.service), 28) + " "
                line += pad(server.state.rawValue, 5) + " " + pad("\(weight)/\(server.configuredWeight)", 6) + " "
                line += server.lastCheck.map(describe) ?? "not checked yet"
                text += line + "\n"
            }
            if let sorry = service.sorryServer {
                let state = service.sorryServerActive ? "serving" : "standby"
                text += "  -> " + pad(endpoint(sorry, of: service.service), 28) + " sorry server, \(state)\n"
            }
        }
        return text
    }

    func json(_ status: HealthStatus) -> String {
        let document = Document(
            checking: status.checking,
            services: status.services.map { service in
                Document.Service(
                    protocol: service.service.isFirewallMark ? nil : service.service.protocolNumber.displayName,
                    address: service.service.isFirewallMark ? nil : service.service.address.description,
                    port: service.service.isFirewallMark ? nil : service.service.port,
                    fwmark: service.service.isFirewallMark ? service.service.firewallMark : nil,
                    quorum: service.quorum, quorumUp: service.quorumUp,
                    sorryServer: service.sorryServer.map {
                        Document.Sorry(address: $0.address.description, port: $0.port, active: service.sorryServerActive)
                    },
                    realServers: service.realServers.map { server in
                        Document.Server(
                            address: server.server.address.description, port: server.server.port,
                            state: server.state.rawValue, weight: server.weight,
                            configuredWeight: server.configuredWeight, lastCheck: server.lastCheck)
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `0.4s ago TCP_CHECK ok: connected`.
    private func describe(_ check: CheckResult) -> String {
        let tenths = check.ageMilliseconds / 100
        let age = "\(tenths / 10).\(tenths % 10)s ago"
        let outcome = check.succeeded ? "ok" : "failed"
        return check.detail.isEmpty ? "\(age) \(check.checker) \(outcome)" : "\(age) \(check.checker) \(outcome): \(check.detail)"
    }

    private func serviceName(_ id: VirtualServiceID) -> String {
        if id.isFirewallMark { return "FWM  \(id.firewallMark)" + (id.family == .inet6 ? " IPv6" : "") }
        let proto = id.protocolNumber.displayName
        return pad(proto, 4) + " " + endpoint(RealServerKey(address: id.address, port: id.port), of: id)
    }

    private func endpoint(_ key: RealServerKey, of service: VirtualServiceID) -> String {
        var host = key.address.description
        var port = String(key.port)
        if !numeric {
            if let name = resolver.hostName(for: key.address) { host = name }
            if key.port != 0, !service.isFirewallMark,
                let name = resolver.serviceName(
                    forPort: key.port, protocolName: service.protocolNumber.serviceLookupName)
            {
                port = name
            }
        }
        return key.address.family == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private struct Document: Encodable {
        struct Sorry: Encodable {
            var address: String
            var port: UInt16
            var active: Bool
        }
        struct Server: Encodable {
            var address: String
            var port: UInt16
            var state: String
            var weight: Int32?
            var configuredWeight: Int32
            var lastCheck: CheckResult?
        }
        struct Service: Encodable {
            var `protocol`: String?
            var address: String?
            var port: UInt16?
            var fwmark: UInt32?
            var quorum: UInt32
            var quorumUp: Bool
            var sorryServer: Sorry?
            var realServers: [Server]
        }
        var checking: Bool
        var services: [Service]
    }
}
