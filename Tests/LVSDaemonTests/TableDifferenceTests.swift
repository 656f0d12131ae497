import LVSCore
import Testing

@testable import LVSDaemon

@Suite("TableDifference")
struct TableDifferenceTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x7F00_0001), port: 80)
    static func server(_ last: UInt32, weight: Int32 = 1) -> RealServerConfig {
        RealServerConfig(
            address: IPAddress(ipv4: 0x0A00_0000 | last), port: 80, forwarding: .proxy, weight: weight)
    }

    static func model(_ commands: [AdminCommand]) throws -> ConfigurationModel {
        var model = ConfigurationModel(knownSchedulers: Set(SchedulerRegistry.names))
        for command in commands { try model.apply(command) }
        return model
    }

    @Test("a real server added and deleted again in one batch is no change; a weight set twice is one edit")
    func collapses() throws {
        let current = try Self.model([
            .addService(VirtualServiceConfig(id: Self.vip)), .addRealServer(Self.vip, Self.server(1)),
            .addRealServer(Self.vip, Self.server(2, weight: 0)),
        ])
        let commands: [AdminCommand] = [
            .editRealServer(Self.vip, Self.server(2, weight: 3)), .addRealServer(Self.vip, Self.server(3)),
            .deleteRealServer(Self.vip, Self.server(3).key), .editRealServer(Self.vip, Self.server(2, weight: 0)),
            .editRealServer(Self.vip, Self.server(1, weight: 4)), .addRealServer(Self.vip, Self.server(5)),
        ]
        #expect(
            TableDifference.net(of: commands, from: current) == [
                .editRealServer(Self.vip, Self.server(1, weight: 4)), .addRealServer(Self.vip, Self.server(5)),
            ])
    }

    @Test("the net commands rebuild the target, list order included")
    func rebuilds() throws {
        let other = VirtualServiceID(protocol: .udp, address: IPAddress(ipv4: 0x7F00_0001), port: 53)
        let current = try Self.model([
            .addService(VirtualServiceConfig(id: Self.vip)), .addRealServer(Self.vip, Self.server(1)),
            .addService(VirtualServiceConfig(id: other)), .addRealServer(other, Self.server(9)),
        ])
        let target = try Self.model([
            .setTimeouts(TimeoutSettings(tcpEstablished: 60, tcpFinWait: 0, udp: 0)),
            .addService(VirtualServiceConfig(id: Self.vip, scheduler: "rr")), .addRealServer(Self.vip, Self.server(1)),
            .addRealServer(Self.vip, Self.server(2)), .addRealServer(Self.vip, Self.server(3)),
        ])
        let commands = TableDifference.between(current, target)
        #expect(commands.first == .setTimeouts(target.timeouts))
        #expect(commands.contains(.deleteService(other)))
        #expect(commands.contains(.editService(VirtualServiceConfig(id: Self.vip, scheduler: "rr"))))
        var rebuilt = current
        for command in commands { try rebuilt.apply(command) }
        #expect(rebuilt.services == target.services)
        #expect(rebuilt.timeouts == target.timeouts)
        #expect(TableDifference.between(target, target) == [])
    }
}
