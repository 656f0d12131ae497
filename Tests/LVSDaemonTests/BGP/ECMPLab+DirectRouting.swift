import Foundation
import Testing

// The direct-routing variant of `ECMPLab` (docs/scale-out.md, docs/design/0031):
//
//     C 10.202.0.2 ── 10.202.0.1 R (BIRD, ECMP, L4 hash) ── 10.201.1.2 D1, 10.201.2.2 D2 (BGP)
//     R br0 10.203.0.1: one LAN with D1 eth1 .11, D2 eth1 .12, S1 eth0 .21, S2 eth0 .22
//
// The directors run `lvsd` with the packet engine (eth0 towards the router, eth1 on the LAN) and
// forward by direct routing; they do not hold the VIP. Each real server holds the VIP on lo
// (arp_ignore 1, arp_announce 2: it never answers ARP for it) and answers the client directly
// through the router. Sync multicast stays on the LAN bridge.
extension ECMPLab {
    /// The real servers' LAN addresses, in the order the directors list them.
    static let directRoutingServers = ["10.203.0.21", "10.203.0.22"]
    /// The directors' LAN addresses (their sync daemons' sources).
    static let directorLAN = ["10.203.0.11", "10.203.0.12"]

    var directRoutingTopology: String {
        let (d1, d2) = (directors[0], directors[1])
        let all = ([router, client] + serverHosts + directors).joined(separator: " ")
        var script = """
            set -e
            for n in \(all); do
              ip netns add $n; ip -n $n link set lo up
              ip netns exec $n sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
            done
            ip link add eth0 netns \(client) type veth peer name c0 netns \(router)
            ip link add eth0 netns \(d1) type veth peer name d1 netns \(router)
            ip link add eth0 netns \(d2) type veth peer name d2 netns \(router)
            ip -n \(router) link add br0 type bridge mcast_snooping 0
            ip -n \(router) addr add 10.202.0.1/24 dev c0
            ip -n \(router) addr add 10.201.1.1/24 dev d1
            ip -n \(router) addr add 10.201.2.1/24 dev d2
            ip -n \(router) addr add 10.203.0.1/24 dev br0
            for d in c0 d1 d2 br0; do ip -n \(router) link set $d up; done
            ip netns exec \(router) sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
            ip -n \(client) addr add 10.202.0.2/24 dev eth0; ip -n \(client) link set eth0 up
            ip -n \(client) route add default via 10.202.0.1
            ip -n \(d1) addr add 10.201.1.2/24 dev eth0; ip -n \(d2) addr add 10.201.2.2/24 dev eth0

            """
        for (index, director) in directors.enumerated() {
            script += """
                ip link add eth1 netns \(director) type veth peer name l\(index + 1) netns \(router)
                ip -n \(router) link set l\(index + 1) master br0; ip -n \(router) link set l\(index + 1) up
                ip -n \(director) addr add \(Self.directorLAN[index])/24 dev eth1
                ip -n \(director) link set eth0 up; ip -n \(director) link set eth1 up
                ip -n \(director) route add default via 10.201.\(index + 1).1

                """
        }
        for (index, host) in serverHosts.enumerated() {
            script += """
                ip link add eth0 netns \(host) type veth peer name s\(index + 1) netns \(router)
                ip -n \(router) link set s\(index + 1) master br0; ip -n \(router) link set s\(index + 1) up
                ip netns exec \(host) sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
                ip -n \(host) addr add \(Self.directRoutingServers[index])/24 dev eth0; ip -n \(host) link set eth0 up
                ip -n \(host) addr add \(Self.vip)/32 dev lo
                ip -n \(host) route add default via 10.203.0.1

                """
        }
        return script
    }

