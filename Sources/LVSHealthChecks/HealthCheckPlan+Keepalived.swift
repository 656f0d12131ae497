import LVSConfig
import LVSCore
import LVSHealth

// From keepalived.conf's parsed model to the runner's plan: defaults and inheritance of the
// checker parameters (reference §8.3-§8.5).
extension HealthCheckPlan {
    /// The plan for `configuration`, whose services and real servers are programmed by
    /// `commands` (its `adminCommands()`). Checkers this project does not run (PING_CHECK,
    /// FILE_CHECK, BFD_CHECK) are left out and named in `skipped`; their real servers are
    /// then judged by their other checkers only.
    public init(keepalived configuration: KeepalivedConfiguration, commands: [AdminCommand]) {
        var services: [VirtualServiceID] = []
        var realServers: [VirtualServiceID: [RealServerConfig]] = [:]
        for command in commands {
            switch command {
            case .addService(let service): services.append(service.id)
            case .addRealServer(let id, let server): realServers[id, default: []].append(server)
            case .editService, .deleteService, .clear, .editRealServer, .deleteRealServer, .zero, .setTimeouts,
                .startDaemon, .stopDaemon, .setDirectorSettings:
                break
            }
        }
        var specifications: [HealthVirtualServerSpecification] = []
        var probes: [HealthCheckerID: any HealthProbe] = [:]
        var skipped: [String] = []
        let scriptUser = configuration.globalDefinitions.scriptUser
        let script = { (command: ScriptCommand) in Self.script(command, scriptUser: scriptUser) }
        for vs in configuration.virtualServers {
            let ids = services.filter { Self.matches($0, vs.address, in: configuration) }
            guard let first = ids.first else { continue }
            let vsID = HealthVirtualServerID(vs.address.description)
            var spec = HealthVirtualServerSpecification(
                id: vsID, services: ids, quorum: vs.quorum ?? 1, hysteresis: vs.hysteresis ?? 0,
                quorumUp: vs.quorumUp.map(script), quorumDown: vs.quorumDown.map(script),
                sorryServerInhibit: vs.sorryServerInhibit, omega: vs.omega)
            if let sorry = vs.sorryServer {
                spec.sorryServer = RealServerConfig(
                    address: sorry.address, port: sorry.port ?? first.port,
                    forwarding: (sorry.forwarding ?? vs.forwarding ?? .keepalivedDefault).method, weight: 1)
            }
            let programmed = realServers[first] ?? []
            for rs in vs.realServers {
                guard
                    let config = programmed.first(where: {
                        $0.address == rs.address && (rs.port == nil || $0.port == rs.port)
                    })
                else { continue }
                let rsID = HealthRealServerID(virtualServer: vsID, realServer: config.key)
                var checkers: [CheckerSpecification] = []
                for checker in rs.checkers {
                    let id = HealthCheckerID(realServer: rsID, index: checkers.count)
                    guard
                        let probe = Self.probe(
                            checker, realServer: config, virtualhost: rs.virtualhost ?? vs.virtualhost,
                            scriptUser: scriptUser)
                    else {
                        skipped.append("\(checker.kind.rawValue) of \(rsID) (\(checker.location))")
                        continue
                    }
                    probes[id] = probe
                    checkers.append(
                        CheckerSpecification(
                            name: checker.kind.rawValue, schedule: Self.schedule(checker, rs, vs),
                            dynamicWeight: Self.isDynamic(checker)))
                }
                spec.realServers.append(
                    HealthRealServerSpecification(
                        config: config, inhibitOnFailure: rs.inhibitOnFailure ?? vs.inhibitOnFailure,
                        notifyUp: rs.notifyUp.map(script), notifyDown: rs.notifyDown.map(script),
                        checkers: checkers))
            }
            specifications.append(spec)
        }
        self.init(configuration: HealthConfiguration(virtualServers: specifications), probes: probes)
        self.skipped = skipped
    }

    /// A notify script with its own `user [group]`, else `script_user`'s.
    static func script(_ command: ScriptCommand, scriptUser: ScriptCommand?) -> NotifyScript {
        let identity = ScriptInvocation.identity(
            user: command.user, group: command.group, scriptUser: scriptUser?.user, scriptGroup: scriptUser?.group)
        return NotifyScript(command: command.command, user: identity.user, group: identity.group)
    }

    static func isDynamic(_ checker: HealthChecker) -> Bool {
        if case .misc(let misc) = checker.detail { return misc.dynamic }
        return false
    }

