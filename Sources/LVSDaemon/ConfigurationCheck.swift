import LVSConfig
import LVSCore

/// `lvsd --check-config FILE`: everything `lvsd --config FILE` would find wrong, found without
/// starting anything — no control socket, no listener, no checker, no packet.
///
/// Three passes, each only when the one before found no error: the parser's diagnostics (syntax,
/// keywords, cross-checks); the director's own validation of the commands on an empty table
/// (what `-A`/`-a` would refuse); and, unless `dryRun`, what neither engine can serve (a
/// an SCTP service, say). The file's content is judged, not this start: a real server
/// that needs the packet engine is valid, and a note says what `lvsd --config` will need for
/// it (root, nft). A refusal or note is reported at the `virtual_server` or `real_server` it
/// came from.
public struct ConfigurationCheck: Sendable {
    public var path: String
    /// Errors and warnings, in the order found.
    public var diagnostics: [ConfigurationDiagnostic]

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    /// 1 when there is any error; warnings alone leave it 0.
    public var exitStatus: Int32 { errorCount > 0 ? 1 : 0 }

    /// Every diagnostic on its own line, then the summary line; ends with a newline.
    public var report: String {
        var text = ""
        for diagnostic in diagnostics { text += diagnostic.description + "\n" }
        text += ConfigurationFile.summary(path: path, diagnostics: diagnostics) + "\n"
        return text
    }

    /// Checks `file`.
    /// - Parameter dryRun: the daemon would run with `--dry-run`, which serves nothing, so engine
    ///   capabilities are not checked.
    public static func run(_ file: ConfigurationFile, dryRun: Bool) -> ConfigurationCheck {
        let parsed = file.load()
        var diagnostics = parsed.diagnostics
        if !parsed.hasErrors {
            diagnostics += refusals(of: parsed.configuration, dryRun: dryRun, path: file.path)
        }
        return ConfigurationCheck(path: file.path, diagnostics: diagnostics)
    }

    /// What the director (and the engine, unless `dryRun`) would refuse when the configuration
    /// is applied to an empty table.
    static func refusals(
        of configuration: KeepalivedConfiguration, dryRun: Bool, path: String
    ) -> [ConfigurationDiagnostic] {
        let commands: [AdminCommand]
        do {
            commands = try configuration.adminCommands()
        } catch {
            return error.diagnostics
        }
        let content = ContentSwitchConfiguration.services(for: configuration)
        var diagnostics: [ConfigurationDiagnostic] = content.diagnostics
        // Firewall-mark services named as content-switching groups (docs/design/0019).
        var groups: [UInt32: String] = [:]
        for service in content.services {
            for (name, mark) in service.groups { groups[mark] = "group \(name) of content-switched \(service.service)" }
        }
        var model = ConfigurationModel(knownSchedulers: Set(SchedulerRegistry.names))
        var packetServices: [(VirtualServiceID, AdminCommand)] = []
        var refusedServices = Set<VirtualServiceID>()
        for command in commands {
            if case .addRealServer(let service, _) = command, refusedServices.contains(service) { continue }
            if !dryRun, let refusal = DirectorHost.engineRefusal(of: command, packetEngine: true) {
                diagnostics.append(
                    diagnostic(for: command, error: refusal, in: configuration, path: path))
                if case .addService(let config) = command { refusedServices.insert(config.id) }
                continue
            }
            if case .addRealServer(let service, let server) = command, service.isFirewallMark,
                server.forwarding == .proxy, groups[service.firewallMark] == nil
            {
                diagnostics.append(
                    diagnostic(
                        for: command,
                        error: .notSupported(
                            "The proxy engine serves a firewall-mark service only as a content-switching group: name it in a content_switch block (group NAME \(service.firewallMark)), or use -m, -g or -i"
                        ), in: configuration, path: path))
                continue
            }
            if !dryRun, case .addService(let config) = command, config.id.isFirewallMark,
                let group = groups[config.id.firewallMark]
            {
                let location =
                    configuration.location(of: command) ?? ConfigurationLocation(file: path, line: 1, column: 1)
                diagnostics.append(
                    ConfigurationDiagnostic(
                        .note, location, "\(config.id) is the \(group): only its rules send requests to it"))
            } else if !dryRun, case .addService(let config) = command, config.id.isFirewallMark {
                let location =
                    configuration.location(of: command) ?? ConfigurationLocation(file: path, line: 1, column: 1)
                diagnostics.append(
                    ConfigurationDiagnostic(
                        .note, location,
                        "\(config.id) takes the TCP and UDP packets that netfilter marks \(config.id.firewallMark) to an address of this director: set the mark in the mangle table's PREROUTING chain and make the virtual addresses local, as for IPVS (docs/packet-engine.md)"
                    ))
            }
            if !dryRun, DirectorHost.needsPacketEngine(command), case .addRealServer(let service, _) = command,
                !packetServices.contains(where: { $0.0 == service })
            {
                packetServices.append((service, command))
            }
            do throws(AdminError) {
                try model.apply(command)
            } catch {
                diagnostics.append(diagnostic(for: command, error: error, in: configuration, path: path))
            }
        }
        if let (first, command) = packetServices.first {
            let location = configuration.location(of: command) ?? ConfigurationLocation(file: path, line: 1, column: 1)
            let others = packetServices.count - 1
            let subject =
                others == 0
                ? "\(first) is" : "\(first) and \(others) more virtual service\(others == 1 ? "" : "s") are"
            diagnostics.append(
                ConfigurationDiagnostic(
                    .note, location,
                    "\(subject) served by the packet engine: lvsd --config starts it, which needs root (CAP_NET_RAW and CAP_NET_ADMIN) and nft; its interfaces are chosen from the routes unless --interface names them"
                ))
        }
        return diagnostics
    }

    /// A refused command as an error at the place in the file it came from.
    static func diagnostic(
        for command: AdminCommand, error: AdminError, in configuration: KeepalivedConfiguration, path: String
    ) -> ConfigurationDiagnostic {
        let location = configuration.location(of: command) ?? ConfigurationLocation(file: path, line: 1, column: 1)
        return ConfigurationDiagnostic(
            .error, location, "\(DirectorHost.summary(of: command)) refused: \(error.ipvsadmMessage(for: command))")
    }
}
