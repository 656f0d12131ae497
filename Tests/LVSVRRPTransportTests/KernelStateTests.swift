import Glibc
import LVSCore
import LVSPacket
import Testing

@testable import LVSVRRPTransport

/// Virtual addresses, link events, neighbour announcements and VMACs against the kernel of
/// a VRRPLab namespace, checked with `ip` from outside.
@Suite("Kernel state through rtnetlink and AF_PACKET", .serialized)
struct KernelStateTests {
    static let vip4 = IPAddress(ipv4: 0x0A4D_0064)  // 10.77.0.100
    static let vip6 = IPAddress(ipv6High: 0xFD00_0077_0000_0000, low: 0x100)

    @Test func anIPv4AddressWithLabelBroadcastAndScopeIsAddedListedAndRemoved() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let manager = VirtualAddressManager()
        let index = try lab.inside(lab.a) { Int32(if_nametoindex("va")) }
        // Another subnet than va's 10.77.0.1/24: the kernel refuses a second address of a subnet
        // with another scope than the first ("ipv4: Invalid scope value").
        let vip = InterfaceAddress(
            address: IPAddress(ipv4: 0x0A58_0064), prefixLength: 24, interfaceIndex: index, label: "va:vip",
            broadcast: IPAddress(ipv4: 0x0A58_00FF), scope: .link)
        #expect(try lab.inside(lab.a) { try manager.add(vip) } == .added)
        #expect(try lab.inside(lab.a) { try manager.add(vip) } == .alreadyPresent)
        let shown = try lab.ip(lab.a, "-o -4 addr show dev va")
        #expect(shown.contains("inet 10.88.0.100/24 brd 10.88.0.255 scope link va:vip"))
        let listed = try lab.inside(lab.a) { try manager.addresses(onInterface: index) }
        let entry = try #require(listed.first { $0.address == vip.address })
        #expect(entry.prefixLength == 24 && entry.label == "va:vip" && entry.scope == .link)
        #expect(entry.broadcast == IPAddress(ipv4: 0x0A58_00FF))
        #expect(listed.contains { $0.address == IPAddress(ipv4: 0x0A4D_0001) })

