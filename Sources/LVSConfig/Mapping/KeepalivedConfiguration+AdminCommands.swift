import LVSCore

/// A configuration with errors cannot be turned into commands.
public struct KeepalivedConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every error found (warnings are not included).
    public var diagnostics: [ConfigurationDiagnostic]

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension KeepalivedConfiguration {
    /// The commands that build this configuration on an empty director, in order: timeouts,
    /// then each service followed by its real servers, in file order (never `.clear`; honouring
    /// `lvs_flush` is the caller's decision). Applied as one batch to a `Director`, the table
    /// saves (`lvsadm -S -n`) as keepalived would have programmed IPVS with every real server up.
    public func adminCommands() throws(KeepalivedConfigurationError) -> [AdminCommand] {
        let services = try resolvedServices()
        var commands: [AdminCommand] = []
        if let timeouts = globalDefinitions.lvsTimeouts { commands.append(.setTimeouts(timeouts)) }
        for service in services {
            commands.append(.addService(service.config))
            for server in service.realServers { commands.append(.addRealServer(service.config.id, server)) }
        }
        return commands
    }

    /// The resolved services, or every error found while resolving.
    func resolvedServices() throws(KeepalivedConfigurationError) -> [ResolvedService] {
        let (services, diagnostics) = resolve()
        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw KeepalivedConfigurationError(diagnostics: errors) }
        return services
    }
}
