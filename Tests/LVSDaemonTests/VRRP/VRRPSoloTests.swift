import Foundation
import Testing

/// One director alone in a namespace: what lvsd does around the election itself — notify
/// scripts and the notify FIFO in keepalived's order, FAULT when the link goes, a VMAC, and
/// the addresses a killed lvsd left behind.
@Suite(.serialized) struct VRRPSoloTests {
    static func instance(_ extra: String = "", addresses: String = "10.98.0.100/24") -> String {
        """
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            version 3
            advert_int 0.1
            priority 100
            \(extra)
            virtual_ipaddress {
                \(addresses)
            }
        }

        """
    }

    @Test(
        "notify_backup, notify_master, notify_stop and notify run in keepalived's order with its arguments; the FIFO gets its lines"
    )
    func notifyOrder() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        let note = solo.directory.file("note.sh")
        try "#!/bin/sh\necho \"$*\" >> \(solo.directory.file("notes"))\n".write(
            toFile: note, atomically: true, encoding: .utf8)
        let reader = solo.directory.file("fifo.sh")
        try "#!/bin/sh\nexec cat \"$1\" >> \(solo.directory.file("fifo.log"))\n".write(
            toFile: reader, atomically: true, encoding: .utf8)
        _ = chmod(note, 0o755)
        _ = chmod(reader, 0o755)
        try solo.start(
            """
            global_defs {
                notify_fifo \(solo.directory.file("fifo"))
                notify_fifo_script \(reader)
            }
            """
                + Self.instance(
                    """
                    notify_backup "\(note) backup"
                        notify_master "\(note) master"
                        notify_stop "\(note) stop"
                        notify \(note)
                    """))
        let mastered = solo.waitUntil(seconds: 10) { solo.contents("notes").contains("MASTER") }
        #expect(mastered, "\(solo.log)")
        solo.signal(SIGTERM)
        let stopped = solo.waitUntil(seconds: 5) { solo.contents("notes").contains("STOP") }
        #expect(stopped, "\(solo.log)")
        #expect(
            solo.contents("notes")
                == """
                backup
                INSTANCE VI_1 BACKUP 100
                master
                INSTANCE VI_1 MASTER 100
                stop
                INSTANCE VI_1 STOP 100

                """, "\(solo.log)")
        let fifo = solo.waitUntil(seconds: 5) { solo.contents("fifo.log").contains("STOP") }
        #expect(fifo)
        #expect(
            solo.contents("fifo.log")
                == "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_1\" STOP 100\n")
    }

    @Test("the instance's link going down means FAULT (addresses removed); back up, it is elected again")
    func linkDownIsFault() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        try solo.start(Self.instance())
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        try solo.sh("ip -n \(solo.name) link set eth0 down")
        #expect(solo.waitUntil(seconds: 5) { solo.log.contains("MASTER -> FAULT") }, "\(solo.log)")
        #expect(try !solo.addresses().contains("10.98.0.100"))
        try solo.sh("ip -n \(solo.name) link set eth0 up")
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        #expect(solo.log.contains("FAULT -> BACKUP"), "\(solo.log)")
        solo.signal(SIGTERM)
        #expect(try !solo.addresses().contains("10.98.0.100"))
    }

    @Test("a failing weight-0 track_script holds the instance in FAULT; passing, it is elected")
    func trackScriptFault() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        let flag = solo.directory.file("healthy")
        try solo.start(
            """
            vrrp_script chk {
                script "test -e \(flag)"
                interval 0.2
                fall 1
                rise 1
            }
            """ + Self.instance("track_script {\n        chk\n    }"))
        #expect(solo.waitUntil(seconds: 5) { solo.log.contains("-> FAULT") }, "\(solo.log)")
        #expect(try !solo.addresses().contains("10.98.0.100"))
        FileManager.default.createFile(atPath: flag, contents: nil)
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        try FileManager.default.removeItem(atPath: flag)
        #expect(try solo.waitUntil(seconds: 5) { try !solo.addresses().contains("10.98.0.100") }, "\(solo.log)")
    }

    @Test("use_vmac: a macvlan with the VRRP MAC holds the address, and goes at stop")
    func virtualMAC() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        try solo.start(Self.instance("use_vmac"))
        #expect(
            try solo.waitUntil(seconds: 10) { try solo.addresses().contains("vrrp.51    inet 10.98.0.100/24") },
            "\(solo.log)\n\((try? solo.addresses()) ?? "")")
        #expect(try solo.links().contains("link/ether 00:00:5e:00:01:33"))
        solo.signal(SIGTERM)
        #expect(try !solo.links().contains("vrrp.51"))
    }

    @Test("addresses a killed lvsd left are removed at the next start until the instance is master again")
    func leftoversAfterACrash() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        // A long advert interval: the restarted lvsd stays backup long enough to look.
        let configuration = Self.instance().replacingOccurrences(of: "advert_int 0.1", with: "advert_int 1")
        try solo.start(configuration)
        #expect(try solo.waitUntil(seconds: 15) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        solo.signal(SIGKILL)
        #expect(try solo.addresses().contains("10.98.0.100/24"), "SIGKILL leaves the address behind")
        try solo.start(configuration)
        #expect(solo.waitUntil(seconds: 10) { solo.log.contains("left by an earlier run") }, "\(solo.log)")
        #expect(try !solo.addresses().contains("10.98.0.100"))
        #expect(try solo.waitUntil(seconds: 15) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        solo.signal(SIGTERM)
    }

    @Test("the proxy engine's listener on the VIP exists while backup (IP_FREEBIND) and serves once master")
    func proxyListenerFollowsTheState() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        server.arguments = [
            "netns", "exec", solo.name, "socat", "TCP4-LISTEN:9000,bind=127.0.0.1,reuseaddr,fork", "SYSTEM:echo served",
        ]
        // `ip netns exec` execs socat: the pid is socat's, killed below (and the namespace's
        // processes are killed by tearDown). Its output must not hold the test runner's pipes.
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL) }
        // A long advert interval: there is time to look while it is backup.
        try solo.start(
            Self.instance().replacingOccurrences(of: "advert_int 0.1", with: "advert_int 1")
                + """
                virtual_server 10.98.0.100 8080 {
                    lb_algo rr
                    lb_kind PROXY
                    protocol TCP
                    real_server 127.0.0.1 9000 {
                    }
                }

                """)
        let listening = try solo.waitUntil(seconds: 10) {
            try solo.sh("ip netns exec \(solo.name) ss -Hltn").contains("10.98.0.100:8080")
        }
        #expect(listening, "\(solo.log)")
        #expect(try !solo.addresses().contains("10.98.0.100"), "still backup: \(solo.log)")
        let ask = "ip netns exec \(solo.name) socat -T 2 - TCP:10.98.0.100:8080,connect-timeout=0.5 </dev/null || true"
        #expect(try !solo.sh(ask).contains("served"))
        #expect(try solo.waitUntil(seconds: 15) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        #expect(try solo.waitUntil(seconds: 5) { try solo.sh(ask).contains("served") }, "\(solo.log)")
        solo.signal(SIGTERM)
    }

    @Test("lvsadm --vrrp shows a running instance: state, priorities, master, transition and counters")
    func lvsadmShowsTheInstance() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        try solo.start(Self.instance("priority 120"))
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        let lvsadm = try Subprocess.executable("lvsadm").path
        let socket = solo.directory.file("lvsd.sock")
        // Wait for a few adverts to be counted.
        var text = ""
        solo.waitUntil(seconds: 5) {
            text = (try? solo.sh("\(lvsadm) --control-socket \(socket) --vrrp")) ?? ""
            return text.contains("Sent: 3") || text.contains("Sent: 4") || text.contains("Sent: 5")
        }
        #expect(
            text.contains("VRRP Instance: VI_1\n  State: MASTER\n  Interface: eth0\n  Virtual Router ID: 51"), "\(text)"
        )
        #expect(text.contains("Priority: 120\n  Effective priority: 120"), "\(text)")
        #expect(text.contains("Master router: 10.98.0.1\n  Source address: 10.98.0.1"), "\(text)")
        #expect(text.contains("Last transition: BACKUP -> MASTER (master down timer expired)"), "\(text)")
        #expect(text.contains("10.98.0.100/24 dev eth0"), "\(text)")
        #expect(text.contains("Became master: 1"), "\(text)")
        let json = try solo.sh("\(lvsadm) --control-socket \(socket) --vrrp --json")
        #expect(json.contains("\"running\" : true"), "\(json)")
        #expect(json.contains("\"become_master\" : 1"), "\(json)")
        solo.signal(SIGTERM)
    }

    @Test("SIGHUP: an unchanged instance keeps its state; a new one starts; a removed one resigns and goes")
    func reloadChangesOnlyWhatChanged() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        let first = Self.instance()
        try solo.start(first)
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        let second = Self.instance(addresses: "10.98.0.101/24").replacingOccurrences(of: "VI_1", with: "VI_2")
            .replacingOccurrences(of: "virtual_router_id 51", with: "virtual_router_id 52")
        try (first + second).write(toFile: solo.directory.file("keepalived.conf"), atomically: true, encoding: .utf8)
        solo.signal(SIGHUP)
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.101/24") }, "\(solo.log)")
        #expect(try solo.addresses().contains("10.98.0.100/24"))
        // VI_1 changed state only once: when it was first elected (counted on the transition's own
        // log lines, not the event log's JSON copies of them).
        let transitions = solo.log.split(separator: "\n").filter {
            $0.contains("VRRP_Instance(VI_1) BACKUP -> MASTER") && !$0.contains("event {")
        }
        #expect(transitions.count == 1, "\(solo.log)")
        #expect(!solo.log.contains("VRRP_Instance(VI_1) MASTER ->"), "\(solo.log)")
        try second.write(toFile: solo.directory.file("keepalived.conf"), atomically: true, encoding: .utf8)
        solo.signal(SIGHUP)
        #expect(try solo.waitUntil(seconds: 10) { try !solo.addresses().contains("10.98.0.100") }, "\(solo.log)")
        #expect(solo.log.contains("VRRP_Instance(VI_1) MASTER -> STOP"), "\(solo.log)")
        #expect(try solo.addresses().contains("10.98.0.101/24"))
        solo.signal(SIGTERM)
    }

    /// Sends three VRRPv3 adverts for VRID 51 from the peer (10.98.0.2): `ttl`, a checksum that
    /// is right or zero, and a priority (default 200).
    static let sender = """
        import socket, struct, sys
        ttl, good = int(sys.argv[1]), sys.argv[2] == "good"
        priority = int(sys.argv[3]) if len(sys.argv) > 3 else 200
        message = bytes([0x31, 51, priority, 1, 0x00, 0x0A, 0, 0]) + socket.inet_aton("10.98.0.100")
        def fold(data):
            total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
            while total >> 16: total = (total & 0xFFFF) + (total >> 16)
            return ~total & 0xFFFF
        pseudo = socket.inet_aton("10.98.0.2") + socket.inet_aton("224.0.0.18") + bytes([0, 112, 0, len(message)])
        checksum = fold(pseudo + message) if good else 0
        message = message[:6] + struct.pack("!H", checksum) + message[8:]
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"peer0")
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.98.0.2"))
        for _ in range(3): s.sendto(message, ("224.0.0.18", 0))
        """

    @Test("bad adverts are dropped, counted by reason in lvsadm --vrrp, and logged once per sender and reason")
    func badAdvertsAreCountedAndLoggedOnce() throws {
        guard SoloNamespace.available() else { return }
        let solo = try SoloNamespace()
        defer { solo.tearDown() }
        // The sender has a namespace of its own: a source address local to the receiver would
        // be a martian.
        let peer = solo.name + "-peer"
        try solo.sh("ip netns add \(peer)")
        defer { _ = try? solo.sh("ip netns del \(peer)") }
        try solo.sh("ip -n \(solo.name) link set peer0 netns \(peer)")
        try solo.sh("ip -n \(peer) addr add 10.98.0.2/24 dev peer0")
        try solo.sh("ip -n \(peer) link set peer0 up")
        try Self.sender.write(toFile: solo.directory.file("send.py"), atomically: true, encoding: .utf8)
        try solo.start(
            Self.instance("notify_master_rx_lower_pri \"/bin/sh -c 'echo lower >> \(solo.directory.file("lower"))'\""))
        #expect(try solo.waitUntil(seconds: 10) { try solo.addresses().contains("10.98.0.100/24") }, "\(solo.log)")
        let send = "ip netns exec \(peer) python3 \(solo.directory.file("send.py"))"
        try solo.sh("\(send) 64 good")
        try solo.sh("\(send) 255 bad")
        let lvsadm = try Subprocess.executable("lvsadm").path
        var json = ""
        let counted = solo.waitUntil(seconds: 5) {
            json = (try? solo.sh("\(lvsadm) --control-socket \(solo.directory.file("lvsd.sock")) --vrrp --json")) ?? ""
            return json.contains("\"bad_ttl\" : 3") && json.contains("\"bad_checksum\" : 3")
        }
        #expect(counted, "\(json)")
        #expect(json.contains("\"ip_ttl_err\" : 3"), "keepalived's TTL counter too: \(json)")
        let logged = solo.log.components(separatedBy: "\n").filter { $0.contains("dropped an advert from 10.98.0.2") }
        #expect(logged.count == 2, "\(logged)")
        // Still master: a bad advert changes nothing.
        #expect(try solo.addresses().contains("10.98.0.100/24"))
        // A valid advert of lower priority: answered, and notify_master_rx_lower_pri runs.
        try solo.sh("\(send) 255 good 50")
        #expect(solo.waitUntil(seconds: 5) { solo.contents("lower").contains("lower") }, "\(solo.log)")
        #expect(try solo.addresses().contains("10.98.0.100/24"))
        solo.signal(SIGTERM)
    }
}
