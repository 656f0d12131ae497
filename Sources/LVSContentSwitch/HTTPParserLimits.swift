/// Size limits of the request head parser and chunked-body scanner (docs/design/0018). Defaults
/// follow common practice (HAProxy's 16 KiB buffer, nginx's 8 KiB request line).
public struct HTTPParserLimits: Sendable, Hashable {
    /// Longest request line, CRLF excluded; beyond it 414. Never above `maximumHeadLength`, so that
    /// a request split anywhere is refused for the same reason as the whole request.
    public let maximumRequestLineLength: Int
    /// Most header fields; beyond it 431.
    public let maximumHeaderCount: Int
    /// Longest head, request line through the final empty line; beyond it 431.
    public let maximumHeadLength: Int
    /// Longest chunk-size line (size and extensions, CRLF excluded).
    public let maximumChunkSizeLineLength: Int
    /// Longest trailer section.
    public let maximumTrailerLength: Int

    public init(
        maximumRequestLineLength: Int = 8192, maximumHeaderCount: Int = 100, maximumHeadLength: Int = 16384,
        maximumChunkSizeLineLength: Int = 256, maximumTrailerLength: Int = 4096
    ) {
        self.maximumHeadLength = max(16, maximumHeadLength)
        self.maximumRequestLineLength = min(max(16, maximumRequestLineLength), self.maximumHeadLength)
        self.maximumHeaderCount = max(1, maximumHeaderCount)
        self.maximumChunkSizeLineLength = max(4, maximumChunkSizeLineLength)
        self.maximumTrailerLength = max(0, maximumTrailerLength)
    }

    public static let `default` = HTTPParserLimits()
}
