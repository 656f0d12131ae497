/// The Prometheus text exposition format, version 0.0.4 (docs/metrics.md, "Format"): families
/// with `# HELP` and `# TYPE`, then their samples, each family's samples together.
///
/// Contract: declare a family with `declare` before adding its samples; families are written in
/// the order they were declared, samples in the order they were added. Bad input never traps:
/// a sample whose family was not declared, whose name or a label name is not a valid
/// Prometheus name, or whose label set the family already holds (a duplicate series, which
/// Prometheus refuses) is left out and counted in `rejectedSamples`. Families without samples are
/// not written.
public struct PrometheusTextWriter: Sendable {
    /// The content type of what `render` returns.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private var families: [MetricFamily] = []
    private var familyIndex: [String: Int] = [:]
    /// Samples left out (see the contract); the exporter reports them as a metric of its own.
    public private(set) var rejectedSamples = 0

    public init() {}

    /// Declares a family; declaring a name again keeps the first declaration.
    public mutating func declare(_ name: String, _ type: MetricType, help: String) {
        guard familyIndex[name] == nil else { return }
        familyIndex[name] = families.count
        families.append(MetricFamily(name: name, type: type, help: help))
    }

    /// Adds one sample of a declared family. Label order is kept as given.
    public mutating func add(_ name: String, _ labels: [(String, String)] = [], _ value: MetricValue) {
        guard let index = familyIndex[name], Self.isValidMetricName(name),
            labels.allSatisfy({ Self.isValidLabelName($0.0) })
        else {
            rejectedSamples += 1
            return
        }
        let key = Self.seriesKey(labels)
        guard families[index].seriesKeys.insert(key).inserted else {
            rejectedSamples += 1
            return
        }
        families[index].samples.append(MetricSample(labels: labels, value: value))
    }

    /// The exposition text: every family with samples, each line ending in a newline.
    public func render() -> String {
        var text = ""
        for family in families where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for sample in family.samples {
                text += family.name
                if !sample.labels.isEmpty {
                    text += "{"
                    text += sample.labels.map { "\($0.0)=\"\(Self.escapeLabelValue($0.1))\"" }.joined(separator: ",")
                    text += "}"
                }
                text += " \(sample.value.text)\n"
            }
        }
        return text
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (the data model's metric name).
    public static func isValidMetricName(_ name: String) -> Bool {
        isValidName(name, allowColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, and not starting with `__` (reserved for Prometheus itself).
    public static func isValidLabelName(_ name: String) -> Bool {
        isValidName(name, allowColon: false) && !name.hasPrefix("__")
    }

    private static func isValidName(_ name: String, allowColon: Bool) -> Bool {
        guard let first = name.utf8.first else { return false }
        func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func allowed(_ c: UInt8) -> Bool { isLetter(c) || (allowColon && c == 0x3A) }
        return allowed(first) && name.utf8.dropFirst().allSatisfy { allowed($0) || isDigit($0) }
    }

    /// A label value: backslash, double quote and line feed escaped (format 0.0.4).
    public static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A help text: backslash and line feed escaped (a double quote stays as it is).
    public static func escapeHelp(_ help: String) -> String {
        var escaped = ""
        for character in help.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Two label sets are the same series when they hold the same pairs, whatever their order.
    private static func seriesKey(_ labels: [(String, String)]) -> String {
        labels.sorted { $0.0 < $1.0 }.map { "\($0.0)\u{0}\($0.1)" }.joined(separator: "\u{1}")
    }
}

/// Counter or gauge: the only two types the daemon exports.
public enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
}

/// A sample's value, kept exact: 64-bit counters above 2^53 would lose digits as a Double.
public enum MetricValue: Sendable, Hashable {
    case unsigned(UInt64)
    case signed(Int64)
    case double(Double)

    /// 1 for true, 0 for false.
    public static func flag(_ value: Bool) -> MetricValue { .unsigned(value ? 1 : 0) }

    /// The value as the format writes it: integers in decimal; `+Inf`, `-Inf` and `NaN` by those
    /// names; other floating-point values in the shortest form that reads back the same
    /// (Go's ParseFloat, which Prometheus uses, accepts it).
    public var text: String {
        switch self {
        case .unsigned(let value): return String(value)
        case .signed(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
            if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
                return String(Int64(value))
            }
            return "\(value)"
        }
    }
}

struct MetricFamily: Sendable {
    var name: String
    var type: MetricType
    var help: String
    var samples: [MetricSample] = []
    var seriesKeys: Set<String> = []
}

struct MetricSample: Sendable {
    var labels: [(String, String)]
    var value: MetricValue
}
