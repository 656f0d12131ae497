import LVSCore

/// Reads the address/port text of FTP control segments the way `ip_vs_ftp` does (reference §6):
/// one TCP segment at a time, without reassembly, and only a message that starts at the first
/// byte of the payload. Everything after the first line end is ignored.
///
/// Each parser returns nil when the payload does not start with its message (the common case:
/// other commands and replies), the parsed `FTPAddressPort` when it does, and throws an
/// `FTPParseRefusal` when it starts with the message but cannot be used; the caller then forwards
/// the segment untouched and counts the reason. Parsers never allocate except for an IPv6
/// literal, never trap, and read only `payload`.
///
/// Stricter than the kernel where the kernel silently accepts nonsense (its tuple numbers wrap
/// modulo 256, a line may lack its end): every number must be canonical decimal in range, and the
/// line must end (LF, normally CRLF) inside the segment — otherwise the message is split across
/// segments (`.splitAcrossSegments`), which IPVS forwards untouched as well.
public enum FTPControlParser {
    /// The longest line content (without CRLF) read. RFC 959 sets no limit; ours bounds the work
    /// per segment and refuses anything longer as `.lineTooLong`.
    public static let maximumLineLength = 1024

    // MARK: Client → server

    /// Reads `PORT h1,h2,h3,h4,p1,p2` (RFC 959 §4.1.2; command word case-insensitive, one or more
    /// spaces, six decimal numbers 0…255) at the start of `payload`.
    ///
    /// `family` is the control connection's: PORT is IPv4 only. `clientAddress` is the control
    /// connection's client, checked under `policy`.
    public static func parsePort(
        _ payload: UnsafeRawBufferPointer, family: AddressFamily, clientAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        guard try startsWith(payload, Keyword.port) else { return nil }
        let end = try lineEnd(payload)
        var i = Keyword.port.count
        guard i < end else { throw .missingSeparator }
        guard payload[i] == ASCII.space else {
            if ASCII.isLetter(payload[i]) { return nil }  // another command word, e.g. `PORTS`
            throw .missingSeparator
        }
        while i < end && payload[i] == ASCII.space { i += 1 }
        guard family == .inet else { throw .wrongFamily }
        let tuple = try parseTuple(payload, from: i, to: end)
        try check(tuple.address, expected: clientAddress, policy: policy)
        return FTPAddressPort(message: .port, range: i..<tuple.end, address: tuple.address, port: tuple.port)
    }

    /// Reads `EPRT <d><proto><d><address><d><port><d>` (RFC 2428 §2) at the start of `payload`:
    /// `<d>` any of ASCII 33…126, `<proto>` 1 (IPv4) or 2 (IPv6) and the control connection's
    /// `family`, the address checked against `clientAddress` under `policy`.
    public static func parseExtendedPort(
        _ payload: UnsafeRawBufferPointer, family: AddressFamily, clientAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        guard try startsWith(payload, Keyword.extendedPort) else { return nil }
        let end = try lineEnd(payload)
        var i = Keyword.extendedPort.count
        guard i < end else { throw .missingSeparator }
        guard payload[i] == ASCII.space else {
            if ASCII.isLetter(payload[i]) { return nil }
            throw .missingSeparator
        }
        while i < end && payload[i] == ASCII.space { i += 1 }
        let parsed = try parseExtended(
            payload, from: i, to: end, family: family, defaultAddress: nil)
        try check(parsed.address, expected: clientAddress, policy: policy)
        return FTPAddressPort(
            message: .extendedPort, range: i..<parsed.end, address: parsed.address, port: parsed.port,
            delimiter: parsed.delimiter)
    }

    /// Reads whichever of PORT and EPRT starts `payload` (the kernel's `pkt_in` order).
    public static func parseClientCommand(
        _ payload: UnsafeRawBufferPointer, family: AddressFamily, clientAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        if let port = try parsePort(payload, family: family, clientAddress: clientAddress, policy: policy) {
            return port
        }
        return try parseExtendedPort(payload, family: family, clientAddress: clientAddress, policy: policy)
    }

    /// Finds a passive-mode request the way the kernel's `pkt_in` does (reference §6): scanning
    /// the whole segment for `PASV\r\n` (IPv4 only) or `EPSV` followed by `\r`, or by ` 1\r` /
    /// ` 2\r` matching `family`. `EPSV ALL` and a mismatching family end the scan with nil.
    public static func passiveRequest(
        in payload: UnsafeRawBufferPointer, family: AddressFamily
    ) -> FTPPassiveRequest? {
        var i = 0
        while i + 6 <= payload.count {
            if family == .inet && matches(payload, at: i, Keyword.passive) {
                return .passive
            }
            if matches(payload, at: i, Keyword.extendedPassive) {
                let next = payload[i + 4]
                if next == ASCII.carriageReturn { return .extendedPassive }
                if next == ASCII.space {
                    guard i + 7 <= payload.count, payload[i + 6] == ASCII.carriageReturn else { return nil }
                    switch (payload[i + 5], family) {
                    case (UInt8(ascii: "1"), .inet), (UInt8(ascii: "2"), .inet6): return .extendedPassive
                    default: return nil
                    }
                }
            }
            i += 1
        }
        return nil
    }

