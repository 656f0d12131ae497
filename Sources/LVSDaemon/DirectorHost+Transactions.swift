import Glibc
import LVSControl
import LVSCore
import LVSPacketEngine
import LVSProxy
import LVSSharedDirector

// Applying configuration changes with the proxy engine: capability checks, then listeners
// opened before the commit (a bind failure refuses the transaction), adopted or closed after
// (docs/design/0007-proxy-engine.md, "Listeners").
extension DirectorHost {
    /// Applies `commands` as one transaction (all or nothing).
    func transaction(_ commands: [AdminCommand], now: MonotonicInstant) -> Result<Void, TransactionRefusal> {
        transaction(now: now) { _ in commands }.map { _ in () }
    }

    /// Applies, as one transaction, the commands `plan` computes from the configuration the
    /// director holds at that moment: no other transaction runs between the plan and the
    /// commit, so a reload's difference cannot be overtaken by an `lvsadm` command.
    /// Returns the commands applied, or the refusal (nothing applied). A throwing `plan`
    /// applies nothing.
    func transaction<Failure: Error>(
        now: MonotonicInstant, plan: (ConfigurationModel) throws(Failure) -> [AdminCommand]
    ) throws(Failure) -> Result<[AdminCommand], TransactionRefusal> {
        try transactions.withLock { (served) throws(Failure) -> Result<[AdminCommand], TransactionRefusal> in
            let current = shared.withDirector { $0.configuration }
            let commands = try plan(current)
            guard let engine else {
                let applied = shared.withDirector { director in Self.apply(commands, to: director, now: now) }
                if case .success = applied {
                    packetEngine?.forgetFlows()
                    recordWeightChanges(from: current, commands: commands)
                }
                return applied.map { commands }
            }
            for (index, command) in commands.enumerated() {
                if let refusal = Self.engineRefusal(of: command, packetEngine: packetEngine != nil) {
                    return .failure(TransactionRefusal(index: index, command: command, error: refusal))
                }
            }
            // The configuration after the batch, computed on a copy (the director re-checks).
            var candidate = current
            for (index, command) in commands.enumerated() {
                do throws(AdminError) {
                    try candidate.apply(command)
                } catch {
                    return .failure(TransactionRefusal(index: index, command: command, error: error))
                }
            }
            let desired = Self.servedServices(candidate, packetEngine: packetEngine != nil)
            var opened: [VirtualServiceID: [Int32]] = [:]
            for service in desired.subtracting(served.listening).sorted() {
                do throws(ListenerError) {
                    opened[service] = try engine.openListeners(for: service)
                } catch {
                    for fds in opened.values { Self.close(fds) }
                    let index = commands.firstIndex { Self.adds(service, $0) } ?? 0
                    let command =
                        index < commands.count ? commands[index] : .addService(VirtualServiceConfig(id: service))
                    return .failure(
                        TransactionRefusal(index: index, command: command, error: .notSupported(error.message)))
                }
            }
            // Sync daemons open their sockets before the commit, as listeners do.
            let daemons = SyncDaemonChange(from: current.syncDaemons, to: candidate.syncDaemons)
            if let refusal = startSyncDaemons(daemons, commands: commands) {
                for fds in opened.values { Self.close(fds) }
                return .failure(refusal)
            }
            // The packet engine's filter and nftables table follow the candidate before the commit
            // (as listeners are opened before it): a failure refuses the transaction.
            let previous = shared.withDirector { $0.configuration }
            if let packetEngine, let first = commands.first {
                do throws(PacketEngineError) {
                    try packetEngine.apply(candidate)
                } catch {
                    for fds in opened.values { Self.close(fds) }
                    try? packetEngine.apply(previous)
                    undoSyncDaemons(daemons)
                    return .failure(
                        TransactionRefusal(index: 0, command: first, error: .notSupported(error.description)))
                }
            }
            let applied = shared.withDirector { director in Self.apply(commands, to: director, now: now) }
            guard case .success = applied else {
                for fds in opened.values { Self.close(fds) }
                try? packetEngine?.apply(previous)
                undoSyncDaemons(daemons)
                return applied.map { commands }
            }
            // The workers' flow grants were made under the old configuration.
            packetEngine?.forgetFlows()
            for daemon in daemons.stopped { stopSyncDaemon(daemon.role) }
            for (service, fds) in opened { engine.adopt(service, fds: fds) }
            for service in served.listening.subtracting(desired) { engine.close(service) }
            served.listening = desired
            recordWeightChanges(from: current, commands: commands)
            if candidate.timeouts != served.timeouts {
                served.timeouts = candidate.timeouts
                engine.setTimeouts(candidate.timeouts)
            }
            return .success(commands)
        }
    }

