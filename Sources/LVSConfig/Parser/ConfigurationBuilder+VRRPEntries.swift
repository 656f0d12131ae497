import LVSCore

// The sub-blocks of vrrp_instance and vrrp_sync_group whose lines are entries rather than
// keywords: addresses, peers, tracked objects, authentication (keepalived 2.2 vrrp_data.c,
// vrrp_ipaddress.c, vrrp_track.c).
extension ConfigurationBuilder {
    /// Options of a virtual address that lvsd does not apply, with whether each takes a value.
    private static let unsupportedAddressOptions: [String: Bool] = [
        "peer": true, "preferred_lft": true, "home": false, "-nodad": false, "mngtmpaddr": false,
        "noprefixroute": false, "autojoin": false, "use_vmac": false,
    ]

    /// `ADDR[/LEN] [brd ADDR|+|-] [dev IF] [scope SCOPE] [label LABEL] [no_track]`.
    mutating func virtualAddress(_ node: ConfigurationNode) -> VRRPVirtualAddress? {
        if let location = node.blockLocation {
            log.warning(location, "a virtual address takes no block; the block is ignored")
        }
        guard var vip = addressWithPrefix(node.keyword) else { return nil }
        let words = node.arguments
        var index = 0
        while index < words.count {
            let option = words[index]
            let valueToken = index + 1 < words.count ? words[index + 1] : nil
            switch option.text {
            case "no_track":
                vip.noTrack = true
                index += 1
                continue
            case "dev", "scope", "label", "brd", "broadcast":
                guard let valueToken else {
                    log.error(option.location, "\(option.text) of \(node.name) needs a value")
                    return nil
                }
                guard addressOption(option, valueToken, into: &vip) else { return nil }
            default:
                guard let takesValue = Self.unsupportedAddressOptions[option.text] else {
                    log.error(
                        option.location,
                        "unknown option \"\(option.text)\" for virtual address \(node.name); use brd, dev, scope, label or no_track"
                    )
                    return nil
                }
                log.warning(option.location, "virtual address option \(option.text) is not supported by lvsd; ignored")
                if !takesValue {
                    index += 1
                    continue
                }
            }
            index += 2
        }
        return vip
    }

    private mutating func addressOption(
        _ option: ConfigurationToken, _ word: ConfigurationToken, into vip: inout VRRPVirtualAddress
    ) -> Bool {
        let ipv6 = vip.address.family == .inet6
        switch option.text {
        case "dev":
            guard interfaceName(word, what: "dev") else { return false }
            vip.device = word.text
        case "scope":
            let scope: VRRPAddressScope
            switch word.text {
            case "global": scope = .global
            case "site": scope = .site
            case "link": scope = .link
            case "host": scope = .host
            case "nowhere": scope = .nowhere
            default:
                guard let n = number(word, 0...255, what: "scope") else { return false }
                scope = .number(UInt8(n))
            }
            // keepalived: "Cannot specify scope for IPv6 addresses - ignoring scope".
            if ipv6 {
                log.warning(option.location, "scope only applies to IPv4 addresses; it is ignored")
            } else {
                vip.scope = scope
            }
        case "label":
            guard word.text.utf8.count < 16 else {
                log.error(word.location, "label \"\(word.text)\" is longer than 15 characters")
                return false
            }
            if ipv6 {
                log.warning(option.location, "label only applies to IPv4 addresses; it is ignored")
            } else {
                vip.label = word.text
            }
        default:  // brd, broadcast
            guard !ipv6 else {
                log.error(option.location, "\(option.text) only applies to IPv4 addresses; remove it")
                return false
            }
            switch word.text {
            case "+": vip.broadcast = .allOnes
            case "-": vip.broadcast = .allZeros
            default:
                guard let ip = address(word, what: "broadcast"), ip.family == .inet else {
                    if IPAddress(word.text) != nil { log.error(word.location, "broadcast must be an IPv4 address") }
                    return false
                }
                vip.broadcast = .address(ip)
            }
        }
        return true
    }

