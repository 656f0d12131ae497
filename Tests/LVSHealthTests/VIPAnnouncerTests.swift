import LVSCore
import Testing

@testable import LVSHealth

/// Which VIPs a director announces (docs/design/0029-bgp-announcements.md).
@Suite struct VIPAnnouncerTests {
    let vip1 = IPAddress("192.0.2.10")!
    let vip2 = IPAddress("2001:db8::10")!
    let web = HealthVirtualServerID("192.0.2.10 80")
    let tls = HealthVirtualServerID("192.0.2.10 443")
    let six = HealthVirtualServerID("2001:db8::10 80")

    func started(_ requirement: VIPAnnouncer.Requirement = .all) -> VIPAnnouncer {
        var a = VIPAnnouncer()
        _ = a.configurationChanged([vip1: [web, tls], vip2: [six]], requirement: requirement)
        return a
    }

    @Test func nothingIsAnnouncedBeforeTheDirectorIsReadyAndQuorumIsSeen() {
        var a = started()
        #expect(a.announced.isEmpty)
        #expect(a.quorumObserved([web: true, tls: true, six: true]).isEmpty)
        #expect(a.decision(for: vip1).reason == "the director is not ready")
        #expect(a.directorHealthChanged(true) == [.announce(vip1), .announce(vip2)])
        #expect(a.announced == [vip1, vip2])
    }

    @Test func unreportedQuorumCountsAsDown() {
        var a = started()
        _ = a.directorHealthChanged(true)
        #expect(a.quorumObserved([web: true]).isEmpty)
        #expect(!a.decision(for: vip1).announce)
        #expect(a.decision(for: vip1).reason == "no quorum in 192.0.2.10 443")
        #expect(a.quorumObserved([tls: true]) == [.announce(vip1)])
    }

    @Test func allRequiresEveryVirtualServerOfTheVIP() {
        var a = started(.all)
        _ = a.directorHealthChanged(true)
        #expect(a.quorumObserved([web: true, tls: true, six: true]).count == 2)
        #expect(a.quorumObserved([tls: false]) == [.withdraw(vip1)])
        #expect(a.quorumObserved([tls: false]).isEmpty)
        #expect(a.quorumObserved([tls: true]) == [.announce(vip1)])
    }

    @Test func anyNeedsOneVirtualServerOfTheVIP() {
        var a = started(.any)
        _ = a.directorHealthChanged(true)
        _ = a.quorumObserved([web: true, tls: true, six: true])
        #expect(a.quorumObserved([tls: false]).isEmpty)
        #expect(a.quorumObserved([web: false]) == [.withdraw(vip1)])
        #expect(a.decision(for: vip1).reason == "no quorum in any of 192.0.2.10 80, 192.0.2.10 443")
    }

    @Test func anUnhealthyDirectorWithdrawsEverythingAndAStopIsFinal() {
        var a = started()
        _ = a.directorHealthChanged(true)
        _ = a.quorumObserved([web: true, tls: true, six: true])
        #expect(a.directorHealthChanged(false) == [.withdraw(vip1), .withdraw(vip2)])
        #expect(a.directorHealthChanged(true) == [.announce(vip1), .announce(vip2)])
        #expect(a.stopRequested() == [.withdraw(vip1), .withdraw(vip2)])
        #expect(a.directorHealthChanged(true).isEmpty)
        #expect(a.quorumObserved([web: true]).isEmpty)
        #expect(a.status().allSatisfy { !$0.announced && $0.reason == "lvsd is stopping" })
    }

    @Test func aReloadKeepsQuorumOfKeptServersAndWithdrawsRemovedVIPs() {
        var a = started()
        _ = a.directorHealthChanged(true)
        _ = a.quorumObserved([web: true, tls: true, six: true])
        // vip2 leaves; vip1 keeps only `web`, whose quorum is known.
        #expect(a.configurationChanged([vip1: [web]], requirement: .all) == [.withdraw(vip2)])
        #expect(a.announced == [vip1])
        #expect(a.quorum[six] == nil)
        // A new virtual server on vip1 has no quorum yet: under .all the VIP is withdrawn.
        let mail = HealthVirtualServerID("192.0.2.10 25")
        #expect(a.configurationChanged([vip1: [web, mail]], requirement: .all) == [.withdraw(vip1)])
        #expect(a.configurationChanged([vip1: [web, mail]], requirement: .any) == [.announce(vip1)])
    }

    @Test func virtualAddressesComeFromAddressServicesOnly() {
        let tcp = VirtualServiceID(protocol: .tcp, address: vip1, port: 80)
        let udp = VirtualServiceID(protocol: .udp, address: vip1, port: 53)
        let mark = VirtualServiceID(firewallMark: 7, family: .inet)
        let servers = [
            HealthVirtualServerSpecification(id: web, services: [tcp, udp], realServers: []),
            HealthVirtualServerSpecification(
                id: tls, services: [VirtualServiceID(protocol: .tcp, address: vip1, port: 443)], realServers: []),
            HealthVirtualServerSpecification(id: HealthVirtualServerID("fwmark 7"), services: [mark], realServers: []),
        ]
        #expect(VIPAnnouncer.virtualAddresses(of: servers) == [vip1: [web, tls]])
    }

    @Test func statusListsEveryVIPSortedWithItsReason() {
        var a = started()
        _ = a.directorHealthChanged(true)
        _ = a.quorumObserved([web: true, tls: true, six: false])
        let status = a.status()
        #expect(status.map(\.address) == [vip1, vip2])
        #expect(status.map(\.announced) == [true, false])
        #expect(status[1].reason == "no quorum in 2001:db8::10 80")
    }
}
