import LVSCore

/// Why a rewrite could not be written.
public enum FTPRewriteError: Error, Sendable, Hashable {
    /// The output buffer holds fewer bytes than the rewritten payload needs.
    case outputTooSmall
    /// The match's range does not lie inside the payload it is applied to.
    case rangeOutsidePayload
    /// PORT and 227 carry IPv4 only; an EPRT address must be of the family it names.
    case addressFamilyNotRepresentable
}

/// The size of a rewritten payload and how much longer (positive) or shorter than the original
/// it is: the `d` a `SequenceAdjuster` records (reference §6).
public struct FTPRewriteResult: Sendable, Hashable {
    /// Bytes written to the output.
    public var length: Int
    /// `length` minus the original payload's length.
    public var lengthChange: Int

    public init(length: Int, lengthChange: Int) {
        self.length = length
        self.lengthChange = lengthChange
    }
}

/// Replaces the address/port text a parser found (reference §6). For masquerading the kernel
/// rewrites server → client only: a 227 becomes `<VIP octets>,<port >> 8>,<port & 255>` and a 229
/// `|||<port>|` (the client keeps using the VIP), with the port the real server advertised. The
/// client → server PORT/EPRT is *not* modified for masquerading (the real server's data
/// connection is source-NATed to VIP:vport−1); the proxy engine, which terminates both sides,
/// rewrites them to the director's own address with the same function.
///
/// The buffer API writes into caller memory and does not allocate except for an IPv6 EPRT
/// address (its text comes from `IPAddress.description`). The output must not overlap the input.
public enum FTPControlRewriter {
    /// Writes `payload` with `match.range` replaced by the text for `address` and `port` in the
    /// match's message form, into `output`.
    ///
    /// PORT/227 write `h1,h2,h3,h4,p1,p2`; EPRT writes `<d><1|2><d><address><d><port><d>` with the
    /// original delimiter; 229 writes `<d><d><d><port><d>` and ignores `address`, as the kernel.
    public static func rewrite(
        _ payload: UnsafeRawBufferPointer, match: FTPAddressPort, address: IPAddress, port: UInt16,
        into output: UnsafeMutableRawBufferPointer
    ) throws(FTPRewriteError) -> FTPRewriteResult {
        guard match.range.lowerBound >= 0, match.range.upperBound <= payload.count else {
            throw .rangeOutsidePayload
        }
        var writer = ByteWriter(output)
        try writer.write(UnsafeRawBufferPointer(rebasing: payload[0..<match.range.lowerBound]))
        try writeReplacement(match, address: address, port: port, to: &writer)
        try writer.write(UnsafeRawBufferPointer(rebasing: payload[match.range.upperBound..<payload.count]))
        return FTPRewriteResult(length: writer.count, lengthChange: writer.count - payload.count)
    }

    /// The rewritten payload as a new array (allocates; for tests and the proxy engine).
    public static func rewritten(
        _ payload: [UInt8], match: FTPAddressPort, address: IPAddress, port: UInt16
    ) throws(FTPRewriteError) -> (payload: [UInt8], lengthChange: Int) {
        let capacity = payload.count + maximumReplacementLength
        var output = [UInt8](repeating: 0, count: capacity)
        let result: Result<FTPRewriteResult, FTPRewriteError> = payload.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                do throws(FTPRewriteError) {
                    return .success(try rewrite(input, match: match, address: address, port: port, into: out))
                } catch {
                    return .failure(error)
                }
            }
        }
        let written = try result.get()
        output.removeLast(capacity - written.length)
        return (output, written.lengthChange)
    }

    /// No replacement text is longer: `|2|` + 45 address bytes + `|65535|`.
    public static let maximumReplacementLength = 3 + 45 + 7

    static func writeReplacement(
        _ match: FTPAddressPort, address: IPAddress, port: UInt16, to writer: inout ByteWriter
    ) throws(FTPRewriteError) {
        switch match.message {
        case .port, .passiveReply:
            guard address.family == .inet else { throw .addressFamilyNotRepresentable }
            let value = address.ipv4Value
            for shift in stride(from: 24 as UInt32, through: 0, by: -8) {
                try writer.write(decimal: (value >> shift) & 0xFF)
                try writer.write(ASCII.comma)
            }
            try writer.write(decimal: UInt32(port >> 8))
            try writer.write(ASCII.comma)
            try writer.write(decimal: UInt32(port & 0xFF))
        case .extendedPort:
            let delimiter = match.delimiter ?? UInt8(ascii: "|")
            try writer.write(delimiter)
            switch address.family {
            case .inet:
                try writer.write(UInt8(ascii: "1"))
                try writer.write(delimiter)
                let value = address.ipv4Value
                for shift in stride(from: 24 as UInt32, through: 0, by: -8) {
                    try writer.write(decimal: (value >> shift) & 0xFF)
                    if shift != 0 { try writer.write(ASCII.dot) }
                }
            case .inet6:
                try writer.write(UInt8(ascii: "2"))
                try writer.write(delimiter)
                for byte in address.description.utf8 { try writer.write(byte) }
            }
            try writer.write(delimiter)
            try writer.write(decimal: UInt32(port))
            try writer.write(delimiter)
        case .extendedPassiveReply:
            let delimiter = match.delimiter ?? UInt8(ascii: "|")
            for _ in 0..<3 { try writer.write(delimiter) }
            try writer.write(decimal: UInt32(port))
            try writer.write(delimiter)
        }
    }
}

extension FTPControlRewriter {
    /// `[UInt8]` payload into a caller buffer.
    public static func rewrite(
        _ payload: [UInt8], match: FTPAddressPort, address: IPAddress, port: UInt16,
        into output: UnsafeMutableRawBufferPointer
    ) throws(FTPRewriteError) -> FTPRewriteResult {
        let result: Result<FTPRewriteResult, FTPRewriteError> = payload.withUnsafeBytes { input in
            do throws(FTPRewriteError) {
                return .success(try rewrite(input, match: match, address: address, port: port, into: output))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Appends bytes to caller memory, refusing to pass its end.
struct ByteWriter {
    let base: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    mutating func write(_ byte: UInt8) throws(FTPRewriteError) {
        guard count < base.count else { throw .outputTooSmall }
        base[count] = byte
        count += 1
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FTPRewriteError) {
        guard bytes.count <= base.count - count else { throw .outputTooSmall }
        if let source = bytes.baseAddress, let destination = base.baseAddress {
            (destination + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Decimal digits without leading zeros (`0` for zero).
    mutating func write(decimal value: UInt32) throws(FTPRewriteError) {
        var divisor: UInt32 = 1
        while value / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            try write(ASCII.zero + UInt8((value / divisor) % 10))
            divisor /= 10
        }
    }
}
