/// One word of a configuration file, with where it was written.
public struct ConfigurationToken: Sendable, Hashable, CustomStringConvertible {
    /// The word, without quotes and with escapes resolved.
    public var text: String
    public var location: ConfigurationLocation
    /// Written between double quotes: never a brace, a comment or a keyword.
    public var isQuoted: Bool

    public init(text: String, location: ConfigurationLocation, isQuoted: Bool = false) {
        self.text = text
        self.location = location
        self.isQuoted = isQuoted
    }

    var isOpenBrace: Bool { !isQuoted && text == "{" }
    var isCloseBrace: Bool { !isQuoted && text == "}" }

    public var description: String { isQuoted ? "\"\(text)\"" : text }
}

/// One statement of the file: a keyword, its arguments on the same (logical) line, and the
/// statements of its `{ }` block when it has one (keepalived.conf(5): blocks of sub-blocks).
public struct ConfigurationNode: Sendable, Hashable {
    public var keyword: ConfigurationToken
    public var arguments: [ConfigurationToken]
    /// nil when the statement has no block; the location is that of its `{`.
    public var block: [ConfigurationNode]?
    public var blockLocation: ConfigurationLocation?

    public init(
        keyword: ConfigurationToken, arguments: [ConfigurationToken] = [], block: [ConfigurationNode]? = nil,
        blockLocation: ConfigurationLocation? = nil
    ) {
        self.keyword = keyword
        self.arguments = arguments
        self.block = block
        self.blockLocation = blockLocation
    }

    public var name: String { keyword.text }
    public var location: ConfigurationLocation { keyword.location }
}
