import Testing

@testable import LVSCore

@Suite struct DirectorAdminTests {
    let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("10.0.0.1")!, port: 80)
    func rs(_ last: UInt32, weight: Int32 = 1, fwd: ForwardingMethod = .masquerading) -> RealServerConfig {
        RealServerConfig(address: IPAddress(ipv4: 0xC0A8_0A00 | last), port: 80, forwarding: fwd, weight: weight)
    }

    @Test func addsListNewestFirstAndRejectsDuplicates() throws {
        let d = Director(seed: 1)
        try d.apply(.addService(VirtualServiceConfig(id: vip, scheduler: "rr")), now: .zero)
        try d.apply(.addRealServer(vip, rs(1)), now: .zero)
        try d.apply(.addRealServer(vip, rs(2)), now: .zero)
        #expect(d.services[vip]!.realServers.map(\.key.address.description) == ["192.168.10.2", "192.168.10.1"])
        #expect(throws: AdminError.alreadyExists) { try d.apply(.addRealServer(vip, rs(1)), now: .zero) }
        #expect(throws: AdminError.alreadyExists) {
            try d.apply(.addService(VirtualServiceConfig(id: vip)), now: .zero)
        }
    }

    @Test func errorsMapToIpvsadmMessages() {
        let d = Director(seed: 1)
        let add = AdminCommand.addRealServer(vip, rs(1))
        do {
            try d.apply(add, now: .zero)
            Issue.record("expected failure")
        } catch {
            #expect(error.ipvsadmMessage(for: add) == "Service not defined")
        }
        let bad = AdminCommand.addService(VirtualServiceConfig(id: vip, scheduler: "bogus"))
        #expect(throws: AdminError.notFound) { try d.apply(bad, now: .zero) }
        #expect(AdminError.notFound.ipvsadmMessage(for: bad) == "Scheduler or persistence engine not found")
        #expect(throws: AdminError.noSuchService) { try d.apply(.deleteService(vip), now: .zero) }
    }

    @Test func kernelChecksOnRealServers() throws {
        let d = Director(seed: 1)
        try d.apply(.addService(VirtualServiceConfig(id: vip)), now: .zero)
        var c = rs(1)
        c.lowerThreshold = 5
        #expect(throws: AdminError.outOfRange) { try d.apply(.addRealServer(vip, c), now: .zero) }
        let multicast = RealServerConfig(address: IPAddress("224.0.0.1")!, port: 80)
        #expect(throws: AdminError.invalidArgument("address not unicast")) {
            try d.apply(.addRealServer(vip, multicast), now: .zero)
        }
        let v6 = RealServerConfig(address: IPAddress("2001:db8::1")!, port: 80, forwarding: .masquerading)
        #expect(throws: AdminError.addressFamilyNotSupported) { try d.apply(.addRealServer(vip, v6), now: .zero) }
        var tunnelled = v6
        tunnelled.forwarding = .tunnelling
        try d.apply(.addRealServer(vip, tunnelled), now: .zero)
    }

    @Test func batchIsAllOrNothing() throws {
        let d = Director(seed: 1)
        let other = VirtualServiceID(protocol: .udp, address: IPAddress("10.0.0.1")!, port: 53)
        let batch: [AdminCommand] = [
            .addService(VirtualServiceConfig(id: vip)), .addRealServer(vip, rs(1)),
            .addService(VirtualServiceConfig(id: other)), .addRealServer(vip, rs(1)),
        ]
        #expect(throws: BatchError.self) { try d.apply(batch: batch, now: .zero) }
        do { try d.apply(batch: batch, now: .zero) } catch { #expect(error.index == 3) }
        #expect(d.services.isEmpty)
        #expect(d.configuration.serviceOrder.isEmpty)
        try d.apply(batch: Array(batch.prefix(3)), now: .zero)
        #expect(d.snapshot().services.map(\.config.id) == [vip, other])
    }

    @Test func editServiceReplacesEverythingAndEditServerKeepsPosition() throws {
        let d = Director(seed: 1)
        try d.apply(.addService(VirtualServiceConfig(id: vip, scheduler: "rr", persistenceTimeout: 360)), now: .zero)
        try d.apply(.addRealServer(vip, rs(1)), now: .zero)
        try d.apply(.addRealServer(vip, rs(2)), now: .zero)
        try d.apply(.editService(VirtualServiceConfig(id: vip)), now: .zero)
        #expect(d.services[vip]!.config.scheduler == "wlc")
        #expect(d.services[vip]!.config.persistenceTimeout == nil)
        try d.apply(.editRealServer(vip, rs(1, weight: 0)), now: .zero)
        let servers = d.services[vip]!.realServers
        #expect(servers.map(\.weight) == [1, 0])
        #expect(servers[1].lastNonZeroWeight == 1)
        #expect(throws: AdminError.notFound) { try d.apply(.editRealServer(vip, rs(9)), now: .zero) }
    }

    @Test func setTimeoutsZeroKeepsValueAndDaemonsAreUnique() throws {
        let d = Director(seed: 1)
        try d.apply(.setTimeouts(TimeoutSettings(tcpEstablished: 0, tcpFinWait: 30, udp: 0)), now: .zero)
        #expect(d.timeouts == TimeoutSettings(tcpEstablished: 900, tcpFinWait: 30, udp: 300))
        try d.apply(.startDaemon(SyncDaemonConfig(role: .backup)), now: .zero)
        try d.apply(.startDaemon(SyncDaemonConfig(role: .master)), now: .zero)
        #expect(d.syncDaemons.map(\.role) == [.master, .backup])
        #expect(throws: AdminError.alreadyExists) {
            try d.apply(.startDaemon(SyncDaemonConfig(role: .master)), now: .zero)
        }
        try d.apply(.stopDaemon(.master), now: .zero)
        #expect(throws: AdminError.noSuchService) { try d.apply(.stopDaemon(.master), now: .zero) }
    }

    @Test func thresholdHysteresisOnReconfiguration() throws {
        let server = RealServer(config: rs(1))
        server.totalConnections = 8
        server.reconfigure(RealServerConfig(address: server.key.address, port: 80, upperThreshold: 8))
        #expect(server.isOverloaded)
        server.totalConnections = 7  // between lower (6) and upper: unchanged
        server.updateOverloadAfterReconfiguration()
        #expect(server.isOverloaded)
        server.totalConnections = 5
        server.updateOverloadAfterReconfiguration()
        #expect(!server.isOverloaded)
    }
}

