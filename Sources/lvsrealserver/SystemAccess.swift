import Foundation
import LVSPacket

/// The helper's only contact with the system: /proc/sys, /sys/class/net and the `ip` tool.
/// Every call reports failure as a `HelperError` naming what failed; nothing traps.
enum SystemAccess {
    static let procSys = "/proc/sys/"

    /// The current value of `sysctl`, trimmed, or nil when it does not exist or is unreadable.
    static func read(_ sysctl: Sysctl) -> String? {
        guard let data = FileManager.default.contents(atPath: procSys + sysctl.path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes `value` to `sysctl` through /proc/sys (what `sysctl -w` does).
    static func write(_ sysctl: Sysctl, value: String) throws(HelperError) {
        let path = procSys + sysctl.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HelperError("cannot set \(sysctl.name): \(path) does not exist (is the interface name right?)")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            if !hasNetAdmin { throw .needsRoot(to: "write \(sysctl.name)") }
            throw HelperError("cannot open \(path) for writing")
        }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data((value + "\n").utf8))
        } catch {
            throw HelperError("cannot write \(value) to \(path): \(HelperError.cause(of: error))")
        }
    }

    /// True when the effective capability set holds CAP_NET_ADMIN (bit 12 of CapEff in
    /// /proc/self/status): what adding addresses and writing net sysctls need.
    static var hasNetAdmin: Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/self/status") else { return false }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
            guard let mask = UInt64(hex, radix: 16) else { return false }
            return mask & (1 << 12) != 0
        }
        return false
    }

    /// Whether a network device exists in this namespace.
    static func deviceExists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }

    /// Whether a device is administratively up (IFF_UP in /sys/class/net/X/flags).
    static func deviceIsUp(_ name: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/sys/class/net/\(name)/flags"),
            let flags = UInt32(
                String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(2),
                radix: 16)
        else { return false }
        return flags & 1 != 0
    }

    /// Whether the kernel decapsulates IP-IP itself: the ipip module is loaded or built in
    /// (then tunl0 exists in every namespace).
    static var kernelHasIPIP: Bool {
        FileManager.default.fileExists(atPath: "/sys/module/ipip") || deviceExists(SetupPlan.kernelTunnelDevice)
    }

    /// The addresses configured on `device`, from `ip -o address show dev DEVICE`.
    static func addresses(on device: String) throws(HelperError) -> Set<WireAddress> {
        let output = try runIP(["-o", "address", "show", "dev", device])
        var found: Set<WireAddress> = []
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let familyIndex = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }),
                familyIndex + 1 < words.count
            else { continue }
            let cidr = words[familyIndex + 1]
            let text = cidr.split(separator: "/").first.map(String.init) ?? String(cidr)
            if let address = WireAddress(text) { found.insert(address) }
        }
        return found
    }

    /// Runs `ip ARGUMENTS`; throws with ip's own message when it exits non-zero.
    @discardableResult
    static func runIP(_ arguments: [String]) throws(HelperError) -> String {
        let candidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HelperError("the ip tool (iproute2) is not installed; install it (e.g. apt-get install iproute2)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw HelperError("cannot run \(tool): \(HelperError.cause(of: error))")
        }
        // Read before waiting so a large output cannot fill the pipe and block ip.
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = String(decoding: errData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw HelperError(
                "ip \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)): \(message)")
        }
        return String(decoding: outData, as: UTF8.self)
    }
}
