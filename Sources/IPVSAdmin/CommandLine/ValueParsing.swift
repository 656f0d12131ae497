import LVSCore

/// The C library conversions ipvsadm relies on (strtol, atoi, inet_aton, inet_pton), written
/// out so that the same words are accepted and refused, and never trap on any input.
enum ValueParsing {
    /// What `strtol(text, &end, 10)` reports.
    struct LongParse {
        /// Clamped to Int64's range on overflow, as strtol clamps to LONG_MIN/LONG_MAX.
        var value: Int64 = 0
        var overflowed = false
        /// At least one digit was read (otherwise `end == text`).
        var sawDigits = false
        /// Nothing follows the number (`*end == '\0'`).
        var consumedAll = false
    }

    /// strtol in base 10: leading white space, an optional sign, then decimal digits.
    static func strtol(_ text: String) -> LongParse {
        var result = LongParse()
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count, bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]) { index += 1 }
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var magnitude: UInt64 = 0
        var tooLarge = false
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            result.sawDigits = true
            let digit = UInt64(bytes[index] - UInt8(ascii: "0"))
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            if o1 || o2 { tooLarge = true } else { magnitude = sum }
            index += 1
        }
        guard result.sawDigits else { return result }
        result.consumedAll = index == bytes.count
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        if tooLarge || magnitude > limit {
            result.overflowed = true
            result.value = negative ? Int64.min : Int64.max
        } else if negative {
            result.value = magnitude == limit ? Int64.min : -Int64(magnitude)
        } else {
            result.value = Int64(magnitude)
        }
        return result
    }

    /// ipvsadm's `string_to_number`: a whole decimal number within `range`, else nil.
    static func number(_ text: String, in range: ClosedRange<Int64>) -> Int64? {
        let parse = strtol(text)
        guard parse.sawDigits, parse.consumedAll, !parse.overflowed, range.contains(parse.value) else { return nil }
        return parse.value
    }

    /// glibc's `atoi`: `(int) strtol(text, NULL, 10)`, junk after the number ignored.
    static func atoi(_ text: String) -> Int32 {
        Int32(truncatingIfNeeded: strtol(text).value)
    }

    /// glibc's `inet_aton`: inet_aton number forms; anything after the first white space is
    /// ignored, as glibc does.
    static func inetAton(_ text: Substring) -> IPAddress? {
        let bytes = text.utf8.prefix { $0 != 0x20 && !(0x09...0x0D).contains($0) }
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        return IPAddress.parseIPv4(String(decoding: bytes, as: UTF8.self))
    }

    /// `text` cut to at most `maxBytes` UTF-8 bytes (C's `strncpy` into a fixed buffer), without
    /// splitting a character's encoding.
    static func truncated(_ text: String, maxBytes: Int) -> String {
        var out = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            guard used + size <= maxBytes else { break }
            used += size
            out.append(scalar)
        }
        return String(out)
    }

    /// An address and optional port as ipvsadm's `parse_service` reads them.
    struct AddressAndPort: Equatable {
        var address: IPAddress
        /// nil when the text named no port (`SERVICE_ADDR` without `SERVICE_PORT`).
        var port: UInt16?
    }

    /// ipvsadm's `parse_service` (reference §1.3): `host[:port]`, `[ipv6]:port`, bare IPv6.
    /// `protocolName` is `tcp`/`udp`/`sctp` for service-name look-ups, nil when no protocol is
    /// known yet (then only numeric ports work). nil result = "illegal ... address[:port]".
    static func addressAndPort(
        _ text: String, protocolName: String?, resolver: any NameResolver
    ) -> AddressAndPort? {
        // A string of digits only (or an empty one) is refused outright.
        if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { return nil }
        var addressText = Substring(text)
        var portText: Substring?
        if text.hasPrefix("[") {
            let inner = addressText.dropFirst()
            guard let close = inner.firstIndex(of: "]") else { return nil }
            let after = inner[inner.index(after: close)...]
            guard after.first == ":" else { return nil }
            addressText = inner[..<close]
            portText = after.dropFirst()
        }
        var result: AddressAndPort
        if let v6 = IPAddress.parseIPv6(String(addressText)) {
            result = AddressAndPort(address: v6, port: nil)
        } else {
            // ipvsadm looks for the port again, at the last colon of the (unbracketed) text; so
            // `[10.0.0.1]:80` ends up with no port at all.
            portText = nil
            if let colon = addressText.lastIndex(of: ":") {
                portText = addressText[addressText.index(after: colon)...]
                addressText = addressText[..<colon]
            }
            if let v4 = inetAton(addressText) {
                result = AddressAndPort(address: v4, port: nil)
            } else if !addressText.isEmpty, let v4 = resolver.ipv4Address(forHost: String(addressText)),
                v4.family == .inet
            {
                result = AddressAndPort(address: v4, port: nil)
            } else {
                return nil
            }
        }
        if let portText {
            guard let port = port(String(portText), protocolName: protocolName, resolver: resolver) else { return nil }
            result.port = port
        }
        return result
    }

    /// A port number 0...65535 or a service name for the protocol.
    static func port(_ text: String, protocolName: String?, resolver: any NameResolver) -> UInt16? {
        if let number = number(text, in: 0...65535) { return UInt16(number) }
        guard let protocolName, !text.isEmpty else { return nil }
        return resolver.port(forService: text, protocolName: protocolName)
    }

    /// ipvsadm's `parse_netmask` for IPv4 services: an inet_aton mask or a host name (sic).
    static func ipv4Netmask(_ text: String, resolver: any NameResolver) -> UInt32? {
        if let mask = inetAton(Substring(text)) { return mask.ipv4Value }
        guard !text.isEmpty, let host = resolver.ipv4Address(forHost: text), host.family == .inet else { return nil }
        return host.ipv4Value
    }

    /// `-b` (reference §1.4): comma-separated names checked against the scheduler given on the
    /// same line (`wlc` when none). Empty items are skipped, as strtok skips them.
    static func schedulerFlags(_ argument: String, scheduler: String) -> Result<SchedulerFlags, IPVSAdminUsageError> {
        let effective = scheduler.isEmpty ? VirtualServiceConfig.defaultScheduler : scheduler
        let names = argument.split(separator: ",")
        // ipvsadm 1.31 dereferences a null token for an argument of commas only and crashes; we
        // refuse it instead.
        guard !names.isEmpty else { return .failure(.validation("invalid scheduler flag `\(argument)'")) }
        var flags: SchedulerFlags = []
        for name in names {
            let needed: String?
            switch name {
            case "flag-1": flags.insert(.flag1); needed = nil
            case "flag-2": flags.insert(.flag2); needed = nil
            case "flag-3": flags.insert(.flag3); needed = nil
            case "sh-fallback": flags.insert(.fallback); needed = "sh"
            case "sh-port": flags.insert(.port); needed = "sh"
            case "mh-fallback": flags.insert(.fallback); needed = "mh"
            case "mh-port": flags.insert(.port); needed = "mh"
            default: return .failure(.validation("invalid scheduler flag `\(name)'"))
            }
            if let needed, needed != effective {
                return .failure(.validation("incompatible scheduler flag `\(name)'"))
            }
        }
        return .success(flags)
    }

    /// `--mcast-group` (reference §1.7): an IPv6 multicast address if the text has a colon,
    /// else a strict dotted-quad IPv4 multicast address.
    static func multicastGroup(_ text: String) -> Result<IPAddress, IPVSAdminUsageError> {
        if text.contains(":") {
            guard let group = IPAddress.parseIPv6(text), group.high >> 56 == 0xFF else {
                return .failure(.validation("invalid IPv6 mcast-group `\(text)'"))
            }
            return .success(group)
        }
        guard let group = IPAddress.parseDottedQuad(Substring(text)), group.ipv4Value >> 28 == 0xE else {
            return .failure(.validation("invalid IPv4 mcast-group `\(text)'"))
        }
        return .success(group)
    }
}
