import Foundation
import Glibc
import LVSCore
import Testing

@testable import LVSPacketEngine

/// The generated XDP program through the kernel's verifier and BPF_PROG_TEST_RUN with crafted
/// frames: which frames it redirects (counted as "no socket" here, since no AF_XDP socket is
/// bound to the test run's queue) and which it passes. Needs root (CAP_BPF, CAP_NET_ADMIN).
@Suite("XDP program under BPF_PROG_TEST_RUN", .serialized)
struct XDPProgramTests {
    static var available: Bool {
        guard getuid() != 0 else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true: BPF_PROG_TEST_RUN needs root")
        } else {
            print("skipped: BPF_PROG_TEST_RUN needs root")
        }
        return false
    }

    /// Loads the program over fresh maps holding `plan`.
    final class Loaded {
        let maps: XDPMaps
        let fd: Int32

        init(_ plan: ForwardingPlan) throws {
            maps = try XDPMaps.create()
            try maps.apply(plan)
            fd = try maps.program().load()
        }

        deinit { close(fd) }

        /// "redirect" (owned: the program asked for the queue's socket), "pass", or the verdict.
        func verdict(_ frame: [UInt8]) throws -> String {
            let before = try maps.counterTotals()
            let verdict = try XDPProgram.testRun(fd: fd, frame: frame)
            let after = try maps.counterTotals()
            let owned =
                (after[.noSocket] ?? 0) - (before[.noSocket] ?? 0)
                + (after[.redirected] ?? 0) - (before[.redirected] ?? 0)
            let passed = (after[.passed] ?? 0) - (before[.passed] ?? 0)
            if verdict == 4 || (verdict == 2 && owned == 1 && passed == 0) { return "redirect" }
            if verdict == 2 && passed == 1 && owned == 0 { return "pass" }
            return "verdict \(verdict) owned \(owned) passed \(passed)"
        }
    }

    static let client = IPAddress(ipv4: 0x0A00_0002)  // 10.0.0.2
    static let client6 = IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 2)

    @Test("the verifier accepts the program; the plan's flows are redirected, the rest passed (IPv4)")
    func ipv4() throws {
        guard Self.available else { return }
        let lab = try Loaded(XDPMapsTests.plan)
        let vip = XDPMapsTests.vip
        let server = XDPMapsTests.server
        func tcp(_ source: IPAddress, _ sport: UInt16, _ destination: IPAddress, _ dport: UInt16) -> [UInt8] {
            XDPFrames.ipv4(
                source: source, destination: destination, protocolNumber: 6, payload: XDPFrames.ports(sport, dport))
        }
        #expect(try lab.verdict(tcp(Self.client, 40000, vip, 80)) == "redirect")
        #expect(try lab.verdict(tcp(Self.client, 40000, vip, 81)) == "pass")
        #expect(try lab.verdict(tcp(server, 8080, Self.client, 40000)) == "redirect")
        #expect(try lab.verdict(tcp(server, 22, Self.client, 40000)) == "pass")
        // FTP data: the active port and every port from 1024.
        #expect(try lab.verdict(tcp(Self.client, 40000, vip, 20)) == "redirect")
        #expect(try lab.verdict(tcp(Self.client, 40000, vip, 1024)) == "redirect")
        #expect(try lab.verdict(tcp(Self.client, 40000, vip, 1023)) == "pass")
        // ICMP to a virtual address or from a masquerading real server; other ICMP passes.
        let icmp = [UInt8](repeating: 0, count: 8)
        #expect(
            try lab.verdict(XDPFrames.ipv4(source: Self.client, destination: vip, protocolNumber: 1, payload: icmp))
                == "redirect")
        #expect(
            try lab.verdict(XDPFrames.ipv4(source: server, destination: Self.client, protocolNumber: 1, payload: icmp))
                == "redirect")
        #expect(
            try lab.verdict(
                XDPFrames.ipv4(source: Self.client, destination: server, protocolNumber: 1, payload: icmp)) == "pass")
        // UDP to the TCP service's port is not owned.
        #expect(
            try lab.verdict(
                XDPFrames.ipv4(
                    source: Self.client, destination: vip, protocolNumber: 17, payload: XDPFrames.ports(1, 80)))
                == "pass")
    }

    @Test("ARP, non-first fragments, truncated and VLAN-tagged frames are passed")
    func passedFrames() throws {
        guard Self.available else { return }
        let lab = try Loaded(XDPMapsTests.plan)
        let vip = XDPMapsTests.vip
        #expect(try lab.verdict(XDPFrames.arp) == "pass")
        let fragment = XDPFrames.ipv4(
            source: Self.client, destination: vip, protocolNumber: 6, payload: XDPFrames.ports(40000, 80),
            fragmentOffset: 0x0010)
        #expect(try lab.verdict(fragment) == "pass")
        let firstFragment = XDPFrames.ipv4(
            source: Self.client, destination: vip, protocolNumber: 6, payload: XDPFrames.ports(40000, 80),
            fragmentOffset: 0x2000)
        #expect(try lab.verdict(firstFragment) == "redirect")
        let whole = XDPFrames.ipv4(
            source: Self.client, destination: vip, protocolNumber: 6, payload: XDPFrames.ports(40000, 80))
        #expect(try lab.verdict(Array(whole.prefix(14 + 20 + 2))) == "pass")
        #expect(try lab.verdict(Array(whole.prefix(14 + 10))) == "pass")
        let tagged = Array(whole.prefix(12)) + [0x81, 0x00, 0x00, 0x05] + Array(whole.dropFirst(12))
        #expect(try lab.verdict(tagged) == "pass")
    }

    @Test("IPv6: a port-0 service owns every port; neighbour discovery to the VIP stays with the kernel")
    func ipv6() throws {
        guard Self.available else { return }
        let lab = try Loaded(XDPMapsTests.plan)
        let vip6 = XDPMapsTests.vip6
        func frame(_ next: UInt8, _ payload: [UInt8]) -> [UInt8] {
            XDPFrames.ipv6(source: Self.client6, destination: vip6, nextHeader: next, payload: payload)
        }
        #expect(try lab.verdict(frame(17, XDPFrames.ports(5000, 53))) == "redirect")
        #expect(try lab.verdict(frame(17, XDPFrames.ports(5000, 9999))) == "redirect")
        #expect(try lab.verdict(frame(6, XDPFrames.ports(5000, 53))) == "pass")
        #expect(try lab.verdict(frame(58, [128, 0, 0, 0, 0, 0, 0, 0])) == "redirect")  // echo request
        #expect(try lab.verdict(frame(58, [135, 0, 0, 0] + [UInt8](repeating: 0, count: 20))) == "pass")  // NS
        #expect(try lab.verdict(frame(58, [136, 0, 0, 0] + [UInt8](repeating: 0, count: 20))) == "pass")  // NA
        #expect(try lab.verdict(frame(0, XDPFrames.ports(5000, 53))) == "pass")  // hop-by-hop header
    }

    @Test("a new plan written to the maps changes the live program's decisions")
    func planChange() throws {
        guard Self.available else { return }
        let lab = try Loaded(XDPMapsTests.plan)
        let frame = XDPFrames.ipv4(
            source: Self.client, destination: XDPMapsTests.vip, protocolNumber: 6, payload: XDPFrames.ports(40000, 80))
        #expect(try lab.verdict(frame) == "redirect")
        try lab.maps.apply(ForwardingPlan())
        #expect(try lab.verdict(frame) == "pass")
        try lab.maps.apply(XDPMapsTests.plan)
        #expect(try lab.verdict(frame) == "redirect")
    }
}