    /// What the running engines cannot serve, refused with the fix named (DESIGN.md §1: never a
    /// silent fallback). `packetEngine` tells whether the packet engine runs (or, for
    /// `--check-config`, would run).
    static func engineRefusal(of command: AdminCommand, packetEngine: Bool = false) -> AdminError? {
        switch command {
        case .addService(let config), .editService(let config):
            // Firewall-mark services are accepted without the packet engine: the proxy engine uses
            // them as the groups of content-switched services (docs/design/0019); marked packets
            // reach them only through the packet engine.
            if config.id.protocolNumber == .sctp {
                return .notSupported("SCTP services are not served by lvsd: neither engine forwards SCTP")
            }
            if config.id.port == 0 && !config.id.isFirewallMark && !packetEngine {
                return .notSupported(
                    "Port-zero services are served by the packet engine only (run lvsd as root with --packet-engine, or a --config that uses -m/-g/-i real servers); the proxy engine needs a port"
                )
            }
            return nil
        case .addRealServer(let service, let server), .editRealServer(let service, let server):
            let method: String
            switch server.forwarding {
            case .proxy:
                // A firewall-mark service with proxy real servers is a content-switching group
                // (docs/design/0019): requests reach it through a content-switched service's rules.
                if !service.isFirewallMark && service.port == 0 {
                    return .notSupported(
                        "The proxy engine cannot serve a port-zero service: give the service a port, or use -m, -g or -i"
                    )
                }
                if server.transparentSource && !ProxyEngine.mayUseTransparentSource() {
                    return .notSupported(
                        "Transparent source needs CAP_NET_ADMIN (IP_TRANSPARENT): run lvsd as root or grant it that capability"
                    )
                }
                return nil
            case .masquerading: method = "Masquerading"
            case .directRouting, .localNode, .bypass: method = "Direct routing"
            case .tunnelling: method = "Tunnelling"
            }
            if packetEngine {
                // IPv4/IPv6 TCP/UDP services with these methods are the packet engine's.
                return nil
            }
            return .notSupported(
                "\(method) needs the packet engine: start lvsd as root with --packet-engine (a --config that uses it starts it by itself); or use --proxy"
            )
        case .deleteService, .clear, .deleteRealServer, .zero, .setTimeouts, .startDaemon, .stopDaemon,
            .setDirectorSettings:
            return nil
        }
    }

    /// True when `command` adds or edits a real server that only the packet engine forwards.
    static func needsPacketEngine(_ command: AdminCommand) -> Bool {
        switch command {
        case .addRealServer(_, let server), .editRealServer(_, let server):
            return server.forwarding != .proxy
        case .addService, .editService, .deleteService, .clear, .deleteRealServer, .zero, .setTimeouts, .startDaemon,
            .stopDaemon, .setDirectorSettings:
            return false
        }
    }

    /// The services the engine listens for: every TCP/UDP VIP:port service whose real servers
    /// use the proxy method (or that has none yet).
    /// With the packet engine running, a service without real servers is left to it (its VIP is
    /// often not a local address the proxy could bind).
    static func servedServices(_ configuration: ConfigurationModel, packetEngine: Bool = false)
        -> Set<VirtualServiceID>
    {
        var result = Set<VirtualServiceID>()
        for (id, entry) in configuration.services
        where !id.isFirewallMark && id.port != 0 && (id.protocolNumber == .tcp || id.protocolNumber == .udp)
            && entry.realServers.allSatisfy({ $0.forwarding == .proxy })
            && !(packetEngine && entry.realServers.isEmpty)
        {
            result.insert(id)
        }
        return result
    }

    private static func apply(_ commands: [AdminCommand], to director: Director, now: MonotonicInstant)
        -> Result<Void, TransactionRefusal>
    {
        do {
            try director.apply(batch: commands, now: now)
            return .success(())
        } catch {
            return .failure(TransactionRefusal(index: error.index, command: error.command, error: error.error))
        }
    }

    private static func adds(_ service: VirtualServiceID, _ command: AdminCommand) -> Bool {
        if case .addService(let config) = command { return config.id == service }
        return false
    }

    private static func close(_ fds: [Int32]) {
        for fd in fds { _ = Glibc.close(fd) }
    }
}

/// A refused transaction: nothing was applied; `index` names the first command refused.
struct TransactionRefusal: Error, Sendable {
    var index: Int
    var command: AdminCommand
    var error: AdminError
}
