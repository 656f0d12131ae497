import CLinuxNet
import Foundation
import Glibc
import LVSCore
import Testing

@testable import LVSPacketEngine

/// The XDP program attached to a veth in a namespace this test creates, redirecting a virtual
/// service's datagrams to an AF_XDP socket (copy mode on veth), while ARP and other traffic
/// still reach the namespace's stack; and a frame sent through the socket's TX ring arriving.
@Suite("AF_XDP socket in network namespaces", .serialized)
struct XDPSocketNamespaceTests {
    @Test("owned datagrams reach the AF_XDP socket of their queue; ARP and unowned ones the stack; TX sends")
    func receiveAndTransmit() throws {
        guard NamespaceLab.available() else { return }
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        let client = "lvsxc-\(suffix)"
        let director = "lvsxd-\(suffix)"
        defer { _ = try? NamespaceLab.shell("ip netns del \(client); ip netns del \(director)") }
        let setup = try NamespaceLab.shell(
            """
            set -e
            ip netns add \(client); ip netns add \(director)
            ip link add xc0 netns \(client) type veth peer name xd0 netns \(director)
            ip -n \(client) addr add 10.231.0.1/24 dev xc0; ip -n \(client) link set xc0 up
            ip -n \(director) addr add 10.231.0.2/24 dev xd0; ip -n \(director) link set xd0 up
            ip -n \(client) link set lo up; ip -n \(director) link set lo up
            """)
        try #require(setup.status == 0, "\(setup.error)")

        let vip = IPAddress(ipv4: 0x0AE7_0002)  // 10.231.0.2
        let plan = ForwardingPlan(services: [.init(protocolNumber: .udp, address: vip, port: 9999)])
        let original = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(director)", O_RDONLY | O_CLOEXEC)
        defer {
            close(original)
            close(target)
        }
        try #require(original >= 0 && target >= 0 && clinuxtun_setns_net(target) == 0, "setns: errno \(errno)")
        let opened: Result<(XDPMaps, Int32, XDPAttachment, XDPSocket), PacketEngineError> = Result {
            () throws(PacketEngineError) in
            let index = Int32(if_nametoindex("xd0"))
            let maps = try XDPMaps.create()
            try maps.apply(plan)
            let program = try maps.program().load()
            let attachment = try XDPAttachment(programFD: program, interfaceIndex: index)
            let socket = try XDPSocket(
                interfaceIndex: index, queue: 0, receiveFrames: 128, transmitFrames: 128, frameSize: 4096)
            try maps.insertSocket(socket.fd, queue: 0)
            return (maps, program, attachment, socket)
        }
        _ = clinuxtun_setns_net(original)
        let (maps, program, attachment, socket) = try opened.get()
        defer {
            socket.close()
            attachment.detach()
            close(program)
        }
        let send = { (port: Int) in
            try NamespaceLab.shell(
                "ip netns exec \(client) timeout 5 python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b\"owned-or-not\", (\"10.231.0.2\", \(port)))'"
            )
        }
        var received: [[UInt8]] = []
        let deadline = Date().addingTimeInterval(10)
        while received.isEmpty && Date() < deadline {
            _ = try send(9999)
            for _ in 0..<20 where received.isEmpty {
                socket.receive(limit: 64) { chunk, start, count in received.append(Array(chunk[start..<start + count]))
                }
                usleep(10_000)
            }
        }
        let frame = try #require(received.first, "no frame reached the AF_XDP socket")
        // Ethernet + IPv4 (20) + UDP: destination port 9999 at 14 + 20 + 2.
        #expect(frame.count >= 14 + 28 + 12)
        #expect(frame[12] == 0x08 && frame[13] == 0x00)
        #expect(Int(frame[36]) << 8 | Int(frame[37]) == 9999)
        let totals = try maps.counterTotals()
        #expect((totals[.redirected] ?? 0) >= 1, "\(totals)")
        // ARP was passed to the director's stack, which answered it: the client knows its MAC.
        #expect((totals[.passed] ?? 0) >= 1, "\(totals)")
        let neighbour = try NamespaceLab.shell("ip -n \(client) neigh show 10.231.0.2")
        #expect(neighbour.output.contains("lladdr"), "\(neighbour.output)")

        // TX: send the received frame back with the MACs swapped; the client's counters see it.
        let before = try rxPackets(client)
        var reply = frame
        for index in 0..<6 { reply.swapAt(index, index + 6) }
        let queued = reply.withUnsafeBytes { socket.transmit($0) }
        #expect(queued)
        socket.flush()
        let arrived = (0..<100).contains { _ in
            usleep(20_000)
            return ((try? rxPackets(client)) ?? before) > before
        }
        #expect(arrived, "the transmitted frame did not reach the client's interface")
    }

    func rxPackets(_ namespace: String) throws -> Int {
        let text = try NamespaceLab.shell("ip netns exec \(namespace) cat /sys/class/net/xc0/statistics/rx_packets")
        return Int(text.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
