import Foundation
import Testing

/// The built `lvsd --packet-engine` running in a lab's director namespace on veth10 (client
/// side) and veth12 (real-server side), with `lvsadm` talking to its control socket.
struct LabDirector {
    let lab: NamespaceLab
    let process: Process
    let socket: String
    let lvsadmPath: String

    /// Starts lvsd with `rules` (ipvsadm -R lines) and `extra` options, and waits (bounded) for
    /// its control socket.
    init(
        _ lab: NamespaceLab, rules: String, workers: Int = 2, ring: String = "frames", extra: [String] = []
    ) throws {
        self.lab = lab
        socket = lab.file("lvsd.sock")
        lvsadmPath = try NamespaceLab.executable("lvsadm")
        try rules.write(toFile: lab.file("rules"), atomically: true, encoding: .utf8)
        process = try lab.start(
            in: lab.director,
            [
                try NamespaceLab.executable("lvsd"), "--control-socket", socket, "--packet-engine", "--interface",
                "veth10", "--interface", "veth12", "--packet-workers", String(workers), "--packet-ring", ring,
                "--reactors", "1",
                "--rules", lab.file("rules"),
            ] + extra, name: "lvsd")
        let socket = socket
        let process = process
        let ready = lab.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: socket) || !process.isRunning }
        guard ready && process.isRunning else { throw LabError("lvsd did not start: \(lab.contents("lvsd.err"))") }
    }

    /// Runs `lvsadm ARGUMENTS` against this director; its standard output (errors recorded).
    @discardableResult
    func lvsadm(_ arguments: String) throws -> String {
        let result = try NamespaceLab.shell("\(lvsadmPath) --control-socket \(socket) \(arguments)")
        #expect(result.status == 0, "lvsadm \(arguments): \(result.error)")
        return result.output
    }

    /// One counter of `lvsadm --engine-stats` (0 when absent).
    func engineCounter(_ name: String) throws -> Int {
        let stats = try lvsadm("--engine-stats")
        for line in stats.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" || $0 == "=" })
            if fields.count >= 2, fields[0] == name { return Int(fields[fields.count - 1]) ?? 0 }
        }
        return 0
    }

    /// The columns of the `lvsadm -L -n --stats` (or `--rate`) line that starts with `prefix` (a service line
    /// such as "TCP  207.175.44.110:8080" or a real server line such as "  -> 172.16.0.2:8080").
    func statsColumns(_ prefix: String, listing: String = "--stats") throws -> [Substring] {
        let stats = try lvsadm("-L -n \(listing)")
        let line = stats.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.map { $0.split(separator: " ") } ?? []
    }

    /// Stops lvsd (SIGTERM) and checks it exits 0 and takes its nftables table with it.
    func stop() throws {
        kill(process.processIdentifier, SIGTERM)
        let process = process
        let stopped = lab.waitUntil(seconds: 10) { !process.isRunning }
        #expect(stopped && process.terminationStatus == 0, "lvsd: \(lab.contents("lvsd.err"))")
        let after = try lab.run(in: lab.director, "nft list tables")
        #expect(!after.output.contains("lvsd"), "the netdev table must be removed on exit")
    }
}

/// Real-server listeners and clients built from socat, for the scenario tests.
extension NamespaceLab {
    /// A TCP (socat) or UDP (`UDPResponder`) listener on real server `index` that answers every
    /// connection (datagram) with "rsINDEX PEERADDRESS" — which real server served it and whom
    /// it saw as the client — and (TCP) appends what it received to `rsINDEX.data`. `bind` pins
    /// the listener to an address (a direct-routing UDP server must answer from the VIP).
    func serve(
        on index: Int, port: Int, udp: Bool = false, ipv6: Bool = false, bind: String? = nil
    ) throws {
        if udp {
            responders.append(
                try UDPResponder(namespace: servers[index], index: index, port: port, ipv6: ipv6, bind: bind))
            return
        }
        let family = ipv6 ? "6" : "4"
        var address = "TCP\(family)-LISTEN:\(port),reuseaddr,fork"
        if let bind { address += ",bind=\(bind)" }
        let data = file("rs\(index).data")
        let name = "listener\(index)-\(port)t\(family)"
        // -T 30: the listener and its children end by themselves after 30 s idle, whatever
        // happens to the test.
        let answer = "echo rs\(index) $SOCAT_PEERADDR; exec cat >> \(data)"
        try start(in: servers[index], ["socat", "-T", "30", address, "SYSTEM:\(answer)"], name: name)
        let probe = "ss -Hltn 'sport = :\(port)'"
        let listening = try waitUntil(seconds: 5) { try run(in: servers[index], probe).output.contains("\(port)") }
        guard listening else { throw LabError("listener \(name) did not start: \(contents("\(name).err"))") }
    }

    /// One client request to `address:port` from the client namespace: sends `payload`, returns
    /// the answer ("rsN PEER" from `serve`) or "" when none came within the bound.
    func request(_ address: String, port: Int, udp: Bool = false, payload: String = "hello") throws -> String {
        if udp {
            // One datagram from a connected socket (bash's /dev/udp), then the first line of the
            // answer: done as soon as it comes, bounded at 10 s (a loaded machine forks the real
            // server's responder late; socat would wait a fixed time after its input ended).
            let script = "exec 3<>/dev/udp/\(address)/\(port); printf \"\(payload)\\n\" >&3; timeout 10 head -n 1 <&3"
            let result = try run(in: client, "bash -c '\(script)'")
            return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let target = "TCP:\(Self.endpoint(address, port))"
        // -t: how long socat waits for the answer after its input ended.
        let result = try run(in: client, "sh -c 'printf \"\(payload)\\n\" | timeout 7 socat -t 4 - \(target)'")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
