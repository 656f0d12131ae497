import Foundation
import Testing

// The programs of an `ECMPLab`: the router's BIRD, the real servers, the directors' lvsd, and
// the client that counts which director answered.
extension ECMPLab {
    /// The router's BIRD: one BGP session per director, equal routes merged into one ECMP route.
    func startRouter() throws {
        try write(
            """
            router id 10.202.0.1;
            protocol device {}
            protocol kernel { ipv4 { export all; }; merge paths on limit 8; }
            template bgp director {
                local as 65000;
                hold time 3; keepalive time 1; connect retry time 1;
                ipv4 { import all; export none; };
            }
            protocol bgp d1 from director { neighbor 10.201.1.2 as 65001; }
            protocol bgp d2 from director { neighbor 10.201.2.2 as 65001; }

            """, to: "router-bird.conf")
        try start(
            in: router,
            [try #require(VRRPLab.tool("bird")), "-f", "-c", file("router-bird.conf"), "-s", file("router.ctl")],
            log: "router-bird.log")
    }

    /// Starts one real server (python3) on `address`:8080 in S; returns its process (kill it to
    /// fail the real server).
    func startRealServer(_ address: String, name: String) throws -> Process {
        try write(
            """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], 8080)); s.listen(128)
            while True:
                c, peer = s.accept()
                try: c.sendall(("%s %s\\n" % (sys.argv[2], peer[0])).encode())
                except OSError: pass
                c.close()

            """, to: "real_server.py")
        return try start(
            in: servers, [try #require(VRRPLab.tool("python3")), file("real_server.py"), address, name],
            log: "real-server-\(name).log")
    }

    /// Director `n`'s (1 or 2) BIRD configuration: one session to the router, exporting the VIP
    /// routes lvsd writes to its include file.
    func writeDirectorBird(_ n: Int) throws {
        try write(
            """
            router id 10.201.\(n).2;
            protocol device {}
            include "\(file("d\(n)-vips.conf"))";
            protocol bgp uplink {
                local as 65001; neighbor 10.201.\(n).1 as 65000;
                hold time 3; keepalive time 1; connect retry time 1;
                ipv4 { import none; export where proto = "lvsd_vips4"; };
            }

            """, to: "d\(n)-bird.conf")
    }

    /// Director `n`'s keepalived.conf: `bgp_announce` driving its own BIRD, and the VIP's port 80
    /// by `mh` over `realServers` (TCP_CHECK on `port`) with `kind`; `globals` goes first.
    func writeDirectorConfiguration(
        _ n: Int, realServers: [String], port: Int, kind: String, globals: String = ""
    ) throws {
        let checks = realServers.map { address in
            "    real_server \(address) \(port) {\n        weight 1\n        inhibit_on_failure\n"
                + "        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n"
        }.joined()
        try write(
            """
            \(globals)bgp_announce {
                include_file \(file("d\(n)-vips.conf"))
                bird_socket \(file("d\(n)-bird.ctl"))
                bird_command "\(try #require(VRRPLab.tool("bird"))) -f -c \(file("d\(n)-bird.conf")) -s \(file("d\(n)-bird.ctl"))"
            }
            virtual_server \(Self.vip) 80 {
                delay_loop 1
                lb_algo mh
                mh-fallback
                mh-port
                lb_kind \(kind)
                protocol TCP
            \(checks)}

            """, to: "d\(n)-lvsd.conf")
    }

    /// lvsd on director `index` (0 or 1) with its own BIRD as child; waits until it listens.
    func startDirector(_ index: Int) async throws -> Process {
        let n = index + 1
        try writeDirectorBird(n)
        try writeDirectorConfiguration(n, realServers: Self.realServers, port: 8080, kind: "PROXY")
        return try await startLVSD(index)
    }

    /// Starts lvsd on director `index` with its written configuration (and `extra` options);
    /// waits until it listens.
    func startLVSD(_ index: Int, extra: [String] = []) async throws -> Process {
        let n = index + 1
        let log = "d\(n)-lvsd.log"
        let marker = contents(file(log)).count
        let lvsd = try start(
            in: directors[index],
            [
                try Subprocess.executable("lvsd").path, "--config", file("d\(n)-lvsd.conf"), "--control-socket",
                file("d\(n).sock"), "--log-level", "info",
            ] + extra, log: log)
        let up = await poll(within: 20) {
            String(self.contents(self.file(log)).dropFirst(marker)).contains("lvsd: listening on") || !lvsd.isRunning
        }
        try #require(up && lvsd.isRunning, "lvsd on director \(n) did not start:\n\(contents(file(log)))")
        return lvsd
    }

    /// The router's next hops towards the VIP, e.g. ["10.201.1.2", "10.201.2.2"]; [] without route.
    func nextHops() async throws -> [String] {
        let result = try await VRRPLab.shell("timeout 10 ip -n \(router) -4 route show \(Self.vip)/32")
        return result.output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
            .enumerated().compactMap { index, word in
                guard word == "via" else { return nil }
                let words = result.output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
                return index + 1 < words.count ? String(words[index + 1]) : nil
            }.sorted()
    }

    /// Polls until the router's next hops are `hops`; how long it took, nil after `seconds`.
    func waitForNextHops(_ hops: [String], within seconds: Double) async -> Duration? {
        let begin = ContinuousClock.now
        let reached = await poll(within: seconds) { try await self.nextHops() == hops.sorted() }
        return reached ? ContinuousClock.now - begin : nil
    }

    /// Opens `count` connections from the client to VIP:80 (new source port each) and returns
    /// how many each director answered (keyed by the director's inside address) and the failures.
    func connect(count: Int) async throws -> (perDirector: [String: Int], failures: Int) {
        try write(
            """
            import socket, sys, collections
            counts = collections.Counter()
            for i in range(int(sys.argv[2])):
                try:
                    s = socket.create_connection((sys.argv[1], 80), timeout=2)
                    line = s.makefile().readline().split()
                    s.close()
                    counts[line[1] if len(line) == 2 else "bad"] += 1
                except OSError:
                    counts["failed"] += 1
            for k, v in counts.items(): print(k, v)

            """, to: "client.py")
        let result = try await VRRPLab.shell(
            "timeout 60 ip netns exec \(client) python3 \(file("client.py")) \(Self.vip) \(count)")
        var counts: [String: Int] = [:]
        var failures = 0
        for line in result.output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 2, let n = Int(words[1]) else { continue }
            if words[0] == "failed" || words[0] == "bad" { failures += n } else { counts[String(words[0])] = n }
        }
        return (counts, failures)
    }

    /// `lvsadm --announcements --json` of director `index`, as text.
    func announcements(_ index: Int) -> String {
        let result = try? Subprocess.runSynchronously(
            "lvsadm", ["--control-socket", file("d\(index + 1).sock"), "--announcements", "--json"])
        return result?.standardOutput ?? ""
    }
}