    /// `ADDR` or `ADDR/LEN`.
    private mutating func addressWithPrefix(_ token: ConfigurationToken) -> VRRPVirtualAddress? {
        let parts = token.text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ip = IPAddress(String(parts[0])) else {
            log.error(
                token.location,
                "\"\(token.text)\" is not an address; write e.g. 192.0.2.10, 192.0.2.10/24 or 2001:db8::10/64")
            return nil
        }
        guard parts.count == 2 else { return VRRPVirtualAddress(address: ip) }
        let maximum: UInt8 = ip.family == .inet ? 32 : 128
        guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = UInt8(parts[1]), length <= maximum
        else {
            log.error(token.location, "prefix length of \"\(token.text)\" is not a number from 0 to \(maximum)")
            return nil
        }
        return VRRPVirtualAddress(address: ip, prefixLength: length)
    }

    /// `ADDR [min_ttl N] [max_ttl N]`.
    mutating func unicastPeer(
        _ node: ConfigurationNode, existing: [VRRPUnicastPeerDefinition],
        family: inout (family: AddressFamily, what: String)?
    ) -> VRRPUnicastPeerDefinition? {
        guard let ip = address(node.keyword, what: "unicast_peer") else { return nil }
        var peer = VRRPUnicastPeerDefinition(address: ip)
        var index = 0
        let words = node.arguments
        while index < words.count {
            let option = words[index]
            guard option.text == "min_ttl" || option.text == "max_ttl" else {
                log.error(option.location, "unknown unicast_peer option \"\(option.text)\"; use min_ttl or max_ttl")
                return nil
            }
            guard index + 1 < words.count else {
                log.error(option.location, "\(option.text) needs a number from 0 to 255")
                return nil
            }
            guard let n = number(words[index + 1], 0...255, what: option.text) else { return nil }
            if option.text == "min_ttl" { peer.minimumTTL = UInt8(n) } else { peer.maximumTTL = UInt8(n) }
            index += 2
        }
        if existing.contains(where: { $0.address == ip }) {
            log.warning(node.location, "unicast_peer \(node.name) is listed twice; the second is ignored")
            return nil
        }
        if let low = peer.minimumTTL, let high = peer.maximumTTL, low > high {
            log.warning(
                node.location,
                "unicast_peer \(node.name): min_ttl \(low) is above max_ttl \(high), so every advertisement from it is dropped"
            )
        }
        guard let established = family else {
            family = (ip.family, "unicast_peer \(node.name)")
            return peer
        }
        guard established.family == ip.family else {
            log.error(
                node.location,
                "unicast_peer \(node.name) is \(Self.familyName(ip.family)) but this instance is \(Self.familyName(established.family)) (from \(established.what)); peers must be of the instance's family"
            )
            return nil
        }
        return peer
    }

    /// `authentication { auth_type PASS|AH  auth_pass STRING }`.
    /// nil after a mistake in the block, which is then reported once.
    mutating func authentication(_ block: [ConfigurationNode]) -> VRRPAuthenticationSettings? {
        var settings = VRRPAuthenticationSettings()
        var valid = true
        for node in block {
            switch node.name {
            case "auth_type":
                guard let t = value(node, example: "PASS") else {
                    valid = false
                    continue
                }
                guard let type = VRRPAuthenticationType(rawValue: t.text) else {
                    log.error(t.location, "unknown auth_type \"\(t.text)\"; use PASS or AH")
                    valid = false
                    continue
                }
                settings.type = type
            case "auth_pass":
                guard let t = value(node, example: "s3cret") else {
                    valid = false
                    continue
                }
                var bytes = Array(t.text.utf8)
                if bytes.count > VRRPAuthenticationSettings.maximumPasswordLength {
                    // The VRRPv2 authentication data field holds 8 bytes (RFC 2338 §5.3.10).
                    log.warning(
                        t.location,
                        "auth_pass is longer than 8 characters; only the first 8 are used, as keepalived does")
                    bytes = Array(bytes.prefix(VRRPAuthenticationSettings.maximumPasswordLength))
                }
                settings.password = bytes
            default:
                unknown(node, in: "authentication")
            }
        }
        return valid ? settings : nil
    }

    /// `track_interface { IF [weight N [reverse]] … }`.
    mutating func trackedInterfaces(_ block: [ConfigurationNode], owner: String) -> [VRRPTrackedInterface] {
        var result: [VRRPTrackedInterface] = []
        for node in block {
            guard interfaceName(node.keyword, what: "track_interface") else { continue }
            guard let (weight, reverse) = trackingWeight(node, allowNoReverse: false) else { continue }
            if result.contains(where: { $0.name == node.name }) {
                log.warning(node.location, "track_interface \(node.name) is listed twice in \(owner); it is ignored")
                continue
            }
            result.append(VRRPTrackedInterface(name: node.name, weight: weight, reverse: reverse ?? false))
        }
        return result
    }

