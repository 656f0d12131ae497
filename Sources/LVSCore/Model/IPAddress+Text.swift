// Text forms of addresses, written without Foundation or libc so the core stays pure.
// Parsing follows inet_aton (IPv4, as ipvsadm uses it) and inet_pton (IPv6); printing follows
// inet_ntop, whose output ipvsadm shows.

extension IPAddress: CustomStringConvertible {
    /// inet_ntop's text: dotted quad, or RFC 5952-style compressed IPv6 (glibc prints
    /// `::a.b.c.d` and `::ffff:a.b.c.d` for IPv4-compatible and IPv4-mapped addresses).
    public var description: String {
        switch family {
        case .inet:
            let v = ipv4Value
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .inet6:
            return ipv6Text
        }
    }

    /// The address as ipvsadm shows it beside a port: IPv6 inside brackets.
    public var bracketedIfIPv6: String {
        family == .inet6 ? "[\(description)]" : description
    }

    private var ipv6Text: String {
        var words = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            words[i] = UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * i))
            words[i + 4] = UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * i))
        }
        // Longest run of zero words of length >= 2; the first wins a tie.
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for i in 0...8 {
            if i < 8 && words[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                let length = i - runStart
                if length > bestLength { bestStart = runStart; bestLength = length }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1; bestLength = 0 }
        var out = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            // glibc: embedded IPv4 for ::/96-compatible (run of 6) and ::ffff:0:0/96 (run of 5 + ffff).
            if i == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xFFFF)) {
                let v4 = UInt32(words[6]) << 16 | UInt32(words[7])
                if !out.hasSuffix(":") { out += ":" }
                out += IPAddress(ipv4: v4).description
                break
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(words[i], radix: 16)
            i += 1
        }
        return out
    }

    /// Parses an IPv4 address with inet_aton's rules: one to four parts, each decimal, octal
    /// (leading `0`) or hexadecimal (`0x`); the last part fills the remaining bytes.
    public static func parseIPv4(_ text: String) -> IPAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let v = parseCNumber(Substring(part)) else { return nil }
            values.append(v)
        }
        var result: UInt64 = 0
        switch values.count {
        case 1:
            guard values[0] <= 0xFFFF_FFFF else { return nil }
            result = values[0]
        case 2:
            guard values[0] <= 0xFF, values[1] <= 0xFF_FFFF else { return nil }
            result = values[0] << 24 | values[1]
        case 3:
            guard values[0] <= 0xFF, values[1] <= 0xFF, values[2] <= 0xFFFF else { return nil }
            result = values[0] << 24 | values[1] << 16 | values[2]
        default:
            guard values.allSatisfy({ $0 <= 0xFF }) else { return nil }
            result = values[0] << 24 | values[1] << 16 | values[2] << 8 | values[3]
        }
        return IPAddress(ipv4: UInt32(result))
    }

    /// Strict dotted-quad IPv4 (inet_pton): exactly four decimal parts 0...255.
    public static func parseDottedQuad(_ text: Substring) -> IPAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let n = UInt32(part), n <= 255
            else { return nil }
            if part.count > 1 && part.first == "0" { return nil }
            v = v << 8 | n
        }
        return IPAddress(ipv4: v)
    }

    /// Parses an IPv6 literal as inet_pton does (with `::` compression and an optional trailing
    /// dotted quad). No zone index, no brackets.
    public static func parseIPv6(_ text: String) -> IPAddress? {
        let s = Substring(text)
        guard !s.isEmpty, s.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let pieces = s.components(separatedByDoubleColon: ())
        guard pieces.count <= 2 else { return nil }
        sawGap = pieces.count == 2
        func parseGroups(_ part: Substring, allowV4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let groups = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (index, group) in groups.enumerated() {
                if index == groups.count - 1 && allowV4 && group.contains(".") {
                    guard let v4 = parseDottedQuad(group) else { return nil }
                    out.append(UInt16(v4.ipv4Value >> 16))
                    out.append(UInt16(v4.ipv4Value & 0xFFFF))
                    continue
                }
                guard !group.isEmpty, group.count <= 4, let n = UInt16(group, radix: 16),
                    group.allSatisfy({ $0.isHexDigit })
                else { return nil }
                out.append(n)
            }
            return out
        }
        if sawGap {
            guard let h = parseGroups(pieces[0], allowV4: false), let t = parseGroups(pieces[1], allowV4: true)
            else { return nil }
            head = h
            tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard let h = parseGroups(pieces[0], allowV4: true), h.count == 8 else { return nil }
            head = h
        }
        var words = head
        words += [UInt16](repeating: 0, count: 8 - head.count - tail.count)
        words += tail
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(words[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(words[i]) }
        return IPAddress(ipv6High: hi, low: lo)
    }

    /// Parses either family: IPv6 if the text contains a colon, else strict dotted quad.
    public init?(_ text: String) {
        if text.contains(":") {
            guard let a = IPAddress.parseIPv6(text) else { return nil }
            self = a
        } else {
            guard let a = IPAddress.parseDottedQuad(Substring(text)) else { return nil }
            self = a
        }
    }

    /// A C-style unsigned number: `0x` hex, leading `0` octal, else decimal. Nil on junk or overflow.
    static func parseCNumber(_ s: Substring) -> UInt64? {
        guard !s.isEmpty else { return nil }
        var radix: UInt64 = 10
        var digits = s
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            radix = 16
            digits = s.dropFirst(2)
            if digits.isEmpty { return 0 }  // inet_aton accepts "0x" as 0
        } else if s.count > 1 && s.hasPrefix("0") {
            radix = 8
            digits = s.dropFirst()
        }
        var value: UInt64 = 0
        for ch in digits {
            guard let d = ch.hexDigitValue, UInt64(d) < radix else { return nil }
            value = value * radix + UInt64(d)
            if value > 0xFFFF_FFFF { return nil }
        }
        return value
    }
}

extension Substring {
    /// Splits at every `::`; used only by the IPv6 parser.
    fileprivate func components(separatedByDoubleColon _: Void) -> [Substring] {
        var result: [Substring] = []
        var start = startIndex
        var i = startIndex
        while i < endIndex {
            let next = index(after: i)
            if self[i] == ":" && next < endIndex && self[next] == ":" {
                result.append(self[start..<i])
                i = index(after: next)
                start = i
                // A third colon right after "::" is malformed; leave it to the group parser.
                continue
            }
            i = next
        }
        result.append(self[start..<endIndex])
        return result
    }
}

extension IPAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IP address: \(text)")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
