import Foundation
import Testing

/// One VRRP daemon of a `VRRPLab`: lvsd or keepalived, in namespace A or B, reading the same
/// keepalived.conf vocabulary. Started, stopped and killed by process id; its log (stdout and
/// stderr, appended across restarts) is a file in the lab.
final class VRRPLabNode: @unchecked Sendable {
    // Invariant for @unchecked Sendable: one test task drives a node; `process` changes only
    // in `start`, which that task awaits.
    enum Kind: String { case lvsd, keepalived }

    let kind: Kind
    let side: String
    let namespace: String
    let lab: VRRPLab
    let configPath: String
    let logPath: String
    private(set) var process: Process?
    /// More lvsd options (e.g. `--sync-key-file FILE`), given on every start.
    var extraArguments: [String] = []

    /// A node on `side` ("A" or "B") that will run `configuration` (keepalived.conf text).
    init(_ kind: Kind, on side: String, in lab: VRRPLab, configuration: String) throws {
        self.kind = kind
        self.side = side
        self.lab = lab
        namespace = side == "A" ? lab.a : lab.b
        configPath = lab.file("\(side)-\(kind.rawValue).conf")
        logPath = lab.file("\(side)-\(kind.rawValue).log")
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private var pidFile: String { lab.file("\(side)-keepalived.pid") }
    private var vrrpPidFile: String { lab.file("\(side)-keepalived-vrrp.pid") }

    /// Starts the daemon and waits (bounded) until it is up: lvsd printed its listening line,
    /// keepalived's VRRP child wrote its pid file.
    func start() async throws {
        let marker = lab.contents(logPath).count
        switch kind {
        case .lvsd:
            let lvsd = try Subprocess.executable("lvsd").path
            process = try lab.start(
                in: namespace,
                [
                    lvsd, "--config", configPath, "--control-socket", lab.file("\(side).sock"), "--log-level",
                    "info",
                ] + extraArguments, log: logPath)
            let up = await lab.poll(within: 20) {
                String(self.lab.contents(self.logPath).dropFirst(marker)).contains("lvsd: listening on")
                    || !(self.process?.isRunning ?? false)
            }
            try #require(up && process?.isRunning == true, "lvsd on \(side) did not start: \(log)")
        case .keepalived:
            try? FileManager.default.removeItem(atPath: vrrpPidFile)
            process = try lab.start(
                in: namespace,
                [
                    try #require(VRRPLab.tool("keepalived")), "-n", "-l", "-D", "--vrrp", "-f", configPath, "-p",
                    pidFile, "-r", vrrpPidFile,
                ], log: logPath)
            let up = await lab.poll(within: 20) {
                FileManager.default.fileExists(atPath: self.vrrpPidFile) || !(self.process?.isRunning ?? false)
            }
            try #require(up && process?.isRunning == true, "keepalived on \(side) did not start: \(log)")
        }
    }

    /// Sends `signal` to the daemon's process: SIGTERM is a clean stop (a master resigns with
    /// priority 0), SIGKILL a crash (nothing is resigned or removed; keepalived's VRRP child is
    /// killed too, or its parent would not be the only one gone).
    func signal(_ signal: Int32) throws {
        let process = try #require(process, "\(kind) on \(side) was never started")
        var victims = [process.processIdentifier]
        if kind == .keepalived && signal == SIGKILL,
            let child = Int32(lab.contents(vrrpPidFile).trimmingCharacters(in: .whitespacesAndNewlines))
        {
            victims.append(child)
        }
        for pid in victims { kill(pid, signal) }
    }

    /// Waits (bounded) for the process to exit; its status, or nil if it is still running.
    func waitForExit(within seconds: Double = 15) async -> Int32? {
        guard let process else { return nil }
        guard await lab.poll(within: seconds, { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    /// Everything the daemon logged so far.
    var log: String { lab.contents(logPath) }

    /// The states `instance` entered, in order, according to the log (lvsd: `VRRP_Instance(VI_1)
    /// BACKUP -> MASTER (...)`, keepalived: `(VI_1) Entering MASTER STATE`).
    func states(of instance: String) -> [String] {
        var states: [String] = []
        for line in log.split(separator: "\n") {
            switch kind {
            case .lvsd:
                guard let range = line.range(of: "VRRP_Instance(\(instance)) ") else { continue }
                let words = line[range.upperBound...].split(separator: " ")
                if words.count >= 3 && words[1] == "->" { states.append(String(words[2])) }
            case .keepalived:
                guard let range = line.range(of: "(\(instance)) Entering ") else { continue }
                if let word = line[range.upperBound...].split(separator: " ").first { states.append(String(word)) }
            }
        }
        return states
    }

    /// The state `instance` last entered, nil before any.
    func state(of instance: String) -> String? { states(of: instance).last }

    /// Polls the log until `instance` is in `state`.
    func waitForState(_ state: String, of instance: String = "VI_1", within seconds: Double) async -> Bool {
        await lab.poll(within: seconds) { self.state(of: instance) == state }
    }

    /// Log lines that would mean the peers do not understand each other's adverts: keepalived's
    /// complaints (the words "bad", "invalid", "mismatch", "error"), lvsd's dropped adverts and
    /// errors. Whole words only: an address like fe80::1bad is no complaint.
    var complaints: [String] {
        let words: Set<String> =
            kind == .keepalived ? ["bad", "invalid", "mismatch", "error"] : ["dropped", "error", "cannot", "mismatch"]
        return log.split(separator: "\n").map(String.init).filter { line in
            // A link the test took down: an advert sent before the link monitor reported it.
            if line.contains("Network is unreachable") || line.contains("Network is down") { return false }
            // Words only: an address such as fe80::…:4bad is one token, not the word "bad".
            let tokens = line.lowercased().split { !($0.isLetter || $0.isNumber || $0 == ":") }.map(String.init)
            return tokens.contains { words.contains($0) }
        }
    }

    /// One of keepalived's counters of an lvsd node's instance, read with `lvsadm --vrrp --json`
    /// (nil for keepalived, or when lvsd does not answer).
    func counter(_ name: String, of instance: String = "VI_1") -> UInt64? {
        guard kind == .lvsd else { return nil }
        let result = try? Subprocess.runSynchronously(
            "lvsadm", ["--control-socket", lab.file("\(side).sock"), "--vrrp", "--json"])
        guard let text = result?.standardOutput, let data = text.data(using: .utf8),
            let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let instances = report["instances"] as? [[String: Any]],
            let entry = instances.first(where: { $0["name"] as? String == instance }),
            let counters = entry["counters"] as? [String: Any]
        else { return nil }
        return (counters[name] as? NSNumber)?.uint64Value
    }
}
