import LVSCore
import LVSPacket
import Testing

@testable import LVSPacketEngine

/// The fanout steering program (docs/design/0025-packet-engine-without-a-lock.md), run in the
/// interpreter over crafted IP packets: both directions of a masqueraded connection pick the
/// worker of the connection's client.
@Suite struct FanoutProgramTests {
    static let vip = IPAddress(ipv4: 0xCB00_7101)  // 203.0.113.1
    static let client = IPAddress(ipv4: 0xC633_6407)  // 198.51.100.7

    static func ipv4(
        _ source: String, _ sourcePort: UInt16, _ destination: String, _ destinationPort: UInt16,
        options: [UInt8] = [], udp: Bool = false
    ) -> [UInt8] {
        let ip = PacketBuilder.ip.ipv4(source: source, destination: destination, options: options)
        let packet =
            udp
            ? ip.udp(sourcePort: sourcePort, destinationPort: destinationPort)
            : ip.tcp(sourcePort: sourcePort, destinationPort: destinationPort, flags: [.ack])
        return packet.build()
    }

    @Test func bothDirectionsOfANATConnectionPickTheClientsValue() throws {
        let program = FanoutProgram(virtualAddresses: [IPAddress(ipv4: 0xCB00_7163), Self.vip])
        let expected = FanoutProgram.hash(client: Self.client, port: 40_001)
        let request = Self.ipv4("198.51.100.7", 40_001, "203.0.113.1", 80)
        let reply = Self.ipv4("192.168.10.2", 8080, "198.51.100.7", 40_001)
        #expect(program.run(request) == expected)
        #expect(program.run(reply) == expected)
        // UDP and an IPv4 header with options (IHL 6) read the ports after the header.
        let udp = Self.ipv4("198.51.100.7", 40_001, "203.0.113.1", 53, udp: true)
        #expect(program.run(udp) == expected)
        let withOptions = Self.ipv4("198.51.100.7", 40_001, "203.0.113.1", 80, options: [1, 1, 1, 0])
        #expect(program.run(withOptions) == expected)
    }

    @Test func ipv6DirectionsAgree() throws {
        let vip = try #require(WireAddress("2001:db8::1"))
        let client = try #require(WireAddress("2001:db8:1::7"))
        let server = try #require(WireAddress("fd00::2"))
        let program = FanoutProgram(virtualAddresses: [Self.vip, vip.ipAddress])
        let request = PacketBuilder.ip.ipv6(source: client, destination: vip)
            .tcp(sourcePort: 40_002, destinationPort: 80, flags: [.ack]).build()
        let reply = PacketBuilder.ip.ipv6(source: server, destination: client)
            .tcp(sourcePort: 8080, destinationPort: 40_002, flags: [.ack]).build()
        let expected = FanoutProgram.hash(client: client.ipAddress, port: 40_002)
        #expect(program.run(request) == expected)
        #expect(program.run(reply) == expected)
    }

    @Test func clientsSpreadOverTwoWorkers() {
        let program = FanoutProgram(virtualAddresses: [Self.vip])
        var perWorker = [0, 0]
        for n in 0..<1000 {
            let port = UInt16(32_768 + n)
            let request = Self.ipv4("198.51.100.\(n % 200 + 1)", port, "203.0.113.1", 80)
            guard let value = program.run(request) else { continue }
            perWorker[Int(value % 2)] += 1
        }
        #expect(perWorker[0] + perWorker[1] == 1000)
        #expect(perWorker.allSatisfy { $0 > 400 })
    }

    @Test func manyVirtualAddressesStayWithinTheKernelsLimit() {
        let many = (0..<300).map { IPAddress(ipv4: 0x0A00_0000 | UInt32($0)) } + [Self.vip]
        let program = FanoutProgram(virtualAddresses: many)
        #expect(program.instructions.count <= FanoutProgram.maximumLength)
        // The last address is 600 instructions past the first branch: reached through `ja`.
        let request = Self.ipv4("198.51.100.7", 40_001, "203.0.113.1", 80)
        #expect(program.run(request) == FanoutProgram.hash(client: Self.client, port: 40_001))
        let tooMany = (0..<5000).map { IPAddress(ipv4: 0x0A00_0000 | UInt32($0)) }
        #expect(FanoutProgram(virtualAddresses: tooMany).instructions.count <= FanoutProgram.maximumLength)
    }

    @Test func otherPacketsStillGetAValue() {
        let program = FanoutProgram(virtualAddresses: [Self.vip])
        #expect(program.run([0x00, 0x01]) == 0)
        #expect(program.run([]) == nil)
    }
}
