import LVSCore
import Testing

@testable import LVSConfig

/// `difference(from:)`: only what changed is touched, and the result applied to a director
/// holding the old configuration gives the same table as building the new one from scratch.
@Suite struct DifferenceTests {
    private static let base = """
        virtual_server 192.0.2.1 80 {
            lb_algo rr
            lb_kind NAT
            protocol TCP
            real_server 10.0.0.1 80 {
                weight 1
            }
            real_server 10.0.0.2 80 {
                weight 1
            }
        }
        virtual_server 192.0.2.2 53 {
            lb_algo rr
            lb_kind DR
            protocol UDP
            real_server 10.0.0.5 53 {
            }
        }
        """

    private func configuration(_ text: String) throws -> KeepalivedConfiguration {
        let result = Support.parse(text)
        #expect(result.errors == [])
        return result.configuration
    }

    /// The plan from `old` to `new`, checked against a director: applying it over `old` saves
    /// the same text as `new` built from nothing.
    private func plan(_ old: String, _ new: String) throws -> [AdminCommand] {
        let oldConfiguration = try configuration(old)
        let newConfiguration = try configuration(new)
        let commands = try newConfiguration.difference(from: oldConfiguration)
        let director = try Support.director(oldConfiguration.adminCommands())
        try director.apply(batch: commands, now: .zero)
        #expect(Support.save(director) == (try Support.save(newConfiguration.adminCommands())))
        // The same plan from the director's own model.
        #expect(try newConfiguration.difference(from: director.configuration) == [])
        return commands
    }

    private let web = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0xC000_0201), port: 80)
    private let dns = VirtualServiceID(protocol: .udp, address: IPAddress(ipv4: 0xC000_0202), port: 53)

    @Test func unchangedConfigurationNeedsNothing() throws {
        #expect(try plan(Self.base, Self.base) == [])
    }

    @Test func addingARealServerAddsOnlyIt() throws {
        let new = Self.base.replacingFirst(
            "real_server 10.0.0.5 53 {", with: "real_server 10.0.0.6 53 {\n}\nreal_server 10.0.0.5 53 {")
        #expect(
            try plan(Self.base, new) == [
                .addRealServer(
                    dns, RealServerConfig(address: IPAddress(ipv4: 0x0A00_0006), port: 53, forwarding: .directRouting))
            ])
    }

    @Test func removingARealServerDeletesOnlyIt() throws {
        let new = Self.base.replacingFirst("real_server 10.0.0.2 80 {\n        weight 1\n    }", with: "")
        #expect(
            try plan(Self.base, new) == [
                .deleteRealServer(web, RealServerKey(address: IPAddress(ipv4: 0x0A00_0002), port: 80))
            ])
    }

    @Test func changingAWeightEditsOnlyThatRealServer() throws {
        let new = Self.base.replacingFirst("weight 1", with: "weight 7")
        #expect(
            try plan(Self.base, new) == [
                .editRealServer(
                    web,
                    RealServerConfig(
                        address: IPAddress(ipv4: 0x0A00_0001), port: 80, forwarding: .masquerading, weight: 7))
            ])
    }

    @Test func changingTheSchedulerEditsOnlyTheService() throws {
        let new = Self.base.replacingFirst("lb_algo rr", with: "lb_algo wlc\n    persistence_timeout 60")
        #expect(
            try plan(Self.base, new) == [
                .editService(VirtualServiceConfig(id: web, scheduler: "wlc", persistenceTimeout: 60))
            ])
    }

    @Test func removedAndAddedServicesAndTimeouts() throws {
        let new =
            Self.base.replacingFirst("virtual_server 192.0.2.2 53", with: "virtual_server 192.0.2.3 53")
            + "\nglobal_defs {\n    lvs_timeouts tcp 600\n}\n"
        let dns3 = VirtualServiceID(protocol: .udp, address: IPAddress(ipv4: 0xC000_0203), port: 53)
        #expect(
            try plan(Self.base, new) == [
                .setTimeouts(TimeoutSettings(tcpEstablished: 600, tcpFinWait: 0, udp: 0)),
                .deleteService(dns),
                .addService(VirtualServiceConfig(id: dns3, scheduler: "rr")),
                .addRealServer(
                    dns3, RealServerConfig(address: IPAddress(ipv4: 0x0A00_0005), port: 53, forwarding: .directRouting)),
            ])
    }

    @Test func movingToTheProxyEngineReaddsTheRealServers() throws {
        let new = Self.base.replacingFirst("lb_kind NAT", with: "lb_kind PROXY\n    proxy_protocol v1")
        let key1 = RealServerKey(address: IPAddress(ipv4: 0x0A00_0001), port: 80)
        let key2 = RealServerKey(address: IPAddress(ipv4: 0x0A00_0002), port: 80)
        #expect(
            try plan(Self.base, new) == [
                .deleteRealServer(web, key1), .deleteRealServer(web, key2),
                .addRealServer(
                    web, RealServerConfig(address: key1.address, port: 80, forwarding: .proxy, proxyProtocol: .v1)),
                .addRealServer(
                    web, RealServerConfig(address: key2.address, port: 80, forwarding: .proxy, proxyProtocol: .v1)),
            ])
    }

    @Test func differenceRefusesAConfigurationWithErrors() throws {
        let broken = Support.parse(Self.base + "\nvirtual_server group MISSING {\n}\n").configuration
        #expect(throws: KeepalivedConfigurationError.self) {
            try broken.difference(from: try self.configuration(Self.base))
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
