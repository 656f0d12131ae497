import LVSCore

/// Reads keepalived.conf-style files into a `KeepalivedConfiguration` (docs/configuration.md).
///
/// Contract: never traps and never stops at the first mistake: every problem it can get past
/// is collected as a diagnostic with file, line and column, and parsing goes on. The
/// configuration in the result holds everything that could be understood; use it only when
/// `hasErrors` is false.
public struct KeepalivedConfigurationParser: Sendable {
    public var fileSystem: any ConfigurationFileSystem
    /// How deep `include` may nest.
    public var maximumIncludeDepth: Int
    /// keepalived's `--config-id`: which `@ID` lines count (the daemon passes the short host
    /// name unless `lvsd --config-id` says otherwise, as keepalived does).
    public var configurationID: String?

    public static let defaultMaximumIncludeDepth = 8

    public init(
        fileSystem: any ConfigurationFileSystem, maximumIncludeDepth: Int = defaultMaximumIncludeDepth,
        configurationID: String? = nil
    ) {
        self.fileSystem = fileSystem
        self.maximumIncludeDepth = maximumIncludeDepth
        self.configurationID = configurationID
    }

    /// Parses the file at `path` and everything it includes.
    public func parse(path: String) -> KeepalivedParseResult {
        var log = DiagnosticLog()
        let nodes = reader.read(path: path, diagnostics: &log)
        return finish(nodes, log: log)
    }

    /// Parses `text` as if it were the file `fileName` (includes are read from `fileSystem`).
    public func parse(text: String, fileName: String = "keepalived.conf") -> KeepalivedParseResult {
        var log = DiagnosticLog()
        let nodes = reader.read(text: text, file: fileName, diagnostics: &log)
        return finish(nodes, log: log)
    }

    private var reader: ConfigurationReader {
        ConfigurationReader(
            fileSystem: fileSystem, maximumIncludeDepth: maximumIncludeDepth, configurationID: configurationID)
    }

    private func finish(_ nodes: [ConfigurationNode], log: DiagnosticLog) -> KeepalivedParseResult {
        var builder = ConfigurationBuilder(log: log)
        builder.build(nodes)
        let configuration = builder.configuration
        var diagnostics = builder.log.entries
        // Cross-checks that need the whole file (groups, defaults, duplicates): reference §8.3.
        diagnostics += configuration.resolve().diagnostics
        return KeepalivedParseResult(configuration: configuration, diagnostics: Self.unique(diagnostics))
    }

    /// A group expands one virtual server into several services; a problem seen in each is
    /// reported once.
    private static func unique(_ diagnostics: [ConfigurationDiagnostic]) -> [ConfigurationDiagnostic] {
        var seen = Set<ConfigurationDiagnostic>()
        return diagnostics.filter { seen.insert($0).inserted }
    }
}

/// What `KeepalivedConfigurationParser` found.
public struct KeepalivedParseResult: Sendable {
    public var configuration: KeepalivedConfiguration
    /// Errors and warnings in the order they were found.
    public var diagnostics: [ConfigurationDiagnostic]

    public var errors: [ConfigurationDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [ConfigurationDiagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Turns the statement tree into the typed model, one block kind per extension file.
struct ConfigurationBuilder {
    var log: DiagnosticLog
    var configuration = KeepalivedConfiguration()
    /// Where VRRP keywords were written, for the checks that need the whole file.
    var vrrpNotes = VRRPParseNotes()

    /// Top-level blocks of capabilities not built yet: read for syntax only.
    static let unsupportedTopLevel: Set<String> = [
        "static_ipaddress", "static_routes", "static_rules", "linkbeat_interfaces", "bfd_instance", "SSL",
    ]

    /// Top-level blocks of keepalived's VRRP that lvsd will not implement (reference §8.6).
    static let unsupportedVRRPTopLevel: Set<String> = [
        "vrrp_track_process", "vrrp_track_file", "track_file", "track_process", "garp_group", "track_group",
    ]

    mutating func build(_ nodes: [ConfigurationNode]) {
        for node in nodes {
            switch node.name {
            case "global_defs":
                guard let block = requireBlock(node) else { continue }
                parseGlobalDefinitions(block)
            case "virtual_server_group":
                parseVirtualServerGroup(node)
            case "virtual_server":
                parseVirtualServer(node)
            case "vrrp_instance":
                parseVRRPInstance(node)
            case "vrrp_script":
                parseVRRPScript(node)
            case "vrrp_sync_group":
                parseVRRPSyncGroup(node)
            case "bgp_announce":
                parseBGPAnnounce(node)
            default:
                if Self.unsupportedVRRPTopLevel.contains(node.name) {
                    log.warning(node.location, "\(node.name) is not supported by lvsd; the block is ignored")
                    configuration.unsupportedBlocks.append(
                        UnsupportedBlock(
                            keyword: node.name, arguments: node.arguments.map(\.text), location: node.location))
                } else if Self.unsupportedTopLevel.contains(node.name) {
                    log.warning(
                        node.location,
                        "\(node.name) is not yet supported; the block is read for syntax only and ignored")
                    configuration.unsupportedBlocks.append(
                        UnsupportedBlock(
                            keyword: node.name, arguments: node.arguments.map(\.text), location: node.location))
                } else {
                    unknown(node, in: "the top level")
                }
            }
        }
        checkVRRP()
    }

    mutating func unknown(_ node: ConfigurationNode, in context: String) {
        log.warning(node.location, "unknown keyword \"\(node.name)\" in \(context); it is ignored (check the spelling)")
    }

    /// The block of `node`, or nil with an error when it has none.
    mutating func requireBlock(_ node: ConfigurationNode) -> [ConfigurationNode]? {
        if let block = node.block { return block }
        log.error(node.location, "\(node.name) needs a block: \(node.name) … { … }")
        return nil
    }
}
