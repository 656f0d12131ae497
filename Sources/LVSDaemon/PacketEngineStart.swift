import LVSCore
import LVSPacketEngine
import Logging

/// Whether and how `lvsd` starts the packet engine: asked for (`--packet-engine`), or because
/// the configuration it loads at start has real servers that only the packet engine forwards.
/// Interfaces not named with `--interface` are chosen from the routes (`InterfaceChoice`), and
/// the choice is logged; missing privileges refuse the start with what exactly is missing.
enum PacketEngineStart {
    /// The engine's configuration for this start, or nil when it does not run.
    /// - Parameters:
    ///   - commands: the commands the start applies (rules file or configuration file).
    ///   - namedInterfaces: interfaces the configuration names for the director (VRRP instances').
    static func resolve(
        _ configuration: DaemonConfiguration, commands: [AdminCommand], namedInterfaces: [String], logger: Logger
    ) throws -> PacketEngineConfiguration? {
        guard !configuration.dryRun else { return nil }
        let needing = commands.filter(DirectorHost.needsPacketEngine)
        var engine: PacketEngineConfiguration
        if let asked = configuration.packet {
            engine = asked
        } else if let first = needing.first {
            let missing = PacketEnginePrivileges.missing(nftCommand: configuration.packetDefaults.nftCommand)
            guard missing.isEmpty else {
                throw PacketEngineStartError.missingPrivileges(
                    reason: DirectorHost.summary(of: first), missing: missing)
            }
            engine = configuration.packetDefaults
            logger.info("starting the packet engine: the configuration has \(DirectorHost.summary(of: first))")
        } else {
            return nil
        }
        if engine.interfaces.isEmpty {
            var virtualAddresses: [IPAddress] = []
            var realServers: [IPAddress] = []
            var markedFamilies: [AddressFamily] = []
            for command in needing {
                guard case .addRealServer(let service, let server) = command else { continue }
                if service.isFirewallMark {
                    if !markedFamilies.contains(service.family) { markedFamilies.append(service.family) }
                } else if !virtualAddresses.contains(service.address) {
                    virtualAddresses.append(service.address)
                }
                if !realServers.contains(server.key.address) { realServers.append(server.key.address) }
            }
            let choice = InterfaceChoice.onThisSystem(
                virtualAddresses: virtualAddresses, realServers: realServers, named: namedInterfaces,
                markedFamilies: markedFamilies)
            if let lost = choice.unreachable.first(where: realServers.contains) {
                throw PacketEngineStartError.noRoute(lost)
            }
            guard !choice.interfaces.isEmpty else { throw PacketEngineStartError.noInterface }
            for chosen in choice.interfaces {
                logger.notice(
                    "packet engine interface \(chosen.name): \(chosen.reasons.joined(separator: "; ")) (--interface overrides)"
                )
            }
            engine.interfaces = choice.names
        }
        return engine
    }
}

/// Why the packet engine cannot start by itself.
public enum PacketEngineStartError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingPrivileges(reason: String, missing: [String])
    case noRoute(IPAddress)
    case noInterface

    public var description: String {
        switch self {
        case .missingPrivileges(let reason, let missing):
            return
                "the configuration needs the packet engine (\(reason)), which needs \(missing.joined(separator: ", ")): "
                + "run lvsd as root (or grant it cap_net_raw,cap_net_admin) with nft installed, or use --proxy real servers"
        case .noRoute(let address):
            return
                "the packet engine has no route to real server \(address): add one, or name the interfaces with --interface"
        case .noInterface:
            return "the packet engine found no interface to use: name them with --interface"
        }
    }
}
