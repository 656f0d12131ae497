import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPMessageTests {
    let vip = IPAddress(ipv4: 0x0A00_0001)

    @Test func encodingRefusesWhatTheWireCannotCarry() {
        let v6 = IPAddress(ipv6High: 0xfe80 << 48, low: 1)
        func encode(_ advert: VRRPAdvertisement) -> VRRPEncodingError? {
            do {
                _ = try advert.encodedMessage(checksum: .messageOnly)
                return nil
            } catch { return error }
        }
        #expect(
            encode(.init(version: .v2, virtualRouterID: 1, priority: 1, intervalCentiseconds: 100, addresses: [v6]))
                == .version2RequiresIPv4)
        #expect(
            encode(
                .init(version: .v3, virtualRouterID: 1, priority: 1, intervalCentiseconds: 100, addresses: [vip, v6]))
                == .mixedAddressFamilies)
        #expect(
            encode(.init(version: .v2, virtualRouterID: 1, priority: 1, intervalCentiseconds: 150, addresses: [vip]))
                == .intervalNotRepresentable)
        #expect(
            encode(.init(version: .v3, virtualRouterID: 1, priority: 1, intervalCentiseconds: 4096, addresses: [vip]))
                == .intervalNotRepresentable)
        #expect(
            encode(
                .init(
                    version: .v3, virtualRouterID: 1, priority: 1, intervalCentiseconds: 100,
                    addresses: Array(repeating: vip, count: 256))) == .tooManyAddresses)
    }

    @Test func roundTripsBothVersions() throws {
        for advert in [
            VRRPAdvertisement(
                version: .v2, virtualRouterID: 9, priority: 0, intervalCentiseconds: 25_500, addresses: []),
            VRRPAdvertisement(
                version: .v3, virtualRouterID: 255, priority: 255, intervalCentiseconds: 4095, addresses: [vip]),
            VRRPAdvertisement(
                version: .v2, virtualRouterID: 1, priority: 1, intervalCentiseconds: 300, addresses: [vip],
                authentication: .password(Array("12345678".utf8))),
        ] {
            let bytes = try advert.encodedMessage(source: vip, destination: IPAddress(ipv4: 0xE000_0012))
            #expect(try VRRPAdvertisement(decoding: bytes, family: .inet) == advert)
        }
    }

    @Test func version3IgnoresTheReservedBits() throws {
        var bytes = try VRRPAdvertisement(
            version: .v3, virtualRouterID: 1, priority: 1, intervalCentiseconds: 100, addresses: [vip]
        ).encodedMessage(checksum: .messageOnly)
        bytes[4] |= 0xF0
        #expect(try VRRPMessage(parsing: bytes, family: .inet).interval == 100)
    }

    @Test func malformedHeadersAreNamed() {
        func reason(_ bytes: [UInt8], _ family: AddressFamily = .inet) -> VRRPDropReason? {
            do {
                _ = try VRRPMessage(parsing: bytes, family: family)
                return nil
            } catch { return error }
        }
        #expect(reason([0x21, 1, 1]) == .truncated)
        #expect(reason([0x41, 1, 1, 0, 0, 1, 0, 0]) == .badVersion)
        #expect(reason([0x21, 1, 1, 0, 0, 1, 0, 0] + [UInt8](repeating: 0, count: 8), .inet6) == .badVersion)
        #expect(reason([0x31, 1, 1, 1, 0, 100, 0, 0, 10, 0, 0]) == .truncated)
        #expect(reason([0x31, 1, 1, 0, 0, 100, 0, 0, 0]) == .tooLong)
    }

    /// Random bytes, every truncation and every single-byte mutation of a valid packet: the
    /// parser and the receive check must return or throw, never trap.
    @Test func fuzzedInputNeverTraps() throws {
        var generator = SplitMix64(seed: 0x5652_5250)
        let valid = try VRRPIPv4Packet.build(
            VRRPAdvertisement(
                version: .v2, virtualRouterID: 7, priority: 100, intervalCentiseconds: 100, addresses: [vip],
                authentication: .authenticationHeader(Array("key".utf8))),
            source: vip, destination: IPAddress(ipv4: 0xE000_0012), identification: 1, sequenceNumber: 1)
        let expected = VRRPReceiveExpectations(
            version: .v2, virtualRouterID: 7, intervalCentiseconds: 100,
            authentication: .authenticationHeader(Array("key".utf8)), addresses: [vip])
        var accepted = 0
        var inputs = (0...valid.count).map { Array(valid.prefix($0)) }
        for _ in 0..<2000 {
            var bytes = valid
            bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            inputs.append(bytes)
            inputs.append((0..<Int(generator.next() % 80)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        for input in inputs {
            if case .accepted = VRRPReceiveCheck.check(ipv4: input, against: expected) { accepted += 1 }
            _ = try? VRRPMessage(parsing: input, family: .inet6)
            _ = try? VRRPAdvertisement(decoding: input, family: .inet)
        }
        // Only the untouched packet and mutations of fields outside the ICV and checks pass.
        #expect(accepted >= 1 && accepted < 200)
    }
}

/// A small deterministic generator so fuzz runs repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
