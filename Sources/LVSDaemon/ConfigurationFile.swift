import Glibc
import LVSConfig
import LVSCore

/// The keepalived.conf-style file given to `lvsd --config FILE` (docs/configuration.md §10):
/// read at start as one transaction, read again on SIGHUP or `lvsadm --reload`.
///
/// Contract: `load()` reads the file every time it is called (a reload sees the file as it is
/// now) and never traps on any content; what it returns is either every diagnostic with no
/// usable configuration (errors) or the configuration with its warnings.
public struct ConfigurationFile: Sendable {
    public var path: String
    public var fileSystem: any ConfigurationFileSystem
    /// Which `@ID` lines count (`lvsd --config-id`, keepalived's `-i`); nil: the short host name.
    public var configurationID: String?

    public init(
        path: String, fileSystem: any ConfigurationFileSystem = SystemFileSystem(), configurationID: String? = nil
    ) {
        self.path = path
        self.fileSystem = fileSystem
        self.configurationID = configurationID
    }

    /// Parses the file and everything it includes.
    public func load() -> KeepalivedParseResult {
        KeepalivedConfigurationParser(
            fileSystem: fileSystem, configurationID: configurationID ?? Self.shortHostName()
        ).parse(path: path)
    }

    /// The host name up to its first dot: keepalived's default configuration id.
    static func shortHostName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let name = String(cString: buffer)
        return name.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init)
    }

    /// `keepalived.conf: 2 errors, 1 warning`: the last line of `lvsd --check-config`.
    public static func summary(path: String, diagnostics: [ConfigurationDiagnostic]) -> String {
        let errors = diagnostics.count { $0.severity == .error }
        let warnings = diagnostics.count { $0.severity == .warning }
        return "\(path): \(counted(errors, "error")), \(counted(warnings, "warning"))"
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}

/// A configuration file the daemon refuses to start with or to reload: every diagnostic, in
/// the compiler form `FILE:LINE:COLUMN: error|warning: MESSAGE`, then the summary line.
public struct ConfigurationFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var diagnostics: [ConfigurationDiagnostic]

    public init(path: String, diagnostics: [ConfigurationDiagnostic]) {
        self.path = path
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line, then the summary (no trailing newline).
    public var description: String {
        (diagnostics.map(\.description) + [ConfigurationFile.summary(path: path, diagnostics: diagnostics)])
            .joined(separator: "\n")
    }
}

// Where in the file a command came from, so that a refusal by the director or the engine is
// reported like a parse error (file:line:column) rather than as a bare ipvsadm message.
extension KeepalivedConfiguration {
    /// The `virtual_server` (or `real_server` inside it) that produced `command`; nil when
    /// nothing matches (for example `.setTimeouts`, located at `global_defs` by the caller).
    func location(of command: AdminCommand) -> ConfigurationLocation? {
        switch command {
        case .addService(let config), .editService(let config):
            return virtualServer(for: config.id)?.location
        case .deleteService(let id):
            return virtualServer(for: id)?.location
        case .addRealServer(let id, let server), .editRealServer(let id, let server):
            return location(of: server.key, in: id)
        case .deleteRealServer(let id, let key):
            return location(of: key, in: id)
        case .clear, .zero, .setTimeouts, .startDaemon, .stopDaemon, .setDirectorSettings:
            return nil
        }
    }

    private func location(of key: RealServerKey, in id: VirtualServiceID) -> ConfigurationLocation? {
        guard let vs = virtualServer(for: id) else { return nil }
        // A real_server without a port takes the service's (reference §8.4).
        let server = vs.realServers.first { $0.address == key.address && ($0.port ?? id.port) == key.port }
        return server?.location ?? vs.location
    }

    private func virtualServer(for id: VirtualServiceID) -> VirtualServer? {
        virtualServers.first { vs in
            switch vs.address {
            case .endpoint(let address, let port):
                return !id.isFirewallMark && address == id.address && port == id.port
            case .firewallMark(let mark):
                return id.isFirewallMark && mark == id.firewallMark
            case .group(let name):
                guard let group = group(named: name) else { return false }
                return group.entries.contains { entry in
                    switch entry {
                    case .addressRange(let first, let last, let port):
                        return !id.isFirewallMark && port == id.port && first.family == id.address.family
                            && first <= id.address && id.address <= last
                    case .firewallMark(let mark, _):
                        return id.isFirewallMark && mark == id.firewallMark
                    }
                }
            }
        }
    }
}
