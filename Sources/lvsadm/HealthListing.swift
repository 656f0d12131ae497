import Foundation
import IPVSAdmin
import LVSControl
import LVSCore

/// The output of `lvsadm --health` (docs/lvsadm.md): a listing in the shape of `-L` — one line
/// per virtual server (its services and quorum), one per real server (state, weight in the table
/// / weight wanted, first checker and its last result), one per further checker, one for the
/// sorry server — or the report as one JSON document.
struct HealthListing {
    let resolver: any NameResolver
    let numeric: Bool

    static let notChecking =
        "lvsd runs no health checker (started without --config, with --dry-run, or without checkers)\n"

    func text(_ report: HealthReport) -> String {
        guard report.checking else { return Self.notChecking }
        var text = "Prot LocalAddress:Port Quorum\n"
        text += "  -> RemoteAddress:Port           State   Weight Checker      LastCheck\n"
        for server in report.virtualServers {
            let protocolNumber = server.services.first?.protocolNumber ?? .tcp
            let services =
                server.services.count == 1
                ? serviceName(server.services[0]) : "\(server.name) (\(server.services.count) services)"
            text +=
                "\(services) \(server.quorumState.rawValue) (alive weight \(server.aliveWeight), quorum \(server.quorum))\n"
            for real in server.realServers {
                let weight = "\(real.programmedWeight.map(String.init) ?? "-")/\(real.weight)"
                let prefix =
                    "  -> " + pad(endpoint(real.server, protocolNumber), 28) + " " + pad(real.state.rawValue, 7) + " "
                    + pad(weight, 6) + " "
                if real.checkers.isEmpty {
                    text += prefix + "none\n"
                    continue
                }
                for (index, checker) in real.checkers.enumerated() {
                    let lead = index == 0 ? prefix : String(repeating: " ", count: prefix.count)
                    text += lead + pad(checker.name, 12) + " " + describe(checker) + "\n"
                }
            }
            if let sorry = server.sorryServer {
                let state = server.sorryServerActive ? "serving" : "standby"
                text += "  -> " + pad(endpoint(sorry, protocolNumber), 28) + " sorry   \(state)\n"
            }
        }
        return text
    }

    func json(_ report: HealthReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(Document(report)) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `up, 0.4s ago: connected`.
    private func describe(_ checker: CheckerHealthReport) -> String {
        guard let age = checker.lastCheckAgeMilliseconds else { return "\(checker.state.rawValue), not checked yet" }
        let tenths = age / 100
        var text = "\(checker.state.rawValue), \(tenths / 10).\(tenths % 10)s ago"
        if var result = checker.lastResult, !result.isEmpty {
            // Probes name themselves (`TCP_CHECK: connection refused`); the column already does.
            if result.hasPrefix(checker.name + ": ") { result.removeFirst(checker.name.count + 2) }
            text += ": \(result)"
        }
        if checker.consecutiveFailures > 0 { text += " (\(checker.consecutiveFailures) failed)" }
        return text
    }

    private func serviceName(_ id: VirtualServiceID) -> String {
        if id.isFirewallMark { return "FWM  \(id.firewallMark)" + (id.family == .inet6 ? " IPv6" : "") }
        return pad(id.protocolNumber.displayName, 4) + " "
            + endpoint(RealServerKey(address: id.address, port: id.port), id.protocolNumber)
    }

    private func endpoint(_ key: RealServerKey, _ protocolNumber: IPProtocolNumber) -> String {
        var host = key.address.description
        var port = String(key.port)
        if !numeric {
            if let name = resolver.hostName(for: key.address) { host = name }
            if key.port != 0, protocolNumber != .ip,
                let name = resolver.serviceName(forPort: key.port, protocolName: protocolNumber.serviceLookupName)
            {
                port = name
            }
        }
        return key.address.family == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// The JSON shape of `--health --json` (docs/lvsadm.md): addresses as text, not the wire's structs.
private struct Document: Encodable {
    struct Endpoint: Encodable {
        var address: String
        var port: UInt16
    }
    struct Service: Encodable {
        var `protocol`: String?
        var address: String?
        var port: UInt16?
        var fwmark: UInt32?
    }
    struct Checker: Encodable {
        var name: String
        var state: String
        var lastResult: String?
        var lastCheckAgeMilliseconds: UInt64?
        var consecutiveFailures: UInt32
    }
    struct RealServer: Encodable {
        var address: String
        var port: UInt16
        var state: String
        var weight: Int32
        var programmedWeight: Int32?
        var checkers: [Checker]
    }
    struct VirtualServer: Encodable {
        var name: String
        var services: [Service]
        var quorumState: String
        var aliveWeight: Int64
        var quorum: Int64
        var sorryServer: Endpoint?
        var sorryServerActive: Bool
        var realServers: [RealServer]
    }
    var checking: Bool
    var virtualServers: [VirtualServer]

    init(_ report: HealthReport) {
        checking = report.checking
        virtualServers = report.virtualServers.map { server in
            VirtualServer(
                name: server.name,
                services: server.services.map { id in
                    id.isFirewallMark
                        ? Service(protocol: nil, address: nil, port: nil, fwmark: id.firewallMark)
                        : Service(
                            protocol: id.protocolNumber.displayName, address: id.address.description, port: id.port,
                            fwmark: nil)
                },
                quorumState: server.quorumState.rawValue, aliveWeight: server.aliveWeight, quorum: server.quorum,
                sorryServer: server.sorryServer.map { Endpoint(address: $0.address.description, port: $0.port) },
                sorryServerActive: server.sorryServerActive,
                realServers: server.realServers.map { real in
                    RealServer(
                        address: real.server.address.description, port: real.server.port, state: real.state.rawValue,
                        weight: real.weight, programmedWeight: real.programmedWeight,
                        checkers: real.checkers.map {
                            Checker(
                                name: $0.name, state: $0.state.rawValue, lastResult: $0.lastResult,
                                lastCheckAgeMilliseconds: $0.lastCheckAgeMilliseconds,
                                consecutiveFailures: $0.consecutiveFailures)
                        })
                })
        }
    }
}