    /// Whether `service` is one of the services `address` stands for.
    static func matches(
        _ service: VirtualServiceID, _ address: VirtualServerAddress, in configuration: KeepalivedConfiguration
    ) -> Bool {
        switch address {
        case .endpoint(let ip, let port):
            return !service.isFirewallMark && service.address == ip && service.port == port
        case .firewallMark(let mark):
            return service.isFirewallMark && service.firewallMark == mark
        case .group(let name):
            guard let group = configuration.group(named: name) else { return false }
            return group.entries.contains { entry in
                switch entry {
                case .addressRange(let first, let last, let port):
                    return !service.isFirewallMark && service.port == port && first.family == service.address.family
                        && first <= service.address && service.address <= last
                case .firewallMark(let mark, _):
                    return service.isFirewallMark && service.firewallMark == mark
                }
            }
        }
    }

    /// keepalived's defaults per kind, overridden by the virtual server, then the real server,
    /// then the checker (reference §8.3 table, §8.5).
    static func schedule(_ checker: HealthChecker, _ rs: LVSConfig.RealServer, _ vs: LVSConfig.VirtualServer)
        -> CheckerSchedule
    {
        let levels = [checker.parameters, rs.checkerParameters, vs.checkerParameters]
        func pick<T>(_ key: KeyPath<CheckerParameters, T?>) -> T? { levels.lazy.compactMap { $0[keyPath: key] }.first }
        let delayLoop = pick(\.delayLoop) ?? .seconds(60)
        var connectTimeout = pick(\.connectTimeout) ?? .seconds(5)
        var retry: UInt32 = 1
        var delayBeforeRetry: Duration = .seconds(1)
        switch checker.kind {
        case .http, .ssl: delayBeforeRetry = .seconds(3)
        case .dns:
            retry = 3
            delayBeforeRetry = delayLoop
        case .misc:
            retry = 0
            if case .misc(let misc) = checker.detail { connectTimeout = misc.timeout ?? delayLoop }
        case .tcp, .udp, .smtp, .ping, .file, .bfd: break
        }
        return CheckerSchedule(
            delayLoop: delayLoop, connectTimeout: connectTimeout, retry: pick(\.retry) ?? retry,
            delayBeforeRetry: pick(\.delayBeforeRetry) ?? delayBeforeRetry, warmup: pick(\.warmup) ?? delayLoop,
            alpha: pick(\.alpha) ?? false)
    }

    /// The probe of one checker block; nil for the kinds not run here.
    static func probe(
        _ checker: HealthChecker, realServer: RealServerConfig, virtualhost: String?, scriptUser: ScriptCommand? = nil
    ) -> (
        any HealthProbe
    )? {
        let endpoint = ProbeEndpoint(
            address: checker.connectIP ?? realServer.address, port: checker.connectPort ?? realServer.port,
            bindAddress: checker.bindTo, bindPort: checker.bindPort)
        switch (checker.kind, checker.detail) {
        case (.tcp, _):
            return TCPProbe(endpoint: endpoint)
        case (.http, let detail), (.ssl, let detail):
            var http = HTTPCheck()
            if case .http(let value) = detail { http = value }
            let urls = http.urls.map { url in
                HTTPURLCheck(
                    path: url.path ?? "/", statusCodes: url.statusCodes, digest: url.digest,
                    virtualhost: url.virtualhost)
            }
            let version = http.httpProtocol.flatMap(HTTPProbe.Version.init(rawValue:)) ?? .http10
            return HTTPProbe(
                endpoint: endpoint, urls: urls, virtualhost: http.virtualhost ?? virtualhost, version: version,
                tls: checker.kind == .ssl, enableSNI: http.enableSNI)
        case (.udp, let detail):
            var udp = UDPCheck()
            if case .udp(let value) = detail { udp = value }
            var random = SystemRandomNumberGenerator()
            let payload = udp.payload ?? (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
            return UDPProbe(
                endpoint: endpoint, payload: payload, requireReply: udp.requireReply, replyPattern: udp.replyPattern,
                minReplyLength: Int(udp.minReplyLength ?? 0), maxReplyLength: Int(udp.maxReplyLength ?? 255))
        case (.dns, let detail):
            var dns = DNSCheck()
            if case .dns(let value) = detail { dns = value }
            return DNSProbe(endpoint: endpoint, queryName: dns.name, queryType: dns.type)
        case (.smtp, let detail):
            var helo = "smtpchecker.keepalived.org"
            if case .smtp(let smtp) = detail, let name = smtp.heloName { helo = name }
            return SMTPProbe(endpoint: endpoint, heloName: helo)
        case (.misc, let detail):
            guard case .misc(let misc) = detail, let path = misc.path else { return nil }
            let identity = ScriptInvocation.identity(
                user: path.user, group: path.group, scriptUser: scriptUser?.user, scriptGroup: scriptUser?.group)
            return MiscProbe(command: path.command, dynamic: misc.dynamic, user: identity.user, group: identity.group)
        case (.ping, _), (.file, _), (.bfd, _):
            return nil
        }
    }
}
