import LVSCore
import LVSHealth
import NIOCore
import NIOPosix
import Testing

@testable import LVSHealthChecks

/// UDP_CHECK, DNS_CHECK and MISC_CHECK on 127.0.0.1 and /bin/sh.
@Suite struct DatagramAndScriptProbeTests {
    func withGroup(_ body: (MultiThreadedEventLoopGroup) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await body(group)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    @Test func udpEchoSatisfiesRequireReplyAndPattern() async throws {
        try await withGroup { group in
            let echo = try await TestServers.udp(group: group) { $0 }
            let endpoint = TestServers.endpoint(echo)
            let loop = group.next()
            let probe = UDPProbe(endpoint: endpoint, payload: [0xAB, 0xCD], requireReply: true, replyPattern: "AbXd")
            #expect(
                try await probe.run(on: loop, timeout: .seconds(5)).get()
                    == .success(detail: "UDP_CHECK: reply of 2 bytes from \(endpoint)"))
            let mismatch = UDPProbe(endpoint: endpoint, payload: [0xAB, 0xCD], requireReply: true, replyPattern: "AC")
            #expect(
                try await mismatch.run(on: loop, timeout: .seconds(5)).get()
                    == .failure(reason: "UDP_CHECK: reply does not match AC"))
            try await echo.close()
        }
    }

    @Test func udpWithoutReplyPassesWhenNoErrorAndFailsOnPortUnreachable() async throws {
        try await withGroup { group in
            let silent = try await TestServers.udp(group: group) { _ in nil }
            let loop = group.next()
            let endpoint = TestServers.endpoint(silent)
            #expect(
                try await UDPProbe(endpoint: endpoint, payload: [1]).run(on: loop, timeout: .milliseconds(200)).get()
                    == .success(detail: "UDP_CHECK: no ICMP error from \(endpoint)"))
            #expect(
                try await UDPProbe(endpoint: endpoint, payload: [1], requireReply: true).run(
                    on: loop, timeout: .milliseconds(200)
                ).get()
                    == .failure(reason: "UDP_CHECK: timeout after 0.2 s"))
            try await silent.close()
            // Nothing bound now: the kernel answers with ICMP port unreachable.
            #expect(
                try await UDPProbe(endpoint: endpoint, payload: [1]).run(on: loop, timeout: .seconds(5)).get()
                    == .failure(reason: "UDP_CHECK: connection refused"))
        }
    }

    @Test func dnsQueryEncodingFollowsRFC1035() {
        #expect(
            DNSMessage.query(id: 0x1234, name: "a.bc", type: 1)
                == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 2, 0x62, 0x63, 0, 0, 1, 0, 1])
        #expect(DNSMessage.query(id: 1, name: ".", type: 6)?.suffix(5) == [0, 0, 6, 0, 1])
        #expect(DNSMessage.query(id: 1, name: "a..b", type: 1) == nil)
        #expect(DNSMessage.query(id: 1, name: String(repeating: "x", count: 64), type: 1) == nil)
        #expect(DNSMessage.replyHeader([0x12]) == nil)
    }

    @Test func dnsResponderAnswersAndRefuses() async throws {
        try await withGroup { group in
            // Echo the query back as a response with one answer and the chosen rcode.
            func responder(rcode: UInt8) -> @Sendable ([UInt8]) -> [UInt8]? {
                { query in
                    guard query.count >= 12 else { return nil }
                    var reply = query
                    reply[2] |= 0x80
                    reply[3] = (reply[3] & 0xF0) | rcode
                    reply[7] = 1
                    return reply
                }
            }
            let good = try await TestServers.udp(group: group, reply: responder(rcode: 0))
            let refusing = try await TestServers.udp(group: group, reply: responder(rcode: 5))
            let loop = group.next()
            #expect(
                try await DNSProbe(endpoint: TestServers.endpoint(good), queryName: "www.example", queryType: "A")
                    .run(on: loop, timeout: .seconds(5)).get()
                    == .success(detail: "DNS_CHECK: A www.example: 1 answers"))
            #expect(
                try await DNSProbe(endpoint: TestServers.endpoint(refusing), queryName: "www.example", queryType: "A")
                    .run(on: loop, timeout: .seconds(5)).get() == .failure(reason: "DNS_CHECK: A www.example: rcode 5"))
            try await good.close()
            try await refusing.close()
        }
    }

    func misc(_ command: String, dynamic: Bool = false, timeout: TimeAmount = .seconds(10), on loop: any EventLoop)
        async throws -> ProbeResult
    {
        try await MiscProbe(command: command, dynamic: dynamic).run(on: loop, timeout: timeout).get()
    }

    @Test func miscExitCodes() async throws {
        try await withGroup { group in
            let loop = group.next()
            let zero = try await misc("exit 0", on: loop)
            #expect(zero == .success(detail: "MISC_CHECK: exit status 0"))
            let one = try await misc("exit 1", on: loop)
            #expect(one == .failure(reason: "MISC_CHECK: exit status 1"))
            let five = try await misc("exit 5", on: loop)
            #expect(five == .failure(reason: "MISC_CHECK: exit status 5"))
            let dynamicFive = try await misc("exit 5", dynamic: true, on: loop)
            #expect(dynamicFive == .success(detail: "MISC_CHECK: exit status 5, weight 3", weight: 3))
            let dynamicOne = try await misc("exit 1", dynamic: true, on: loop)
            #expect(dynamicOne == .failure(reason: "MISC_CHECK: exit status 1"))
        }
    }

    @Test func miscScriptIsKilledAtItsTimeout() async throws {
        try await withGroup { group in
            let result = try await misc("sleep 10", timeout: .milliseconds(300), on: group.next())
            #expect(result == .failure(reason: "MISC_CHECK: timeout after 0.3 s"))
        }
    }
}
