import LVSCore

/// keepalived 2.2's receive checks (`vrrp_check_packet`) as a pure function.
public enum VRRPReceiveCheck {
    /// The IPv4 multicast group of VRRP (RFC 5798 §5.1.1.2).
    static let multicastGroup = IPAddress(ipv4: 0xE000_0012)

    /// Parses a raw IPv4 packet and checks it; parse failures are drops.
    public static func check(ipv4 bytes: [UInt8], against expected: VRRPReceiveExpectations) -> VRRPReceiveVerdict {
        do {
            return check(VRRPReceivedPacket(ipv4: try VRRPIPv4Packet(parsing: bytes)), against: expected)
        } catch {
            return .dropped(error)
        }
    }

    /// Checks a parsed packet in keepalived's order: VRID (not ours), AH presence, length, TTL,
    /// version, v2 authentication, v2 interval, type, address count, IP length, checksum,
    /// multicast/unicast, address list, unicast source and its TTL range.
    public static func check(_ packet: VRRPReceivedPacket, against expected: VRRPReceiveExpectations)
        -> VRRPReceiveVerdict
    {
        let message = packet.message
        guard message.virtualRouterID == expected.virtualRouterID else { return .notOurs }
        var expectsAH = false
        if case .authenticationHeader = expected.authentication, expected.version == .v2 { expectsAH = true }
        if let ipv4 = packet.ipv4 {
            if (ipv4.authenticationHeader != nil) != expectsAH { return .dropped(.badAuthType) }
            if Int(ipv4.totalLength) > ipv4.bytes.count { return .dropped(.truncated) }
            if Int(ipv4.totalLength) < ipv4.bytes.count { return .dropped(.tooLong) }
        }
        let unicast = !expected.unicastPeers.isEmpty
        // RFC 5798 §7.1: the TTL/hop limit must be 255; keepalived skips this for unicast.
        if !unicast, let hopLimit = packet.hopLimit, hopLimit != 255 { return .dropped(.badTTL) }
        guard message.version == expected.version.rawValue else { return .dropped(.badVersion) }
        var sequenceNumber: UInt32? = nil
        if expected.version == .v2 {
            if let reason = authenticationFailure(packet, expected, unicast: unicast, sequence: &sequenceNumber) {
                return .dropped(reason)
            }
            // RFC 3768 §7.1: a different interval is discarded (keepalived: drop, logged).
            if message.intervalCentiseconds != expected.intervalCentiseconds { return .dropped(.intervalMismatch) }
        }
        guard message.type == 1 else { return .dropped(.badType) }
        if !expected.skipAddressCheck && message.addresses.count != expected.addresses.count {
            return .dropped(.addressMismatch)
        }
        if !checksumVerifies(packet, expected, unicast: unicast) { return .dropped(.badChecksum) }
        if isMulticast(packet.destination) == unicast { return .dropped(.destinationMismatch) }
        if !expected.skipAddressCheck {
            let advertised = Set(message.addresses)
            if !expected.addresses.allSatisfy({ advertised.contains($0) }) { return .dropped(.addressMismatch) }
        }
        if unicast {
            let peer = expected.unicastPeers.first { $0.address == packet.source }
            if peer == nil && expected.checkUnicastSource { return .dropped(.unknownSource) }
            if let peer, let hopLimit = packet.hopLimit, !(peer.minimumTTL...peer.maximumTTL).contains(hopLimit) {
                return .dropped(.badTTL)
            }
        }
        do {
            return .accepted(try message.advertisement(), sequenceNumber: sequenceNumber)
        } catch {
            return .dropped(error)
        }
    }

    /// v2 auth type, PASS and AH (RFC 3768 §5.3.6 types as keepalived implements them).
    private static func authenticationFailure(
        _ packet: VRRPReceivedPacket, _ expected: VRRPReceiveExpectations, unicast: Bool, sequence: inout UInt32?
    ) -> VRRPDropReason? {
        let message = packet.message
        guard message.authenticationType <= 2 else { return .badAuthType }
        guard message.authenticationType == expected.authentication.wireType else { return .badAuthType }
        switch expected.authentication {
        case .none:
            return nil
        case .password:
            var difference: UInt8 = 0
            for (left, right) in zip(message.authenticationData, expected.authentication.paddedSecret) {
                difference |= left ^ right
            }
            return difference == 0 ? nil : .badPassword
        case .authenticationHeader:
            guard let ipv4 = packet.ipv4, let header = ipv4.authenticationHeader else { return .badAuthType }
            guard header.nextHeader == VRRPChecksum.protocolNumber else { return .badAH }
            guard ipv4.authenticationHeaderVerifies(key: expected.authentication.paddedSecret, unicast: unicast) else {
                return .badAH
            }
            guard header.securityParametersIndex == ipv4.source.ipv4Value else { return .badAH }
            guard header.sequenceNumber > expected.lastSequenceNumber else { return .staleSequenceNumber }
            sequence = header.sequenceNumber
            return nil
        }
    }

    /// v2: message only. v3: pseudo-header by default; with `v3_checksum_as_v2` (IPv4) the
    /// message-only sum, or the pseudo-header one from peers not yet configured alike; unicast
    /// IPv4 also accepts keepalived ≤ 1.3.6's pseudo-header with the multicast group as
    /// destination (keepalived 2.2 detects and accepts it: `old_unicast_checksum`).
    private static func checksumVerifies(
        _ packet: VRRPReceivedPacket, _ expected: VRRPReceiveExpectations, unicast: Bool
    ) -> Bool {
        let bytes = packet.message.bytes
        switch expected.version {
        case .v2:
            return VRRPChecksum.verifies(bytes, coverage: .messageOnly)
        case .v3:
            let pseudo = VRRPChecksumCoverage.pseudoHeader(source: packet.source, destination: packet.destination)
            if VRRPChecksum.verifies(bytes, coverage: pseudo) { return true }
            guard packet.source.family == .inet else { return false }
            if expected.v3ChecksumAsV2 && VRRPChecksum.verifies(bytes, coverage: .messageOnly) { return true }
            let old = VRRPChecksumCoverage.pseudoHeader(source: packet.source, destination: multicastGroup)
            return unicast && VRRPChecksum.verifies(bytes, coverage: old)
        }
    }

    private static func isMulticast(_ address: IPAddress) -> Bool {
        switch address.family {
        case .inet: (address.ipv4Value >> 28) == 0xE
        case .inet6: (address.high >> 56) == 0xFF
        }
    }
}
