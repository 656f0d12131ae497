import Foundation
import IPVSAdmin
import LVSCore
import Testing

@testable import LVSConfig

enum Support {
    /// The copied `Configurations` resource directory.
    static func configurationsDirectory() throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Configurations", withExtension: nil))
        return url.path
    }

    /// Parses `text` as `keepalived.conf` with `files` as the rest of an in-memory file system.
    static func parse(_ text: String, files: [String: String] = [:]) -> KeepalivedParseResult {
        var all = files
        all["keepalived.conf"] = text
        return KeepalivedConfigurationParser(fileSystem: InMemoryFileSystem(all)).parse(path: "keepalived.conf")
    }

    /// The diagnostics as text lines.
    static func lines(_ result: KeepalivedParseResult) -> [String] {
        result.diagnostics.map(\.description)
    }

    /// A director after `commands` as one batch.
    static func director(_ commands: [AdminCommand]) throws -> Director {
        let director = Director(seed: 1)
        try director.apply(batch: commands, now: .zero)
        return director
    }

    /// What `lvsadm -S -n` prints for the director after `commands`.
    static func save(_ commands: [AdminCommand]) throws -> String {
        let director = try director(commands)
        return IPVSAdminFormatter(resolver: NumericResolver()).save(director.snapshot(), numeric: true)
    }

    static func save(_ director: Director) -> String {
        IPVSAdminFormatter(resolver: NumericResolver()).save(director.snapshot(), numeric: true)
    }
}
