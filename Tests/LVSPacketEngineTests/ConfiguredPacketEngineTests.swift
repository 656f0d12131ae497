import Foundation
import Testing

extension LabDirector {
    /// Starts `lvsd --config FILE` with nothing else about the packet engine: a configuration
    /// whose real servers need it starts it, on interfaces chosen from the routes.
    init(_ lab: NamespaceLab, keepalived text: String) throws {
        self.lab = lab
        socket = lab.file("lvsd.sock")
        lvsadmPath = try NamespaceLab.executable("lvsadm")
        try text.write(toFile: lab.file("keepalived.conf"), atomically: true, encoding: .utf8)
        process = try lab.start(
            in: lab.director,
            [
                try NamespaceLab.executable("lvsd"), "--control-socket", socket, "--reactors", "1",
                "--packet-workers", "1", "--config", lab.file("keepalived.conf"),
            ], name: "lvsd")
        let socket = socket
        let process = process
        let ready = lab.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: socket) || !process.isRunning }
        guard ready && process.isRunning else { throw LabError("lvsd did not start: \(lab.contents("lvsd.err"))") }
    }
}

/// A keepalived.conf with `lb_kind NAT` works as it is: `lvsd --config` (root) starts the packet
/// engine without `--packet-engine` or `--interface`, and says which interfaces it chose and why.
@Suite(.serialized) struct ConfiguredPacketEngineTests {
    @Test("lvsd --config with lb_kind NAT starts the packet engine on the interfaces its routes name")
    func natConfigurationStartsTheEngine() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        try lab.serve(on: 0, port: 8080)
        try lab.serve(on: 1, port: 8080)
        let director = try LabDirector(
            lab,
            keepalived: """
                virtual_server \(NamespaceLab.vip) 8080 {
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                    real_server \(NamespaceLab.serverAddress(0)) 8080 {
                    }
                    real_server \(NamespaceLab.serverAddress(1)) 8080 {
                    }
                }

                """)
        let answers = try (0..<4).map { _ in try lab.request(NamespaceLab.vip, port: 8080) }
        #expect(answers.filter { $0.hasPrefix("rs0 ") }.count == 2, "\(answers)")
        #expect(answers.filter { $0.hasPrefix("rs1 ") }.count == 2, "\(answers)")
        #expect(try director.engineCounter("packet_forwarded_inbound") > 0)
        try director.stop()
        let log = lab.contents("lvsd.err")
        #expect(log.contains("starting the packet engine: the configuration has add real server"), "\(log)")
        #expect(
            log.contains("packet engine interface veth10: an address of the family of \(NamespaceLab.vip)"), "\(log)")
        #expect(
            log.contains("packet engine interface veth12: route to real server \(NamespaceLab.serverAddress(0))"),
            "\(log)")
    }

    @Test("keepalived.conf with a fwmark NAT service and TCP_CHECKs: the checks reach the real servers, clients too")
    func firewallMarkWithHealthChecks() throws {
        guard NamespaceLab.available() else { return }
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        try FirewallMarkNamespaceTests.markTraffic(lab)
        for index in 0..<2 {
            try lab.serve(on: index, port: 8080)
            try lab.serve(on: index, port: 8081)
        }
        var servers = ""
        for index in 0..<2 {
            servers += """
                    real_server \(NamespaceLab.serverAddress(index)) 0 {
                        TCP_CHECK {
                            connect_port 8080
                            connect_timeout 2
                        }
                    }

                """
        }
        let director = try LabDirector(
            lab,
            keepalived: """
                virtual_server fwmark 1 {
                    delay_loop 1
                    lb_algo rr
                    lb_kind NAT
                \(servers)}

                """)
        // The director's own connections to the real servers are answered to its address: the
        // engine must leave those replies to the kernel, or every check times out.
        var health = ""
        let checked = try lab.waitUntil(seconds: 20) {
            health = try director.lvsadm("--health -n")
            return health.components(separatedBy: "connected").count == 3
        }
        #expect(checked && !health.contains("down"), "\(health)\n\(lab.contents("lvsd.err"))")
        let answers = try [8080, 8081].map { try lab.request(NamespaceLab.vip, port: $0) }
        #expect(Set(answers.map { String($0.prefix(3)) }) == ["rs0", "rs1"], "\(answers)")
        try director.stop()
    }

    @Test("without the privileges, lvsd --config names exactly what is missing")
    func missingPrivilegesAreNamed() throws {
        guard NamespaceLab.available() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lvsd-priv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = chmod(directory.path, 0o755)  // lvsd, without dac_override after start-up, must enter it
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = chmod(directory.path, 0o777)
        let config = directory.appendingPathComponent("keepalived.conf").path
        try """
        virtual_server 127.0.0.1 8080 {
            lb_algo rr
            lb_kind DR
            protocol TCP
            real_server 127.0.0.2 8080 {
            }
        }

        """.write(toFile: config, atomically: true, encoding: .utf8)
        _ = chmod(config, 0o644)
        let lvsd = try NamespaceLab.executable("lvsd")
        // As nobody, with no capability at all.
        let result = try NamespaceLab.shell(
            "setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \(lvsd) --control-socket \(directory.path)/lvsd.sock --config \(config)"
        )
        #expect(result.status == 1)
        #expect(
            result.error.contains(
                "the configuration needs the packet engine (add real server 127.0.0.2:8080 to TCP 127.0.0.1:8080), which needs CAP_NET_RAW, CAP_NET_ADMIN"
            ), "\(result.error)")
    }
}
