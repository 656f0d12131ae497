import Testing

@testable import LVSCore

/// Builders shared by the scheduler tests: real servers 10.0.0.n labelled by letter (n = 1 is
/// "A"), and scheduling inputs.
enum SchedulingFixture {
    static func server(
        _ number: UInt32, weight: Int32 = 1, port: UInt16 = 80, active: Int32 = 0, total: Int32 = 0,
        overloaded: Bool = false
    ) -> RealServer {
        let address = IPAddress(ipv4: 0x0A00_0000 | number)
        let server = RealServer(config: RealServerConfig(address: address, port: port, weight: weight))
        server.activeConnections = active
        server.totalConnections = total
        server.isOverloaded = overloaded
        return server
    }

    static func input(
        client: UInt32 = 0xC0A8_0101, clientPort: UInt16 = 0, destination: UInt32 = 0x0A0A_0A0A,
        protocolNumber: IPProtocolNumber = .tcp, now: UInt64 = 0
    ) -> SchedulingInput {
        SchedulingInput(
            clientAddress: IPAddress(ipv4: client), clientPort: clientPort,
            destinationAddress: IPAddress(ipv4: destination), destinationPort: 80,
            protocolNumber: protocolNumber, now: .seconds(now))
    }

    /// "A" for 10.0.0.1, "B" for 10.0.0.2, …; "-" for no pick.
    static func label(_ server: RealServer?) -> String {
        guard let server else { return "-" }
        let number = UInt8(truncatingIfNeeded: server.key.address.ipv4Value & 0xFF)
        return String(Character(Unicode.Scalar(64 + number)))
    }

    /// The labels of `count` successive picks with the same input.
    static func labels(_ scheduler: any Scheduler, count: Int, input: SchedulingInput = input()) -> String {
        var out = ""
        for _ in 0..<count { out += label(scheduler.pick(input)) }
        return out
    }
}
