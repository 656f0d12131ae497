import Glibc
import LVSCore
import Testing

@testable import LVSSyncTransport

/// The documented errors: a missing interface, one without an address, a privilege failure, and
/// configuration values out of range.
@Suite("Sync transport errors", .serialized)
struct SyncTransportErrorTests {
    @Test func aMissingInterfaceIsENODEVWithTheFix() {
        let configuration = SyncTransportConfiguration(interfaceName: "lvsnosuch0")
        let sending = #expect(throws: SyncTransportError.self) { try SyncSender(configuration) }
        let receiving = #expect(throws: SyncTransportError.self) { try SyncReceiver(configuration) }
        let lookup = #expect(throws: SyncTransportError.self) { try SyncInterface.lookup("lvsnosuch0") }
        for error in [sending, receiving, lookup] {
            #expect(error == .noSuchInterface("lvsnosuch0"))
            #expect(error?.code == ENODEV)
            #expect(error?.description.contains("No such device (errno \(ENODEV))") == true)
            #expect(error?.description.contains("ip link show") == true)
        }
    }

    @Test func anInterfaceWithoutAnAddressCannotBeAMastersInterface() throws {
        guard SyncLab.available() else { return }
        let lab = try SyncLab()
        defer { lab.tearDown() }
        // A second veth pair in the master's namespace, down and without addresses (so without
        // an IPv6 link-local one either).
        try lab.ip(lab.master, "link add na type veth peer name nb")
        let (ipv4, ipv6) = try lab.inside(lab.master) {
            (
                #expect(throws: SyncTransportError.self) { try SyncSender(.init(interfaceName: "na")) },
                #expect(throws: SyncTransportError.self) {
                    try SyncSender(.init(interfaceName: "na", group: IPAddress("ff02::81")!))
                }
            )
        }
        #expect(ipv4 == .noAddress(interface: "na", family: .inet))
        #expect(ipv4?.code == EADDRNOTAVAIL)
        #expect(ipv4?.description.contains("ip address add") == true)
        #expect(ipv6 == .noAddress(interface: "na", family: .inet6))
    }

    @Test func privilegeErrorsAreSeparatedFromOtherErrors() {
        let denied = SyncTransportError.classify("SO_BINDTODEVICE sb", code: EPERM)
        #expect(denied == .permissionDenied(operation: "SO_BINDTODEVICE sb", code: EPERM))
        #expect(denied.description.hasPrefix("SO_BINDTODEVICE sb: Operation not permitted (errno \(EPERM)); fix:"))
        #expect(denied.description.contains("CAP_NET_RAW"))
        #expect(SyncTransportError.classify("bind", code: EACCES).fix == denied.fix)
        #expect(
            SyncTransportError.classify("bind", code: EADDRINUSE) == .systemCall(operation: "bind", code: EADDRINUSE))
    }

    @Test(arguments: [
        (SyncTransportConfiguration(interfaceName: ""), "1 to 15 bytes"),
        (SyncTransportConfiguration(interfaceName: "an-interface-name-too-long"), "1 to 15 bytes"),
        (SyncTransportConfiguration(interfaceName: "eth0", group: IPAddress("10.0.0.1")!), "not a multicast group"),
        (SyncTransportConfiguration(interfaceName: "eth0", group: IPAddress("2001:db8::1")!), "not a multicast group"),
        (SyncTransportConfiguration(interfaceName: "eth0", basePort: 0), "port 0"),
        (SyncTransportConfiguration(interfaceName: "eth0", ttl: 0), "ttl 0"),
        (SyncTransportConfiguration(interfaceName: "eth0", threadIndex: 64), "thread index 64"),
        (SyncTransportConfiguration(interfaceName: "eth0", threadIndex: -1), "thread index -1"),
        (SyncTransportConfiguration(interfaceName: "eth0", basePort: 65500, threadIndex: 40), "exceeds 65535"),
        (SyncTransportConfiguration(interfaceName: "eth0", socketBufferSize: 0), "socket buffer size 0"),
    ])
    func outOfRangeConfigurationsAreRejected(configuration: SyncTransportConfiguration, reason: String) {
        let error = #expect(throws: SyncTransportError.self) { try configuration.validate() }
        #expect(error?.code == 0)
        #expect(error?.description.contains(reason) == true)
        // Validation comes first: the socket is never opened.
        #expect(throws: SyncTransportError.self) { try SyncSender(configuration) }
    }

    @Test func theDefaultsAreTheKernels() throws {
        let configuration = SyncTransportConfiguration(interfaceName: "eth0", basePort: 65535 - 63, threadIndex: 63)
        try configuration.validate()
        #expect(configuration.port == 65535)
        let defaults = SyncTransportConfiguration(interfaceName: "eth0")
        #expect(defaults.group == IPAddress("224.0.0.81"))
        #expect(defaults.port == 8848)
        #expect(defaults.ttl == 1)
        #expect(defaults.syncID == 0)
        #expect(defaults.socketBufferSize == nil)
        try SyncTransportConfiguration(interfaceName: "eth0", group: IPAddress("ff02::81")!).validate()
    }
}
