/// The outcome of scanning part of a chunked body.
public enum ChunkedScanResult: Sendable, Hashable {
    /// All `consumed` bytes (the whole input) belong to the body, which goes on.
    case needMore(consumed: Int)
    /// The body, trailers included, ends after `consumed` bytes of this input; the rest is the next request.
    case end(consumed: Int)
    /// The body is malformed: answer `refusal.statusCode` and close.
    case refused(HTTPRequestRefusal)
}

/// Finds where a chunked request body ends (RFC 9112 §7.1) without decoding or buffering it: the
/// proxy forwards the bytes as they are and only needs to know how many belong to this request.
///
/// Contract: feed consecutive pieces of the body, each once; a byte-at-a-time state machine, so a
/// body split anywhere scans the same. Chunk sizes are checked for overflow, size lines and the
/// trailer section are bounded, and lines must end in CRLF (a bare LF or CR is refused: a real
/// server that accepted it would frame the stream differently).
public struct ChunkedBodyScanner: Sendable {
    enum State: Sendable, Hashable {
        case size
        case sizeWhitespace
        case extensions
        case sizeLineFeed
        case data
        case dataCarriageReturn
        case dataLineFeed
        case trailerLineStart
        case trailerLine
        case trailerLineFeed
        case finalLineFeed
        case done
        case refused(HTTPRequestRefusal)
    }

    public let limits: HTTPParserLimits
    private(set) var state = State.size
    private var chunkRemaining: UInt64 = 0
    private var sizeDigits = 0
    private var lineLength = 0
    private var trailerLength = 0
    /// Total chunk data seen, for statistics.
    public private(set) var dataLength: UInt64 = 0

    public init(limits: HTTPParserLimits = .default) {
        self.limits = limits
    }

    /// Scans the next piece of the body.
    public mutating func scan(_ input: UnsafeRawBufferPointer) -> ChunkedScanResult {
        var index = 0
        let count = input.count
        while index < count {
            switch state {
            case .done:
                return .end(consumed: index)
            case .refused(let refusal):
                return .refused(refusal)
            case .data:
                // Skip chunk data in bulk: it is never examined.
                let take = Int(min(chunkRemaining, UInt64(count - index)))
                chunkRemaining -= UInt64(take)
                dataLength &+= UInt64(take)
                index += take
                if chunkRemaining == 0 { state = .dataCarriageReturn }
            case .size, .sizeWhitespace, .extensions, .sizeLineFeed, .dataCarriageReturn, .dataLineFeed,
                .trailerLineStart, .trailerLine, .trailerLineFeed, .finalLineFeed:
                step(input[index])
                index += 1
            }
        }
        switch state {
        case .done: return .end(consumed: count)
        case .refused(let refusal): return .refused(refusal)
        case .size, .sizeWhitespace, .extensions, .sizeLineFeed, .data, .dataCarriageReturn, .dataLineFeed,
            .trailerLineStart, .trailerLine, .trailerLineFeed, .finalLineFeed:
            return .needMore(consumed: count)
        }
    }

    /// Convenience for tests: scans a byte array.
    public mutating func scan(_ bytes: [UInt8]) -> ChunkedScanResult {
        bytes.withUnsafeBytes { scan($0) }
    }

    private mutating func refuse(_ refusal: HTTPRequestRefusal) { state = .refused(refusal) }

    /// Counts a size-line byte against the limit; the CR that ends the line is not counted.
    private mutating func countLineByte(_ b: UInt8) -> Bool {
        if b == HTTPBytes.cr { return true }
        lineLength += 1
        if lineLength > limits.maximumChunkSizeLineLength {
            refuse(.chunkSizeLineTooLong)
            return false
        }
        return true
    }

    private mutating func step(_ b: UInt8) {
        switch state {
        case .size:
            guard countLineByte(b) else { return }
            if let digit = Self.hexValue(b) {
                // Leading zeros are harmless; only significant digits can overflow.
                if chunkRemaining == 0 && digit == 0 {
                    sizeDigits += 1
                    return
                }
                guard chunkRemaining <= (UInt64(Int64.max) - UInt64(digit)) / 16 else {
                    refuse(.chunkSizeOverflow)
                    return
                }
                chunkRemaining = chunkRemaining * 16 + UInt64(digit)
                sizeDigits += 1
            } else if sizeDigits == 0 {
                refuse(.malformedChunkSize)
            } else {
                afterSize(b)
            }
        case .sizeWhitespace:
            guard countLineByte(b) else { return }
            afterSize(b)
        case .extensions:
            guard countLineByte(b) else { return }
            if b == HTTPBytes.cr {
                state = .sizeLineFeed
            } else if b == HTTPBytes.lf || (b < 0x20 && b != HTTPBytes.tab) || b == 0x7F {
                refuse(.malformedChunkSize)
            }
        case .sizeLineFeed:
            guard b == HTTPBytes.lf else { return refuse(.malformedChunkSize) }
            lineLength = 0
            sizeDigits = 0
            state = chunkRemaining == 0 ? .trailerLineStart : .data
        case .dataCarriageReturn:
            state = b == HTTPBytes.cr ? .dataLineFeed : .refused(.missingChunkDataTerminator)
        case .dataLineFeed:
            state = b == HTTPBytes.lf ? .size : .refused(.missingChunkDataTerminator)
        case .trailerLineStart:
            if b == HTTPBytes.cr {
                state = .finalLineFeed
            } else {
                countTrailer(b)
                if case .trailerLineStart = state { state = .trailerLine }
            }
        case .trailerLine:
            countTrailer(b)
        case .trailerLineFeed:
            guard b == HTTPBytes.lf else { return refuse(.malformedChunkSize) }
            countTrailer(b)
            if case .trailerLineFeed = state { state = .trailerLineStart }
        case .finalLineFeed:
            state = b == HTTPBytes.lf ? .done : .refused(.malformedChunkSize)
        case .data, .done, .refused:
            break
        }
    }

    /// After the size digits: optional whitespace (BWS), then `;` extensions or CRLF (RFC 9112 §7.1.1).
    private mutating func afterSize(_ b: UInt8) {
        if b == HTTPBytes.cr {
            state = .sizeLineFeed
        } else if b == 0x3B {
            state = .extensions
        } else if HTTPBytes.isWhitespace(b) {
            state = .sizeWhitespace
        } else {
            refuse(.malformedChunkSize)
        }
    }

    private mutating func countTrailer(_ b: UInt8) {
        trailerLength += 1
        if trailerLength > limits.maximumTrailerLength { return refuse(.trailersTooLarge) }
        if case .trailerLineFeed = state { return }
        if b == HTTPBytes.cr {
            state = .trailerLineFeed
        } else if b == HTTPBytes.lf || (b < 0x20 && b != HTTPBytes.tab) || b == 0x7F {
            refuse(.malformedChunkSize)
        }
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
