import Foundation
import Testing

/// "Real servers that are also directors" (docs/director-real-server.md): hosts A and B each run
/// the application and lvsd with the same keepalived.conf (only the priority differs); the VRRP
/// master balances over itself (local delivery) and the other host (direct routing); the backup's
/// services are standby, so the packets routed to it land in its own stack (VIP on `lo`). The
/// lab's observer is the client C. The responders are socat processes answering with their host's
/// name, so every connection shows which host served it.
@Suite("Director real servers: two hosts that are both directors and real servers", .serialized)
struct DirectorRealServerTests {
    static let vip = "10.99.0.100"
    static let port = 8080
    static let timing = VRRPLabTiming(interval: 0.5)

    /// Why the test cannot run here (nil when it can): root and `ip` (the lab), socat (the responders).
    static var unavailableReason: String? {
        if geteuid() != 0 { return "director real server tests need root (network namespaces)" }
        if VRRPLab.tool("ip") == nil { return "director real server tests need the ip tool (iproute2)" }
        if VRRPLab.tool("socat") == nil { return "director real server tests need socat" }
        return nil
    }

    static func available() -> Bool {
        guard let reason = unavailableReason else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true and a director real server test cannot run: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    /// The configuration both hosts run, with `priority`.
    static func configuration(priority: Int) -> String {
        """
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 52
            priority \(priority)
            advert_int \(timing.interval)
            version 3
            virtual_ipaddress {
                \(vip)/32
            }
        }
        virtual_server \(vip) \(port) {
            delay_loop 0.5
            lb_algo rr
            lb_kind DR
            protocol TCP
            real_server 10.99.0.1 \(port) {
                TCP_CHECK {
                    connect_timeout 2
                    retry 2
                    delay_before_retry 0.2
                }
            }
            real_server 10.99.0.2 \(port) {
                TCP_CHECK {
                    connect_timeout 2
                    retry 2
                    delay_before_retry 0.2
                }
            }
        }

        """
    }

    @Test(
        "the master balances over both hosts; a stopped director stays a real server; a failed application or host is dropped; A returns and preempts"
    )
    func twoHostsServeAndFailOver() async throws {
        guard Self.available() else { return }
        try await VRRPLab.run { lab in
            let begin = ContinuousClock.now
            try await Self.prepareHosts(lab)
            let a = try VRRPLabNode(.lvsd, on: "A", in: lab, configuration: Self.configuration(priority: 150))
            let b = try VRRPLabNode(.lvsd, on: "B", in: lab, configuration: Self.configuration(priority: 100))
            var responderA = try Self.startResponder(on: "A", in: lab)
            _ = try Self.startResponder(on: "B", in: lab)
            let steps = VRRPLabSteps(lab: lab, vip: Self.vip)

            // A master: it serves some connections itself (local delivery) and routes the others
            // to B, whose standby service leaves them to its stack.
            try await steps.elect(a, backups: [b], timing: Self.timing)
            try await Self.expectAnswers(from: ["A", "B"], lab: lab, step: "A master")

            // A's lvsd stops cleanly while its application runs: B takes the VIP and balances
            // over both hosts, A now being a plain direct-routing real server.
            try await steps.expectTakeover(by: b, step: "SIGTERM of A's lvsd", within: Self.timing.cleanStop) {
                try a.signal(SIGTERM)
            }
            #expect(await a.waitForExit() != nil, "A's lvsd did not stop")
            try await Self.expectAnswers(from: ["A", "B"], lab: lab, step: "B master, A's application alive")

            // A's application fails: B's TCP_CHECK removes A and B serves alone.
            responderA.terminate()
            try await Self.expectAnswers(from: ["B"], lab: lab, step: "A's application down")

            // A returns (application, then lvsd) and preempts: both serve again.
            responderA = try Self.startResponder(on: "A", in: lab)
            try await a.start()
            try await steps.expectHolder(a, within: Self.timing.election)
            #expect(await b.waitForState("BACKUP", within: 15), "B is \(b.state(of: "VI_1") ?? "nothing")")
            try await Self.expectAnswers(from: ["A", "B"], lab: lab, step: "A back as master")

            // The whole host A fails (lvsd killed, link gone): B takes over after
            // Master_Down_Interval, its TCP_CHECK drops A, and B serves alone.
            try a.signal(SIGKILL)
            try await lab.ip(lab.a, "link set eth0 down")
            #expect(await b.waitForState("MASTER", within: Self.timing.masterDown(priority: 100) + 15), "\(b.log)")
            try await Self.expectAnswers(from: ["B"], lab: lab, step: "host A down")

            // A comes back: the restarted lvsd removes the VIP the crash left on eth0, replaces
            // its ingress table, and preempts.
            try await lab.ip(lab.a, "link set eth0 up")
            try await a.start()
            try await steps.expectHolder(a, within: Self.timing.election)
            #expect(a.log.contains("left by an earlier run"), "A's lvsd did not remove the VIP the crash left")
            try await Self.expectAnswers(from: ["A", "B"], lab: lab, step: "A back after the crash")
            steps.record("whole scenario", since: begin)
            steps.report("director real servers")
        }
    }

    /// Both hosts as direct-routing real servers of the VIP (docs/realserver.md): the VIP on `lo`,
    /// ARP for it answered only where it is on the interface (the VRRP master), no reverse-path
    /// filter.
    static func prepareHosts(_ lab: VRRPLab) async throws {
        for namespace in [lab.a, lab.b] {
            try await lab.ip(namespace, "addr add \(vip)/32 dev lo")
            let result = try await VRRPLab.shell(
                "ip netns exec \(namespace) sysctl -qw net.ipv4.conf.all.arp_ignore=1"
                    + " net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0")
            try #require(result.status == 0, "sysctl in \(namespace): \(result.error)")
        }
    }

    /// socat on the wildcard address answering every connection with the host's name.
    static func startResponder(on side: String, in lab: VRRPLab) throws -> Process {
        try lab.start(
            in: side == "A" ? lab.a : lab.b,
            [try #require(VRRPLab.tool("socat")), "TCP-LISTEN:\(port),fork,reuseaddr", "SYSTEM:echo \(side)"],
            log: lab.file("\(side)-responder.log"))
    }

    /// `count` connections from the client to VIP:port, one after the other; each answer is the
    /// serving host's name, or "" when the connection failed.
    static func answers(_ count: Int, lab: VRRPLab) async throws -> [String] {
        let script = (0..<count).map { _ in
            "ip netns exec \(lab.observer) timeout 3 socat -T2 - TCP:\(vip):\(port),connect-timeout=1 </dev/null"
                + " 2>/dev/null || echo -; "
        }.joined()
        let result = try await VRRPLab.shell(script)
        return result.output.split(separator: "\n").map { $0 == "-" ? "" : String($0) }
    }

    /// Waits (bounded) until a round of connections is answered by exactly `hosts`, then checks
    /// that the next round is too: every connection answered, by those hosts only.
    static func expectAnswers(from hosts: Set<String>, lab: VRRPLab, step: String) async throws {
        var last: [String] = []
        // A loaded machine must not make a live host look dead: the checks allow 2 s and two
        // retries, so a dead one goes within about 7 s.
        let settled = await lab.poll(within: 25) {
            last = try await answers(4, lab: lab)
            return Set(last) == hosts
        }
        try #require(settled, "\(step): answers \(last), expected from \(hosts.sorted()) only")
        let round = try await answers(6, lab: lab)
        #expect(round.count == 6 && Set(round) == hosts, "\(step): answers \(round), expected from \(hosts.sorted())")
        if hosts.count == 2 {
            // rr alternates: each host serves half.
            #expect(round.filter { $0 == "A" }.count == 3, "\(step): answers \(round), rr should alternate")
        }
    }
}
