import CLinuxNet
import Foundation
import Testing

/// Network namespaces the tests create (unique names, removed in every path), and the check
/// that they can: root, `ip`, /dev/net/tun. Without them the tests skip with a reason, except
/// under CI=true, where they run and record the missing requirement as a failure (DESIGN §7).
enum NamespaceSupport {
    static let underCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Why namespace tests cannot run here, or nil when they can.
    static let missingRequirement: String? = {
        if geteuid() != 0 { return "namespace tests need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)" }
        if HelperProcess.tool("ip") == nil { return "namespace tests need the ip tool (iproute2)" }
        if !FileManager.default.fileExists(atPath: "/dev/net/tun") { return "decap tests need /dev/net/tun" }
        return nil
    }()

    /// The trait condition: run when possible, and always under CI (to fail there).
    static var shouldRun: Bool { missingRequirement == nil || underCI }

    /// True when the test may proceed; records an issue (CI) when it may not.
    static func requirementsMet(also extra: String? = nil) -> Bool {
        guard let reason = missingRequirement ?? extra else { return true }
        if underCI { Issue.record("CI=true and a namespace test cannot run: \(reason)") }
        return false
    }

    /// A short random suffix for namespace and interface names (interface names ≤ 15 bytes).
    static func uniqueSuffix() -> String {
        String(UInt32.random(in: 0x1000_0000...0xFFFF_FFFF), radix: 16)
    }
}

/// A network namespace created for one test; `remove()` deletes it (and its interfaces).
struct TestNamespace {
    let name: String

    init(_ name: String) throws {
        self.name = name
        try IP.run(["netns", "add", name])
        try IP.run(["-n", name, "link", "set", "lo", "up"])
    }

    func remove() { _ = try? IP.run(["netns", "del", name]) }

    /// Runs `body` with the calling thread inside this namespace, then moves it back. Sockets
    /// created in `body` stay in this namespace. Synchronous: the thread must not change.
    func withEntered<T>(_ body: () throws -> T) throws -> T {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        defer {
            if original >= 0 { close(original) }
            if target >= 0 { close(target) }
        }
        try #require(original >= 0 && target >= 0, "cannot open the namespace files of \(name)")
        try #require(clinuxtun_setns_net(target) == 0, "setns into \(name) failed: errno \(errno)")
        defer { _ = clinuxtun_setns_net(original) }
        return try body()
    }
}

/// `ip` with a checked exit status.
enum IP {
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let result = try HelperProcess.run(#require(HelperProcess.tool("ip")), arguments)
        try #require(result.status == 0, "ip \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        return result.standardOutput
    }

    /// `cat /proc/sys/PATH` inside `namespace` (net sysctls are per namespace).
    static func sysctl(_ path: String, in namespace: String) throws -> String {
        let result = try HelperProcess.run(
            #require(HelperProcess.tool("ip")), ["netns", "exec", namespace, "cat", "/proc/sys/" + path])
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
