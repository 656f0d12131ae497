/// Where a token came from: the file (as it was named in the top-level path or the `include`
/// that reached it), the line and the column, both counted from 1.
public struct ConfigurationLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `keepalived.conf:12:5`
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: ConfigurationLocation, rhs: ConfigurationLocation) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.line != rhs.line { return lhs.line < rhs.line }
        return lhs.column < rhs.column
    }
}

/// One problem found in a configuration. Errors make the configuration unusable; warnings
/// describe what was ignored or defaulted, as keepalived logs them; notes say what a start
/// with this configuration will need or do (root for the packet engine, say), which is no fault
/// of the file.
///
/// The text form is the compiler convention editors understand:
/// `keepalived.conf:12:5: error: unknown lb_kind "NATT"; use NAT, DR, TUN or PROXY`.
public struct ConfigurationDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
        case note
    }

    public var severity: Severity
    public var location: ConfigurationLocation
    /// What is wrong and how to fix it.
    public var message: String

    public init(_ severity: Severity, _ location: ConfigurationLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Collects diagnostics while parsing goes on: a mistake never stops the parse when the
/// rest of the file can still be read.
struct DiagnosticLog {
    private(set) var entries: [ConfigurationDiagnostic] = []

    mutating func error(_ location: ConfigurationLocation, _ message: String) {
        entries.append(ConfigurationDiagnostic(.error, location, message))
    }

    mutating func warning(_ location: ConfigurationLocation, _ message: String) {
        entries.append(ConfigurationDiagnostic(.warning, location, message))
    }

    mutating func append(contentsOf other: [ConfigurationDiagnostic]) {
        entries.append(contentsOf: other)
    }
}