    /// Starts the echo real server of namespace `index`: it listens on port 80 (the VIP and its
    /// own address), greets each connection with its name and answers every line with its name
    /// again, so the client learns which real server holds each connection, before and after.
    func startEchoServer(_ index: Int) throws -> Process {
        try write(
            """
            import selectors, socket, sys
            name = sys.argv[1].encode() + b"\\n"
            sel = selectors.DefaultSelector()
            srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(("0.0.0.0", 80)); srv.listen(4096); srv.setblocking(False)
            sel.register(srv, selectors.EVENT_READ, None)
            def drop(c):
                sel.unregister(c); c.close()
            while True:
                for key, _ in sel.select():
                    if key.data is None:
                        try: c, _ = srv.accept()
                        except OSError: continue
                        c.setblocking(False)
                        try: c.send(name)
                        except OSError: c.close(); continue
                        sel.register(c, selectors.EVENT_READ, c)
                        continue
                    c = key.data
                    try: data = c.recv(4096)
                    except BlockingIOError: continue
                    except OSError: data = b""
                    if not data: drop(c); continue
                    try: c.send(name * data.count(b"\\n"))
                    except OSError: drop(c)

            """, to: "echo_server.py")
        return try start(
            in: serverHosts[index],
            [try #require(VRRPLab.tool("python3")), file("echo_server.py"), "rs\(index + 1)"],
            log: "echo-rs\(index + 1).log")
    }

    /// lvsd on director `index` with the packet engine, direct routing to both real servers,
    /// `mh`; `sloppyTCP` adds `--sloppy-tcp`; `syncInConfiguration` adds `lvs_sync_daemon eth1`
    /// (no VRRP: a backup and a master from the start). Waits until it listens.
    func startDirectRoutingDirector(_ index: Int, sloppyTCP: Bool, syncInConfiguration: Bool = false) async throws
        -> Process
    {
        let n = index + 1
        try writeDirectorBird(n)
        let globals = syncInConfiguration ? "global_defs {\n    lvs_sync_daemon eth1\n}\n" : ""
        try writeDirectorConfiguration(
            n, realServers: Self.directRoutingServers, port: 80, kind: "DR", globals: globals)
        let engine = [
            "--packet-engine", "--interface", "eth0", "--interface", "eth1", "--packet-workers", "1",
        ]
        return try await startLVSD(index, extra: engine + (sloppyTCP ? ["--sloppy-tcp"] : []))
    }

    /// Starts both sync daemons on director `index`'s LAN interface: a backup with the other
    /// director's sync id, then a master with id index+1 (active-active, docs/sync.md). The
    /// backup first, so that it hears the snapshot the peer sends when the master announces.
    func startActiveActiveSync(_ index: Int) throws {
        let socket = file("d\(index + 1).sock")
        for (role, id) in [("backup", 2 - index), ("master", index + 1)] {
            let result = try Subprocess.runSynchronously(
                "lvsadm",
                [
                    "--control-socket", socket, "--start-daemon", role, "--mcast-interface", "eth1", "--syncid",
                    String(id),
                ])
            try #require(result.status == 0, "sync \(role) on director \(index + 1): \(result.standardError)")
        }
    }

    /// How many ESTABLISHED TCP entries director `index` lists (its own and those sync gave it).
    func establishedEntries(_ index: Int) -> Int {
        let result = try? Subprocess.runSynchronously(
            "lvsadm", ["--control-socket", file("d\(index + 1).sock"), "-L", "-c", "-n"])
        return (result?.standardOutput ?? "").split(separator: "\n").filter { $0.contains("ESTABLISHED") }.count
    }

    /// Makes the router remember the client source port of every flow it forwards to director
    /// `index` (an nftables dynamic set on the forward hook): the ground truth of which flows a
    /// director carried, read by `flowsForwarded(to:)`.
    func recordFlowsPerDirector() async throws {
        var script = """
            set -e
            nft add table ip ecmp
            nft add chain ip ecmp forward '{ type filter hook forward priority 0; }'

            """
        for index in directors.indices {
            script += """
                nft add set ip ecmp d\(index + 1) '{ type inet_service; size 65535; flags dynamic; }'
                nft add rule ip ecmp forward oifname d\(index + 1) ip daddr \(Self.vip) tcp dport 80 \
                  update @d\(index + 1) '{ tcp sport }'

                """
        }
        try write(script, to: "router-nft.sh")
        let result = try await VRRPLab.shell("timeout 20 ip netns exec \(router) sh \(file("router-nft.sh"))")
        try #require(result.status == 0, "router nftables: \(result.error)")
    }

    /// Empties director `index`'s set: from now on it collects the flows sent there anew.
    func forgetFlows(of index: Int) async throws {
        let result = try await VRRPLab.shell("timeout 20 ip netns exec \(router) nft flush set ip ecmp d\(index + 1)")
        try #require(result.status == 0, "router nftables: \(result.error)")
    }

    /// The client source ports of the flows the router forwarded to director `index` so far.
    func flowsForwarded(to index: Int) async throws -> Set<Int> {
        let result = try await VRRPLab.shell("timeout 20 ip netns exec \(router) nft -j list set ip ecmp d\(index + 1)")
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let items = json?["nftables"] as? [[String: Any]] ?? []
        let set = items.compactMap { $0["set"] as? [String: Any] }.first
        return Set((set?["elem"] as? [Any] ?? []).compactMap { $0 as? Int })
    }
}
