import Foundation
import LVSCore
import Testing

@testable import LVSVRRP

/// The adverts keepalived 2.2.7 sent in a private namespace (see each fixture's first line).
enum Fixture {
    static func packets(_ name: String) throws -> [[UInt8]] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { bytes(hex: String($0)) }
    }

    static let source = IPAddress(ipv4: 0x0A09_0001)
    static let group = IPAddress(ipv4: 0xE000_0012)
    static let peer = IPAddress(ipv4: 0x0A09_0003)
    static let vip1 = IPAddress(ipv4: 0x0A09_0064)
    static let vip2 = IPAddress(ipv4: 0x0A09_0065)
}

@Suite struct VRRPFixtureTests {
    @Test func version2WithoutAuthentication() throws {
        let expected = VRRPReceiveExpectations(
            version: .v2, virtualRouterID: 51, intervalCentiseconds: 100, addresses: [Fixture.vip1, Fixture.vip2])
        for (index, raw) in try Fixture.packets("v2-noauth").enumerated() {
            let packet = try VRRPIPv4Packet(parsing: raw)
            #expect(packet.typeOfService == 0xC0 && packet.timeToLive == 255 && packet.fragmentField == 0)
            #expect(packet.identification == UInt16(index + 1))
            #expect(packet.source == Fixture.source && packet.destination == Fixture.group)
            let advert = VRRPAdvertisement(
                version: .v2, virtualRouterID: 51, priority: 150, intervalCentiseconds: 100,
                addresses: [Fixture.vip1, Fixture.vip2])
            #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .accepted(advert, sequenceNumber: nil))
            let rebuilt = try VRRPIPv4Packet.build(
                advert, source: Fixture.source, destination: Fixture.group, identification: UInt16(index + 1))
            #expect(rebuilt == raw)
        }
    }