    /// `track_script { NAME [weight N [reverse|noreverse]] … }`.
    mutating func trackedScripts(_ block: [ConfigurationNode], owner: String) -> [VRRPTrackedScript] {
        var result: [VRRPTrackedScript] = []
        for node in block {
            guard let (weight, reverse) = trackingWeight(node, allowNoReverse: true) else { continue }
            if result.contains(where: { $0.name == node.name }) {
                log.warning(node.location, "track_script \(node.name) is listed twice in \(owner); it is ignored")
                continue
            }
            vrrpNotes.trackedScriptTokens.append((owner, node.keyword))
            result.append(VRRPTrackedScript(name: node.name, weight: weight, reverse: reverse))
        }
        return result
    }

    /// `[weight N [reverse]]` after a tracked object: nil on a mistake; weights ±254 become ±253
    /// with a warning, as keepalived does (a tracked object never makes or unmakes the owner).
    private mutating func trackingWeight(_ node: ConfigurationNode, allowNoReverse: Bool) -> (Int16?, Bool?)? {
        if let location = node.blockLocation {
            log.warning(location, "a tracked object takes no block; the block is ignored")
        }
        let words = node.arguments
        guard let first = words.first else { return (nil, nil) }
        guard first.text == "weight" else {
            log.error(first.location, "unknown option \"\(first.text)\" for \(node.name); use weight N [reverse]")
            return nil
        }
        guard words.count >= 2, var weight = signedWeight(words[1], limit: 254) else {
            if words.count < 2 { log.error(first.location, "weight of \(node.name) needs a number from -253 to 253") }
            return nil
        }
        if abs(weight) == 254 {
            log.warning(words[1].location, "weight \(weight) is not allowed; \(weight > 0 ? 253 : -253) is used")
            weight = weight > 0 ? 253 : -253
        }
        var reverse: Bool?
        if words.count >= 3 {
            switch words[2].text {
            case "reverse": reverse = true
            case "noreverse" where allowNoReverse: reverse = false
            default:
                log.error(words[2].location, "unknown weight option \"\(words[2].text)\"; use reverse")
                return nil
            }
        }
        if words.count > 3 {
            log.warning(words[3].location, "\(node.name): extra words from \"\(words[3].text)\" on are ignored")
        }
        return (weight, reverse)
    }

    /// A whole number from -limit to limit.
    mutating func signedWeight(_ token: ConfigurationToken, limit: Int16) -> Int16? {
        let digits =
            token.text.hasPrefix("-") || token.text.hasPrefix("+") ? token.text.dropFirst() : Substring(token.text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int16(token.text),
            (-limit...limit).contains(value)
        else {
            log.error(token.location, "weight \"\(token.text)\" is not a number from -253 to 253")
            return nil
        }
        return value
    }

    /// `use_vmac [[name] NAME] [MAC]`: a word with `:` is the MAC (5 or 6 bytes), another the name.
    mutating func virtualMAC(_ node: ConfigurationNode) -> VRRPVirtualMAC? {
        guard let args = arguments(node, 0, 3, usage: "an optional name and MAC, e.g. use_vmac vrrp.51") else {
            return nil
        }
        var vmac = VRRPVirtualMAC()
        var index = 0
        while index < args.count {
            var word = args[index]
            if word.text.contains(":") {
                let parts = word.text.split(separator: ":", omittingEmptySubsequences: false)
                let bytes = parts.compactMap { $0.count <= 2 ? UInt8($0, radix: 16) : nil }
                guard bytes.count == parts.count, bytes.count == 5 || bytes.count == 6, bytes[0] & 1 == 0 else {
                    log.error(
                        word.location,
                        "use_vmac \"\(word.text)\" is not a unicast MAC address; write 6 bytes (or 5, the VRID is appended) such as 02:00:5e:00:01"
                    )
                    return nil
                }
                vmac.address = bytes
            } else {
                if word.text == "name", index + 1 < args.count {
                    index += 1
                    word = args[index]
                }
                guard interfaceName(word, what: "use_vmac") else { return nil }
                vmac.interfaceName = word.text
            }
            index += 1
        }
        return vmac
    }
}
