import LVSCore

extension IPVSAdminParser {
    /// The checks ipvsadm makes after reading every option (its `process_options`), in its
    /// order, then the typed invocation.
    func build(
        _ state: CommandLineState, timeouts: TimeoutSettings, schedulerFlags: SchedulerFlags,
        readingRestoreInput: Bool
    ) throws(IPVSAdminUsageError) -> IPVSAdminInvocation {
        if let error = OptionMatrix.check(state.command, state.given) { throw error }

        switch state.command {
        case .addService, .editService:
            let config = try serviceConfig(state, schedulerFlags: schedulerFlags)
            return .command(state.command == .addService ? .addService(config) : .editService(config))
        case .deleteService:
            return .command(.deleteService(try requiredServiceID(state)))
        case .flush:
            return .command(.clear)
        case .list:
            return .list(try listOptions(state))
        case .addServer, .editServer:
            let id = try requiredServiceID(state)
            let server = try realServerConfig(state, service: id)
            return .command(state.command == .addServer ? .addRealServer(id, server) : .editRealServer(id, server))
        case .deleteServer:
            let id = try requiredServiceID(state)
            guard let address = state.serverAddress else {
                throw .validation("You need to supply the 'real-server' option for the 'delete-server' command")
            }
            return .command(.deleteRealServer(id, RealServerKey(address: address, port: state.serverPort)))
        case .setTimeouts:
            return .command(.setTimeouts(timeouts))
        case .startDaemon:
            return .command(.startDaemon(daemonConfig(state)))
        case .stopDaemon:
            return .command(.stopDaemon(state.daemonRole))
        case .restore:
            // `-R` inside restore input would loop; ipvsadm stops with the usage hint.
            if readingRestoreInput { throw tryHelp }
            return .restore
        case .save:
            return .save(numeric: state.list.numeric)
        case .zero:
            return .command(.zero(state.serviceID))
        }
    }

    /// The matrix makes the selector compulsory for these commands; this only guards the type.
    private func requiredServiceID(_ state: CommandLineState) throws(IPVSAdminUsageError) -> VirtualServiceID {
        guard let id = state.serviceID else {
            throw .validation("You need to supply the 'service-address' option for the '\(state.command.name)' command")
        }
        return id
    }

    /// `-A`/`-E` (reference §1.4): every parameter comes from this line, defaults otherwise.
    private func serviceConfig(
        _ state: CommandLineState, schedulerFlags: SchedulerFlags
    ) throws(IPVSAdminUsageError) -> VirtualServiceConfig {
        let id = try requiredServiceID(state)
        if !id.isFirewallMark && id.port == 0 && state.persistenceTimeout == nil {
            throw .validation("Zero port specified for non-persistent service")
        }
        if state.onePacket && !id.isFirewallMark && id.protocolNumber != .udp {
            throw .validation("One-Packet Scheduling is only for UDP virtual services")
        }
        return VirtualServiceConfig(
            id: id,
            scheduler: state.schedulerName.isEmpty ? VirtualServiceConfig.defaultScheduler : state.schedulerName,
            schedulerFlags: schedulerFlags,
            persistenceTimeout: state.persistenceTimeout,
            netmask: state.netmask,
            onePacketScheduling: state.onePacket,
            persistenceEngine: state.persistenceEngine.isEmpty ? nil : state.persistenceEngine)
    }

    /// `-a`/`-e` (reference §1.5): a complete record, so `-e` resets what it does not name.
    private func realServerConfig(
        _ state: CommandLineState, service id: VirtualServiceID
    ) throws(IPVSAdminUsageError) -> RealServerConfig {
        guard let address = state.serverAddress else {
            throw .validation("You need to supply the 'real-server' option for the '\(state.command.name)' command")
        }
        var port = state.serverPort
        let keepsOwnPort: Bool
        switch state.forwarding {
        case .directRouting, .tunnelling, .localNode, .bypass: keepsOwnPort = false
        case .masquerading, .proxy: keepsOwnPort = true
        }
        // Direct routing and tunnelling cannot change the port: ipvsadm forces the service's.
        if !id.isFirewallMark && !keepsOwnPort { port = id.port }
        if state.serverFamily != id.family && state.forwarding != .tunnelling {
            throw .validation("Different address family is allowed only for tunneling servers")
        }
        let tunnelColumns: [OptionColumn] = [
            .tunnelType, .tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum,
        ]
        if tunnelColumns.contains(where: state.given.contains) && state.forwarding != .tunnelling {
            throw .validation("Tunnel options conflict with forward method")
        }
        if let error = OptionMatrix.checkTunnel(state.tunnelType, state.given) { throw error }
        if (state.given.contains(.proxyProtocol) || state.given.contains(.transparent)) && state.forwarding != .proxy {
            throw .validation("Proxy options conflict with forward method")
        }
        return RealServerConfig(
            address: address, port: port, forwarding: state.forwarding, weight: state.weight,
            upperThreshold: state.upperThreshold, lowerThreshold: state.lowerThreshold,
            tunnelType: state.tunnelType, tunnelPort: state.tunnelPort, tunnelChecksum: state.tunnelChecksum,
            proxyProtocol: state.proxyProtocol, transparentSource: state.transparentSource)
    }

    /// `-L` (reference §1.6): the exclusive group is in the matrix; these pairs are checked after.
    private func listOptions(_ state: CommandLineState) throws(IPVSAdminUsageError) -> ListOptions {
        let list = state.list
        let table = list.connections || list.timeout || list.daemon
        let counters = list.stats || list.rate || list.thresholds
        if (table && counters) || ((list.timeout || list.daemon) && list.persistentConnections) {
            throw .validation("options conflicts in the list command")
        }
        var options = list
        options.service = state.given.contains(.serviceAddress) ? state.serviceID : nil
        return options
    }

    /// `--start-daemon` (reference §1.7): ipvsadm fills in only the interface (`eth0`).
    private func daemonConfig(_ state: CommandLineState) -> SyncDaemonConfig {
        SyncDaemonConfig(
            role: state.daemonRole,
            multicastInterface: state.multicastInterface.isEmpty ? "eth0" : state.multicastInterface,
            syncID: state.syncID, maxLength: state.syncMaxLength, multicastGroup: state.multicastGroup,
            multicastPort: state.multicastPort, multicastTTL: state.multicastTTL)
    }
}