    @Test func version2Password() throws {
        let secret = Array("secret12345".utf8)
        let expected = VRRPReceiveExpectations(
            version: .v2, virtualRouterID: 51, intervalCentiseconds: 100, authentication: .password(secret),
            addresses: [Fixture.vip1])
        let raw = try #require(try Fixture.packets("v2-pass").first)
        let packet = try VRRPIPv4Packet(parsing: raw)
        #expect(packet.message.authenticationData == Array("secret12".utf8))
        guard case .accepted(let advert, nil) = VRRPReceiveCheck.check(ipv4: raw, against: expected) else {
            Issue.record("not accepted")
            return
        }
        #expect(advert.authentication == .password(Array("secret12".utf8)))
        var ours = advert
        ours.authentication = .password(secret)
        #expect(
            try VRRPIPv4Packet.build(ours, source: Fixture.source, destination: Fixture.group, identification: 1) == raw
        )
        var wrong = expected
        wrong.authentication = .password(Array("secret13".utf8))
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: wrong) == .dropped(.badPassword))
        wrong.authentication = .none
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: wrong) == .dropped(.badAuthType))
    }

    @Test(arguments: [("v2-ah", false), ("v2-unicast-ah", true)])
    func version2AuthenticationHeader(fixture: String, unicast: Bool) throws {
        let key = Array("swiftlvs".utf8)
        let destination = unicast ? Fixture.peer : Fixture.group
        let vips = unicast ? [Fixture.vip1] : [Fixture.vip1, Fixture.vip2]
        var expected = VRRPReceiveExpectations(
            version: .v2, virtualRouterID: 51, intervalCentiseconds: 100, authentication: .authenticationHeader(key),
            addresses: vips, unicastPeers: unicast ? [VRRPUnicastPeer(address: Fixture.source)] : [])
        for (index, raw) in try Fixture.packets(fixture).enumerated() {
            let packet = try VRRPIPv4Packet(parsing: raw)
            let header = try #require(packet.authenticationHeader)
            let sequence = UInt32(index + 1)
            #expect(header.nextHeader == 112 && header.payloadLength == 4 && header.sequenceNumber == sequence)
            #expect(header.securityParametersIndex == Fixture.source.ipv4Value)
            #expect(packet.authenticationHeaderVerifies(key: key, unicast: unicast))
            #expect(!packet.authenticationHeaderVerifies(key: Array("swiftlvt".utf8), unicast: unicast))
            let advert = VRRPAdvertisement(
                version: .v2, virtualRouterID: 51, priority: 150, intervalCentiseconds: 100, addresses: vips,
                authentication: .authenticationHeader(key))
            let rebuilt = try VRRPIPv4Packet.build(
                advert, source: Fixture.source, destination: destination, identification: UInt16(index + 1),
                sequenceNumber: sequence, unicast: unicast)
            #expect(rebuilt == raw)
            var decoded = advert
            decoded.authentication = .authenticationHeader([])
            #expect(
                VRRPReceiveCheck.check(ipv4: raw, against: expected) == .accepted(decoded, sequenceNumber: sequence))
            expected.lastSequenceNumber = sequence
            #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .dropped(.staleSequenceNumber))
        }
    }

    @Test(arguments: [("v3-ipv4", false), ("v3-unicast", true)])
    func version3IPv4(fixture: String, unicast: Bool) throws {
        let destination = unicast ? Fixture.peer : Fixture.group
        let vips = unicast ? [Fixture.vip1] : [Fixture.vip1, Fixture.vip2]
        let expected = VRRPReceiveExpectations(
            version: .v3, virtualRouterID: 51, intervalCentiseconds: 100, addresses: vips,
            unicastPeers: unicast ? [VRRPUnicastPeer(address: Fixture.source)] : [])
        let raw = try #require(try Fixture.packets(fixture).first)
        let packet = try VRRPIPv4Packet(parsing: raw)
        #expect(packet.destination == destination)
        let coverage = VRRPChecksumCoverage.pseudoHeader(source: Fixture.source, destination: destination)
        #expect(VRRPChecksum.verifies(packet.message.bytes, coverage: coverage))
        #expect(!VRRPChecksum.verifies(packet.message.bytes, coverage: .messageOnly))
        let advert = VRRPAdvertisement(
            version: .v3, virtualRouterID: 51, priority: 150, intervalCentiseconds: 100, addresses: vips)
        #expect(VRRPReceiveCheck.check(ipv4: raw, against: expected) == .accepted(advert, sequenceNumber: nil))
        #expect(
            try VRRPIPv4Packet.build(advert, source: Fixture.source, destination: destination, identification: 1) == raw
        )
    }

    @Test func version3IPv6() throws {
        let raw = try #require(try Fixture.packets("v3-ipv6").first)
        // The IPv6 header the kernel built: hop limit at 7, addresses at 8 and 24, VRRP from 40.
        #expect(raw[6] == 112 && raw[7] == 255)
        let source = try #require(IPAddress(bytes: Array(raw[8..<24])))
        let destination = try #require(IPAddress(bytes: Array(raw[24..<40])))
        #expect(source.isIPv6LinkLocal && destination == IPAddress(ipv6High: 0xff02 << 48, low: 0x12))
        let message = try VRRPMessage(parsing: Array(raw[40...]), family: .inet6)
        let vips = [IPAddress(ipv6High: 0xfe80 << 48, low: 0x100), IPAddress(ipv6High: 0x2001_0db8 << 32, low: 0x100)]
        let advert = VRRPAdvertisement(
            version: .v3, virtualRouterID: 51, priority: 150, intervalCentiseconds: 100, addresses: vips)
        let expected = VRRPReceiveExpectations(
            version: .v3, virtualRouterID: 51, intervalCentiseconds: 100, addresses: vips)
        let received = VRRPReceivedPacket(
            ipv6Source: source, destination: destination, hopLimit: raw[7], message: message)
        #expect(VRRPReceiveCheck.check(received, against: expected) == .accepted(advert, sequenceNumber: nil))
        #expect(try advert.encodedMessage(source: source, destination: destination) == Array(raw[40...]))
        var lowHops = received
        lowHops.hopLimit = 64
        #expect(VRRPReceiveCheck.check(lowHops, against: expected) == .dropped(.badTTL))
    }
}
