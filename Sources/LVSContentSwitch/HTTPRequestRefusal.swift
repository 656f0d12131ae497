/// Why the request head parser or the chunked-body scanner refused a request (docs/design/0018).
/// Each case is counted on its own (`name` is the stable snake_case counter label) and answered
/// with `statusCode`; the connection is closed afterwards because the framing can no longer be
/// trusted (RFC 9112 §11.2: a recipient that cannot frame a message must not guess).
public enum HTTPRequestRefusal: Error, Sendable, Hashable, CaseIterable {
    /// The request line is longer than `HTTPParserLimits.maximumRequestLineLength` (RFC 9112 §3).
    case requestLineTooLong
    /// More header fields than `HTTPParserLimits.maximumHeaderCount`.
    case tooManyHeaders
    /// The head (request line, fields, final empty line) exceeds `maximumHeadLength`.
    case headTooLarge
    /// The request line is not `method SP target SP version`.
    case malformedRequestLine
    /// A method that is not a token (RFC 9110 §9.1).
    case invalidMethod
    /// A request target with a control character, a space or a non-ASCII byte (RFC 9112 §3.2).
    case invalidTarget
    /// A version that is not `HTTP/d.d`.
    case malformedVersion
    /// `HTTP/2.0` and later, or `HTTP/0.x`, in an HTTP/1 request line (answered 505).
    case unsupportedVersion
    /// A field name that is empty or not a token, or whitespace before the colon (RFC 9112 §5.1).
    case invalidHeaderName
    /// A field line without a colon.
    case missingColon
    /// A field value with a control character other than HT (RFC 9110 §5.5).
    case invalidHeaderValue
    /// A field line that starts with whitespace: obsolete line folding (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A CR not followed by LF (RFC 9112 §2.2).
    case bareCarriageReturn
    /// A line ended by LF alone. RFC 9112 §2.2 lets a recipient accept it; a proxy must not, because
    /// a real server that disagrees would split the stream differently (smuggling).
    case bareLineFeed
    /// Both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3 ¶3: the classic smuggling vector).
    case contentLengthWithTransferEncoding
    /// Two `Content-Length` values that differ (RFC 9110 §8.6).
    case conflictingContentLength
    /// A `Content-Length` that is not a decimal number, or does not fit in 63 bits.
    case invalidContentLength
    /// A `Transfer-Encoding` whose final coding is not `chunked`, or that names `chunked` twice
    /// (RFC 9112 §6.3 ¶4, §7).
    case unsupportedTransferEncoding
    /// `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1: 1.0 has no chunked framing).
    case transferEncodingInHTTP10
    /// No `Host` field in an HTTP/1.1 request, or more than one (RFC 9112 §3.2).
    case invalidHost
    /// An `Expect` other than `100-continue` (RFC 9110 §10.1.1; answered 417).
    case unsupportedExpectation
    /// A chunk-size line that is not hex digits with optional extensions (RFC 9112 §7.1).
    case malformedChunkSize
    /// A chunk size above 2^63-1.
    case chunkSizeOverflow
    /// A chunk-size line longer than `HTTPParserLimits.maximumChunkSizeLineLength`.
    case chunkSizeLineTooLong
    /// Chunk data not followed by CRLF.
    case missingChunkDataTerminator
    /// The trailer section exceeds `HTTPParserLimits.maximumTrailerLength`.
    case trailersTooLarge

    /// The status code answered for this refusal.
    public var statusCode: Int {
        switch self {
        case .requestLineTooLong: 414
        case .tooManyHeaders, .headTooLarge: 431
        case .unsupportedVersion: 505
        case .unsupportedExpectation: 417
        case .malformedRequestLine, .invalidMethod, .invalidTarget, .malformedVersion, .invalidHeaderName,
            .missingColon, .invalidHeaderValue, .obsoleteLineFolding, .bareCarriageReturn, .bareLineFeed,
            .contentLengthWithTransferEncoding, .conflictingContentLength, .invalidContentLength,
            .unsupportedTransferEncoding, .transferEncodingInHTTP10, .invalidHost, .malformedChunkSize,
            .chunkSizeOverflow, .chunkSizeLineTooLong, .missingChunkDataTerminator, .trailersTooLarge:
            400
        }
    }

    /// The counter label, e.g. `request_line_too_long`.
    public var name: String {
        switch self {
        case .requestLineTooLong: "request_line_too_long"
        case .tooManyHeaders: "too_many_headers"
        case .headTooLarge: "head_too_large"
        case .malformedRequestLine: "malformed_request_line"
        case .invalidMethod: "invalid_method"
        case .invalidTarget: "invalid_target"
        case .malformedVersion: "malformed_version"
        case .unsupportedVersion: "unsupported_version"
        case .invalidHeaderName: "invalid_header_name"
        case .missingColon: "missing_colon"
        case .invalidHeaderValue: "invalid_header_value"
        case .obsoleteLineFolding: "obsolete_line_folding"
        case .bareCarriageReturn: "bare_carriage_return"
        case .bareLineFeed: "bare_line_feed"
        case .contentLengthWithTransferEncoding: "content_length_with_transfer_encoding"
        case .conflictingContentLength: "conflicting_content_length"
        case .invalidContentLength: "invalid_content_length"
        case .unsupportedTransferEncoding: "unsupported_transfer_encoding"
        case .transferEncodingInHTTP10: "transfer_encoding_in_http10"
        case .invalidHost: "invalid_host"
        case .unsupportedExpectation: "unsupported_expectation"
        case .malformedChunkSize: "malformed_chunk_size"
        case .chunkSizeOverflow: "chunk_size_overflow"
        case .chunkSizeLineTooLong: "chunk_size_line_too_long"
        case .missingChunkDataTerminator: "missing_chunk_data_terminator"
        case .trailersTooLarge: "trailers_too_large"
        }
    }
}