@Suite struct DirectorEngineRulesTests {
    let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("10.0.0.1")!, port: 80)

    @Test func proxyAndPacketRealServersCannotShareAService() throws {
        let d = Director(seed: 1)
        try d.apply(.addService(VirtualServiceConfig(id: vip)), now: .zero)
        try d.apply(
            .addRealServer(vip, RealServerConfig(address: IPAddress("10.0.0.2")!, port: 80, forwarding: .proxy)),
            now: .zero)
        let masq = AdminCommand.addRealServer(
            vip, RealServerConfig(address: IPAddress("10.0.0.3")!, port: 80, forwarding: .masquerading))
        #expect(throws: AdminError.self) { try d.apply(masq, now: .zero) }
        // Editing the only real server to another method is allowed: nothing else shares the service.
        try d.apply(
            .editRealServer(
                vip, RealServerConfig(address: IPAddress("10.0.0.2")!, port: 80, forwarding: .directRouting)),
            now: .zero)
        #expect(d.services[vip]!.realServers.map(\.config.forwarding) == [.directRouting])
    }

    @Test func proxyOptionsNeedTheProxyMethod() throws {
        let d = Director(seed: 1)
        try d.apply(.addService(VirtualServiceConfig(id: vip)), now: .zero)
        var server = RealServerConfig(
            address: IPAddress("10.0.0.2")!, port: 80, forwarding: .masquerading, proxyProtocol: .v2)
        #expect(throws: AdminError.invalidArgument("PROXY protocol and transparent source need the proxy method")) {
            try d.apply(.addRealServer(vip, server), now: .zero)
        }
        server.forwarding = .proxy
        try d.apply(.addRealServer(vip, server), now: .zero)
    }
}
