import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPReceiveCheckTests {
    let source = IPAddress(ipv4: 0x0A09_0001)
    let group = IPAddress(ipv4: 0xE000_0012)
    let vip = IPAddress(ipv4: 0x0A09_0064)

    func advert(_ version: VRRPVersion = .v2, auth: VRRPAuthentication = .none) -> VRRPAdvertisement {
        VRRPAdvertisement(
            version: version, virtualRouterID: 7, priority: 100, intervalCentiseconds: 100, addresses: [vip],
            authentication: auth)
    }

    func expectations(_ version: VRRPVersion = .v2, auth: VRRPAuthentication = .none) -> VRRPReceiveExpectations {
        VRRPReceiveExpectations(
            version: version, virtualRouterID: 7, intervalCentiseconds: 100, authentication: auth, addresses: [vip])
    }

    func packet(_ advert: VRRPAdvertisement, ttl: UInt8 = 255, destination: IPAddress? = nil) throws -> [UInt8] {
        try VRRPIPv4Packet.build(
            advert, source: source, destination: destination ?? group, identification: 1, sequenceNumber: 5,
            timeToLive: ttl)
    }

    /// Rewrites one byte of the VRRP message (after a 20-byte header) and fixes the v2 checksum,
    /// so the check under test, not the checksum, is what fails.
    func mutated(_ raw: [UInt8], at offset: Int, to value: UInt8, refreshChecksum: Bool = true) -> [UInt8] {
        var bytes = raw
        bytes[20 + offset] = value
        if refreshChecksum {
            let message = Array(bytes[20...])
            let checksum = VRRPChecksum.compute(message, coverage: .messageOnly)
            bytes[26] = UInt8(checksum >> 8)
            bytes[27] = UInt8(checksum & 0xFF)
        }
        return bytes
    }

    @Test func eachDropReasonIsNamedByItsCheck() throws {
        let raw = try packet(advert())
        let ok = expectations()
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: ok) == .accepted(advert(), sequenceNumber: nil))
        #expect(VRRPReceiveCheck.check(ipv4: mutated(raw, at: 1, to: 8), against: ok) == .notOurs)
        #expect(VRRPReceiveCheck.check(ipv4: try packet(advert(), ttl: 254), against: ok) == .dropped(.badTTL))
        #expect(VRRPReceiveCheck.check(ipv4: mutated(raw, at: 0, to: 0x22), against: ok) == .dropped(.badType))
        #expect(VRRPReceiveCheck.check(ipv4: mutated(raw, at: 4, to: 3), against: ok) == .dropped(.badAuthType))
        #expect(VRRPReceiveCheck.check(ipv4: mutated(raw, at: 5, to: 2), against: ok) == .dropped(.intervalMismatch))
        #expect(
            VRRPReceiveCheck.check(ipv4: mutated(raw, at: 6, to: raw[26] ^ 1, refreshChecksum: false), against: ok)
                == .dropped(.badChecksum))
        #expect(VRRPReceiveCheck.check(ipv4: mutated(raw, at: 11, to: 0x65), against: ok) == .dropped(.addressMismatch))
        #expect(
            VRRPReceiveCheck.check(ipv4: try packet(advert(), destination: source), against: ok)
                == .dropped(.destinationMismatch))
        #expect(VRRPReceiveCheck.check(ipv4: try packet(advert(.v3)), against: ok) == .dropped(.badVersion))
        #expect(VRRPReceiveCheck.check(ipv4: Array(raw.dropLast()), against: ok) == .dropped(.truncated))
        #expect(VRRPReceiveCheck.check(ipv4: raw + [0], against: ok) == .dropped(.tooLong))
        var twoVIPs = ok
        twoVIPs.addresses.append(IPAddress(ipv4: 0x0A09_0065))
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: twoVIPs) == .dropped(.addressMismatch))
        twoVIPs.skipAddressCheck = true
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: twoVIPs) == .accepted(advert(), sequenceNumber: nil))
    }

    @Test func authenticationHeaderPresenceMustMatch() throws {
        let key = Array("k".utf8)
        let ahPacket = try packet(advert(auth: .authenticationHeader(key)))
        #expect(VRRPReceiveCheck.check(ipv4: ahPacket, against: expectations()) == .dropped(.badAuthType))
        #expect(
            VRRPReceiveCheck.check(ipv4: try packet(advert()), against: expectations(auth: .authenticationHeader(key)))
                == .dropped(.badAuthType))
        // A short key is the same key zero-padded to 8 bytes.
        #expect(
            VRRPReceiveCheck.check(ipv4: ahPacket, against: expectations(auth: .authenticationHeader(key + [0, 0])))
                == .accepted(advert(auth: .authenticationHeader([])), sequenceNumber: 5))
        #expect(
            VRRPReceiveCheck.check(ipv4: ahPacket, against: expectations(auth: .authenticationHeader(Array("j".utf8))))
                == .dropped(.badAH))
        // Mutable fields are outside the ICV: a router may rewrite TOS without breaking it.
        var rewritten = ahPacket
        rewritten[1] = 0
        #expect(
            VRRPReceiveCheck.check(ipv4: rewritten, against: expectations(auth: .authenticationHeader(key)))
                == .accepted(advert(auth: .authenticationHeader([])), sequenceNumber: 5))
        var tampered = ahPacket
        tampered[44 + 2] = 200  // the priority inside the authenticated message
        #expect(
            VRRPReceiveCheck.check(ipv4: tampered, against: expectations(auth: .authenticationHeader(key)))
                == .dropped(.badAH))
    }

    @Test func version3ChecksumAsVersion2() throws {
        let v3 = advert(.v3)
        let plain = try VRRPIPv4Packet.build(
            v3, source: source, destination: group, identification: 1, v3ChecksumAsV2: true)
        let message = try VRRPIPv4Packet(parsing: plain).message.bytes
        #expect(VRRPChecksum.verifies(message, coverage: .messageOnly))
        var expected = expectations(.v3)
        #expect(VRRPReceiveCheck.check(ipv4: plain, against: expected) == .dropped(.badChecksum))
        expected.v3ChecksumAsV2 = true
        #expect(VRRPReceiveCheck.check(ipv4: plain, against: expected) == .accepted(v3, sequenceNumber: nil))
        // Peers not yet configured alike still send the pseudo-header form.
        let standard = try packet(v3)
        #expect(VRRPReceiveCheck.check(ipv4: standard, against: expected) == .accepted(v3, sequenceNumber: nil))
    }

    @Test func unicastTTLRangeAndSource() throws {
        let peer = IPAddress(ipv4: 0x0A09_0003)
        let raw = try packet(advert(.v3), ttl: 64, destination: peer)
        var expected = expectations(.v3)
        expected.unicastPeers = [VRRPUnicastPeer(address: source)]
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .accepted(advert(.v3), sequenceNumber: nil))
        expected.unicastPeers = [VRRPUnicastPeer(address: source, minimumTTL: 200)]
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .dropped(.badTTL))
        expected.unicastPeers = [VRRPUnicastPeer(address: peer)]
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .accepted(advert(.v3), sequenceNumber: nil))
        expected.checkUnicastSource = true
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .dropped(.unknownSource))
    }

    @Test func dropReasonNamesAreStableAndDistinct() {
        let names = VRRPDropReason.allCases.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(VRRPDropReason.badTTL.name == "bad_ttl" && VRRPDropReason.badAH.name == "bad_ah")
        #expect(names.allSatisfy { $0.allSatisfy { $0 == "_" || ("a"..."z").contains($0) } })
    }
}