    // MARK: Server → client

    /// Reads a `227 ` reply (RFC 959 §4.2) at the start of `payload`. Liberal in what surrounds
    /// the tuple, as the kernel is: any text after the code, then the tuple starts after the first
    /// `(` or at the first digit, whichever comes first; anything may follow the sixth number.
    ///
    /// The address is checked against `serverAddress` (the real server's) under `policy`.
    public static func parsePassiveReply(
        _ payload: UnsafeRawBufferPointer, family: AddressFamily, serverAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        guard try startsWith(payload, Keyword.passiveReply) else { return nil }
        let end = try lineEnd(payload)
        guard family == .inet else { throw .wrongFamily }
        var i = Keyword.passiveReply.count
        while i < end && payload[i] != ASCII.openParenthesis && !ASCII.isDigit(payload[i]) { i += 1 }
        guard i < end else { throw .missingSeparator }
        while i < end && payload[i] == ASCII.openParenthesis { i += 1 }
        let tuple = try parseTuple(payload, from: i, to: end)
        try check(tuple.address, expected: serverAddress, policy: policy)
        return FTPAddressPort(message: .passiveReply, range: i..<tuple.end, address: tuple.address, port: tuple.port)
    }

    /// Reads a `229 ` reply (RFC 2428 §3) at the start of `payload`: any text, `(`, then
    /// `<d><d><d><port><d>` — or, as the kernel also accepts, `<d><proto><d><address><d><port><d>`
    /// of the connection's `family`. Without an address the result carries `serverAddress`;
    /// a named address is checked against it under `policy`.
    public static func parseExtendedPassiveReply(
        _ payload: UnsafeRawBufferPointer, family: AddressFamily, serverAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        guard try startsWith(payload, Keyword.extendedPassiveReply) else { return nil }
        let end = try lineEnd(payload)
        var i = Keyword.extendedPassiveReply.count
        while i < end && payload[i] != ASCII.openParenthesis { i += 1 }
        guard i < end else { throw .missingSeparator }
        while i < end && payload[i] == ASCII.openParenthesis { i += 1 }
        let parsed = try parseExtended(payload, from: i, to: end, family: family, defaultAddress: serverAddress)
        if !parsed.addressOmitted {
            try check(parsed.address, expected: serverAddress, policy: policy)
        }
        return FTPAddressPort(
            message: .extendedPassiveReply, range: i..<parsed.end, address: parsed.address, port: parsed.port,
            delimiter: parsed.delimiter, addressOmitted: parsed.addressOmitted)
    }

    /// Reads the reply the control entry expects after `request` (reference §6: the kernel looks
    /// for a 227 only after PASV and a 229 only after EPSV).
    public static func parseServerReply(
        _ payload: UnsafeRawBufferPointer, expecting request: FTPPassiveRequest, family: AddressFamily,
        serverAddress: IPAddress, policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        switch request {
        case .passive:
            try parsePassiveReply(payload, family: family, serverAddress: serverAddress, policy: policy)
        case .extendedPassive:
            try parseExtendedPassiveReply(payload, family: family, serverAddress: serverAddress, policy: policy)
        }
    }

    // MARK: Checks shared by the parsers

    static func check(
        _ address: IPAddress, expected: IPAddress, policy: FTPAddressPolicy
    ) throws(FTPParseRefusal) {
        switch policy {
        case .mustMatch: guard address == expected else { throw .addressMismatch }
        case .any: return
        }
    }
}

extension FTPControlParser {
    /// `[UInt8]` conveniences for tests and the proxy engine; the packet path passes its buffer.
    public static func parseClientCommand(
        _ payload: [UInt8], family: AddressFamily, clientAddress: IPAddress, policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        try withBytes(payload) { bytes throws(FTPParseRefusal) in
            try parseClientCommand(bytes, family: family, clientAddress: clientAddress, policy: policy)
        }
    }

    public static func parseServerReply(
        _ payload: [UInt8], expecting request: FTPPassiveRequest, family: AddressFamily, serverAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch
    ) throws(FTPParseRefusal) -> FTPAddressPort? {
        try withBytes(payload) { bytes throws(FTPParseRefusal) in
            try parseServerReply(
                bytes, expecting: request, family: family, serverAddress: serverAddress, policy: policy)
        }
    }

    public static func passiveRequest(in payload: [UInt8], family: AddressFamily) -> FTPPassiveRequest? {
        payload.withUnsafeBytes { passiveRequest(in: $0, family: family) }
    }

    static func withBytes<T>(
        _ payload: [UInt8], _ body: (UnsafeRawBufferPointer) throws(FTPParseRefusal) -> T
    ) throws(FTPParseRefusal) -> T {
        let result: Result<T, FTPParseRefusal> = payload.withUnsafeBytes { bytes in
            do throws(FTPParseRefusal) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
