import Foundation
import Glibc
import Testing

/// Health checking in a running `lvsd --config`: real servers on 127.0.0.1 stopped and started
/// again, a sorry server, a misc_dynamic weight (docs/configuration.md §7, §10).
///
/// Timing: checkers use delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 1, so a
/// failure is acted on within delay_loop + retry × (connect_timeout + delay_before_retry) = 3 s;
/// waits poll up to that bound plus 12 s of slack for a loaded machine (the whole suite, namespace
/// tests included, runs in parallel on 2 cores under CI).
@Suite("lvsd health checking", .serialized)
struct HealthCheckingDaemonTests {
    static let failureBound = 3.0 + 12.0
    static let checker = """
        TCP_CHECK {
                    connect_timeout 1
                    retry 1
                    delay_before_retry 1
                }
        """

    @Test("a failing real server is inhibited (inhibit_on_failure) or removed, and restored when it comes back")
    func inhibitRemoveRestore() async throws {
        let directory = try TemporaryDirectory()
        var a = try TestRealServer(name: "A")
        var b = try TestRealServer(name: "B")
        let (aPort, bPort) = (a.port, b.port)
        let vip = try TestSockets.freePort()
        let config = directory.file("keepalived.conf")
        try """
        virtual_server 127.0.0.1 \(vip) {
            delay_loop 1
            lb_algo rr
            lb_kind PROXY
            protocol TCP
            real_server 127.0.0.1 \(aPort) {
                weight 2
                inhibit_on_failure
                \(Self.checker)
            }
            real_server 127.0.0.1 \(bPort) {
                weight 1
                \(Self.checker)
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let both = """
            -A -t 127.0.0.1:\(vip) -s rr
            \([(aPort, 2), (bPort, 1)].sorted { $0.0 < $1.0 }.map { "-a -t 127.0.0.1:\(vip) -r 127.0.0.1:\($0.0) --proxy -w \($0.1)" }.joined(separator: "\n"))

            """
        #expect(try await lvsd.saved() == both)

        a.stop()
        b.stop()
        let inhibited = """
            -A -t 127.0.0.1:\(vip) -s rr
            -a -t 127.0.0.1:\(vip) -r 127.0.0.1:\(aPort) --proxy -w 0

            """
        let down = try await eventually(within: Self.failureBound) { try await lvsd.saved() == inhibited }
        let table = try await lvsd.saved()
        #expect(down, "table: \(table)")
        #expect(
            lvsd.log.contains(
                "health: real server [127.0.0.1 \(vip)] 127.0.0.1:\(aPort): up -> down (TCP_CHECK: connection refused)")
        )
        #expect(lvsd.log.contains("health: weight of 127.0.0.1:\(aPort) in TCP 127.0.0.1:\(vip) set to 0 ("))
        #expect(lvsd.log.contains("health: removed 127.0.0.1:\(bPort) from TCP 127.0.0.1:\(vip) ("))
        let health = try await lvsd.lvsadm(["--health", "-n"])
        #expect(health.status == 0)
        let lines = health.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines.first == "Prot LocalAddress:Port Quorum")
        #expect(lines.contains("TCP  127.0.0.1:\(vip) down (alive weight 0, quorum 1)"))
        #expect(
            lines.contains {
                $0.hasPrefix("  -> 127.0.0.1:\(aPort)              down    0/2    TCP_CHECK    down, ")
                    && $0.contains("s ago: connection refused (") && $0.hasSuffix(" failed)")
            })
        #expect(
            lines.contains { $0.hasPrefix("  -> 127.0.0.1:\(bPort)              down    -/1    TCP_CHECK    down, ") })

        // A reload that changes nothing about A and B leaves them as the checkers set them.
        let reloaded = try await lvsd.lvsadm(["--reload"])
        #expect(reloaded.standardOutput == "lvsadm: reloaded \(config): 0 changes\n")
        #expect(try await lvsd.saved() == inhibited)

        a = try TestRealServer(name: "A", port: aPort)
        b = try TestRealServer(name: "B", port: bPort)
        let restored = try await eventually(within: Self.failureBound) { try await lvsd.saved() == both }
        #expect(restored)
        // Back in the table: new connections reach A again.
        var reachedA = false
        for _ in 0..<4 where !reachedA {
            let fd = try TestSockets.connect(port: vip)
            reachedA = TestSockets.exchange(fd, "hi", expectedLength: 4) == "A:hi"
            close(fd)
        }
        #expect(reachedA)
        _ = await lvsd.stop()
        a.stop()
        b.stop()
        directory.remove()
    }

    @Test("quorum lost: the sorry server answers through the VIP")
    func sorryServer() async throws {
        let directory = try TemporaryDirectory()
        let real = try TestRealServer(name: "R")
        let sorry = try TestRealServer(name: "S")
        let vip = try TestSockets.freePort()
        let config = directory.file("keepalived.conf")
        try """
        virtual_server 127.0.0.1 \(vip) {
            delay_loop 1
            lb_algo wlc
            lb_kind PROXY
            protocol TCP
            quorum 1
            sorry_server 127.0.0.1 \(sorry.port)
            real_server 127.0.0.1 \(real.port) {
                \(Self.checker)
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        real.stop()
        let sorryOnly = """
            -A -t 127.0.0.1:\(vip) -s wlc
            -a -t 127.0.0.1:\(vip) -r 127.0.0.1:\(sorry.port) --proxy -w 1

            """
        let switched = try await eventually(within: Self.failureBound) { try await lvsd.saved() == sorryOnly }
        #expect(switched)
        let fd = try TestSockets.connect(port: vip)
        let request = "GET / HTTP/1.0\r\nHost: example\r\n\r\n"
        #expect(TestSockets.exchange(fd, request, expectedLength: request.utf8.count + 2) == "S:" + request)
        close(fd)
        #expect(lvsd.log.contains("quorum of virtual server 127.0.0.1 \(vip): up -> down"))
        _ = await lvsd.stop()
        sorry.stop()
        directory.remove()
    }

    @Test("misc_dynamic: the script's exit status sets the weight")
    func miscDynamic() async throws {
        let directory = try TemporaryDirectory()
        let real = try TestRealServer(name: "R")
        let vip = try TestSockets.freePort()
        let status = directory.file("status")
        try "5\n".write(toFile: status, atomically: true, encoding: .utf8)
        let config = directory.file("keepalived.conf")
        try """
        virtual_server 127.0.0.1 \(vip) {
            delay_loop 1
            lb_algo wrr
            lb_kind PROXY
            protocol TCP
            real_server 127.0.0.1 \(real.port) {
                weight 1
                MISC_CHECK {
                    misc_path "/bin/sh -c 'exit $(cat \(status))'"
                    misc_timeout 2
                    misc_dynamic
                }
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        func weighted(_ weight: Int) -> String {
            "-A -t 127.0.0.1:\(vip) -s wrr\n-a -t 127.0.0.1:\(vip) -r 127.0.0.1:\(real.port) --proxy -w \(weight)\n"
        }
        // exit 5 → weight 5 - 2 = 3 (keepalived's misc_dynamic).
        #expect(try await eventually(within: Self.failureBound) { try await lvsd.saved() == weighted(3) })
        try "9\n".write(toFile: status, atomically: true, encoding: .utf8)
        #expect(try await eventually(within: Self.failureBound) { try await lvsd.saved() == weighted(7) })
        _ = await lvsd.stop()
        real.stop()
        directory.remove()
    }

    @Test("--dry-run runs no checker: nothing is sent to the real servers")
    func dryRunChecksNothing() async throws {
        let directory = try TemporaryDirectory()
        let real = try TestRealServer(name: "R")
        let config = directory.file("keepalived.conf")
        try """
        virtual_server 127.0.0.1 80 {
            delay_loop 1
            lb_kind PROXY
            protocol TCP
            real_server 127.0.0.1 \(real.port) {
                \(Self.checker)
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--dry-run"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        let health = try await lvsd.lvsadm(["--health"])
        #expect(
            health.standardOutput
                == "lvsd runs no health checker (started without --config, with --dry-run, or without checkers)\n")
        // Longer than one delay_loop: a checker would have connected by now.
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(real.acceptedCount == 0)
        _ = await lvsd.stop()
        real.stop()
        directory.remove()
    }
}