        #expect(try lab.inside(lab.a) { try manager.remove(vip) } == .removed)
        #expect(try lab.inside(lab.a) { try manager.remove(vip) } == .notPresent)
        #expect(!(try lab.ip(lab.a, "-o -4 addr show dev va")).contains("10.88.0.100"))
    }

    @Test func anIPv6AddressIsAddedWithoutDuplicateAddressDetection() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        // DAD on, so an address added without IFA_F_NODAD would show as tentative.
        try lab.ip(lab.a, "link set va down")
        _ = try VRRPLab.shell("ip netns exec \(lab.a) sysctl -qw net.ipv6.conf.va.accept_dad=1")
        try lab.ip(lab.a, "link set va up")
        let manager = VirtualAddressManager()
        let index = try lab.inside(lab.a) { Int32(if_nametoindex("va")) }
        let vip = InterfaceAddress(address: Self.vip6, prefixLength: 64, interfaceIndex: index)
        #expect(try lab.inside(lab.a) { try manager.add(vip) } == .added)
        let shown = try lab.ip(lab.a, "-o -6 addr show dev va")
        let line = try #require(shown.split(separator: "\n").first { $0.contains("fd00:77::100/64") })
        #expect(line.contains("nodad"))
        #expect(!line.contains("tentative"))
        let listed = try lab.inside(lab.a) { try manager.addresses(onInterface: index) }
        let entry = try #require(listed.first { $0.address == Self.vip6 })
        #expect(entry.flags & InterfaceAddress.noDuplicateAddressDetection != 0)
        #expect(try lab.inside(lab.a) { try manager.remove(vip) } == .removed)
        #expect(!(try lab.ip(lab.a, "-o -6 addr show dev va")).contains("fd00:77::100"))
    }

    @Test func anAddressOnAMissingInterfaceFailsWithTheKernelsErrno() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let vip = InterfaceAddress(address: Self.vip4, prefixLength: 24, interfaceIndex: 9999)
        let error = try lab.inside(lab.a) {
            #expect(throws: VRRPTransportError.self) { try VirtualAddressManager().add(vip) }
        }
        #expect(error?.code == ENODEV)
        #expect(error?.description.contains("RTM_NEWADDR 10.77.0.100/24 on ifindex 9999") == true)
    }

    @Test func linkEventsFollowThePeerGoingDownAndUp() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let monitor = try lab.inside(lab.a) { try LinkMonitor() }
        let index = try lab.inside(lab.a) { Int32(if_nametoindex("va")) }
        #expect(try lab.inside(lab.a) { try LinkStateReader().linkState(interfaceIndex: index) }.isUsable)

        try lab.ip(lab.observer, "link set pa down")
        var events: [LinkEvent] = []
        let sawDown = try lab.waitUntil(seconds: 5) {
            events += try monitor.readEvents()
            return events.contains { $0.interfaceIndex == index && !$0.isUp }
        }
        #expect(sawDown)
        let down = try lab.inside(lab.a) { try LinkStateReader().linkState(named: "va") }
        #expect(down.isUp && !down.isRunning)

        try lab.ip(lab.observer, "link set pa up")
        events = []
        let sawUp = try lab.waitUntil(seconds: 5) {
            events += try monitor.readEvents()
            return events.contains { $0.interfaceIndex == index && $0.isUp }
        }
        #expect(sawUp)
    }

    @Test func gratuitousARPMovesTheObserversNeighbourEntry() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        // An existing entry: Linux updates it from a gratuitous ARP (creating one needs arp_accept).
        try lab.ip(lab.observer, "neigh replace 10.77.0.100 lladdr 02:00:00:00:00:99 dev br0 nud stale")
        for (namespace, interface) in [(lab.a, "va"), (lab.b, "vb")] {
            let state = try lab.inside(namespace) { try LinkStateReader().linkState(named: interface) }
            let mac = try #require(state.mac)
            try lab.inside(namespace) {
                try NeighbourAnnouncer().announceIPv4(Self.vip4, interfaceIndex: state.interfaceIndex, mac: mac)
            }
            let followed = try lab.waitUntil(seconds: 5) {
                try lab.ip(lab.observer, "neigh show 10.77.0.100 dev br0").contains("lladdr \(mac)")
            }
            #expect(followed, "the observer's entry for 10.77.0.100 did not move to \(interface) (\(mac))")
        }
    }

    @Test func unsolicitedNeighbourAdvertisementMovesTheObserversEntry() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        try lab.ip(lab.observer, "-6 neigh replace fd00:77::100 lladdr 02:00:00:00:00:99 dev br0 nud stale")
        for (namespace, interface) in [(lab.a, "va"), (lab.b, "vb")] {
            let state = try lab.inside(namespace) { try LinkStateReader().linkState(named: interface) }
            let mac = try #require(state.mac)
            try lab.inside(namespace) {
                try NeighbourAnnouncer().announceIPv6(
                    Self.vip6, interfaceIndex: state.interfaceIndex, mac: mac, router: false)
            }
            let followed = try lab.waitUntil(seconds: 5) {
                try lab.ip(lab.observer, "-6 neigh show fd00:77::100 dev br0").contains("lladdr \(mac)")
            }
            #expect(followed, "the observer's entry for fd00:77::100 did not move to \(interface) (\(mac))")
        }
    }

    @Test func aVirtualMACIsCreatedUpInPrivateModeAndRemoved() throws {
        guard VRRPLab.available() else { return }
        let lab = try VRRPLab()
        defer { lab.tearDown() }
        let manager = VirtualMACManager()
        let name = VirtualMACManager.defaultName(virtualRouterID: 51)
        let mac = VirtualMACManager.virtualMAC(virtualRouterID: 51, family: .inet)
        let created = try lab.inside(lab.a) {
            try manager.create(name: name, parentIndex: Int32(if_nametoindex("va")), mac: mac)
        }
        #expect(created.name == "vrrp.51")
        #expect(created.mac == mac)
        #expect(created.isUp)
        let shown = try lab.ip(lab.a, "-d -o link show vrrp.51")
        #expect(shown.contains("link/ether 00:00:5e:00:01:33"))
        #expect(shown.contains("macvlan mode private"))
        #expect(shown.contains("vrrp.51@va"))
        #expect(shown.contains(",UP"))

        try lab.inside(lab.a) { try manager.delete(interfaceIndex: created.interfaceIndex) }
        #expect(!(try lab.ip(lab.a, "-o link show")).contains("vrrp.51"))
    }
}
