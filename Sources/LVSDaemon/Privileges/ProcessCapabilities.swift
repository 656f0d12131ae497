import CLinuxNet
import Foundation
import LVSConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Applies a `CapabilityPlan` to the running process: every thread's effective and permitted
/// sets become the kept capabilities (of those it had), the inheritable set empty. Nothing to
/// do for a process that has none (lvsd as a normal user). Irreversible: permitted capabilities
/// dropped cannot be taken back without an exec.
public enum ProcessCapabilities {
    /// What the drop did.
    public struct Outcome: Sendable, Hashable {
        /// The effective set before and after, as masks.
        public var before: UInt64
        public var after: UInt64
        /// Threads that still hold more than `after` (they block the signal that carries the
        /// change); 0 when every thread was reached.
        public var threadsNotReached: Int
    }

    /// The calling thread's effective set.
    public static func effective() -> UInt64? {
        var effective: UInt64 = 0
        var permitted: UInt64 = 0
        var inheritable: UInt64 = 0
        guard clinuxcap_get(&effective, &permitted, &inheritable) == 0 else { return nil }
        return effective
    }

    /// Drops every capability but `kept` from every thread; nil when the process has none to
    /// drop. Throws with errno when capset fails for the calling thread.
    public static func drop(keeping kept: some Collection<Capability>) throws -> Outcome? {
        var effective: UInt64 = 0
        var permitted: UInt64 = 0
        var inheritable: UInt64 = 0
        guard clinuxcap_get(&effective, &permitted, &inheritable) == 0 else { throw POSIXError(errno) }
        guard permitted != 0 else { return nil }
        let target = CapabilityPlan.mask(kept) & permitted
        let status = clinuxcap_set_all_threads(target, target, 0)
        let code = errno
        guard status == 0 || code == EAGAIN else { throw POSIXError(code) }
        return Outcome(before: effective, after: target, threadsNotReached: threadsAbove(target))
    }

    /// How many of the process's threads have an effective set with more than `mask`
    /// (/proc/self/task/TID/status, CapEff).
    static func threadsAbove(_ mask: UInt64) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            guard let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
                let value = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            else { return false }
            return value & ~mask != 0
        }.count
    }

    /// `net_admin,net_raw` for a mask.
    public static func names(_ mask: UInt64) -> String {
        let known = Capability.allCases.filter { mask & $0.bit != 0 }.map(\.description)
        let unknown = mask & ~CapabilityPlan.mask(Capability.allCases)
        let others = unknown == 0 ? [] : ["\(unknown.nonzeroBitCount) more"]
        return known.isEmpty && others.isEmpty ? "none" : (known + others).joined(separator: ",")
    }
}

extension POSIXError {
    fileprivate init(_ code: Int32) { self.init(POSIXErrorCode(rawValue: code) ?? .EPERM) }
}

extension DirectorDaemon {
    /// What the running daemon uses, for `CapabilityPlan`: read once start-up is done.
    public func capabilityNeeds() -> CapabilityNeeds {
        var needs = CapabilityNeeds()
        if let packet = host.packetEngine {
            needs.packetEngine = true
            needs.xdp = packet.configuration.packetIO == .xdp
        }
        needs.vrrp = host.vrrp.withLock { $0 != nil }
        needs.sync =
            host.sync.withLock { $0 != nil } || host.lvsSyncDaemon.withLock { $0 != nil }
            || !host.shared.withDirector { $0.syncDaemons.isEmpty }
        let table = host.shared.withDirector { $0.snapshot() }
        needs.transparentSource = table.services.contains { $0.realServers.contains { $0.config.transparentSource } }
        if let parsed = host.configurationFile?.load().configuration {
            needs.vrrp = needs.vrrp || !parsed.vrrpInstances.isEmpty
            needs.sync = needs.sync || parsed.globalDefinitions.lvsSyncDaemon != nil
            let miscUsers = parsed.virtualServers.contains { vs in
                vs.realServers.contains { rs in
                    rs.checkers.contains { checker in
                        guard case .misc(let misc) = checker.detail else { return false }
                        return misc.path?.user != nil
                    }
                }
            }
            needs.scriptsAsOtherUser =
                parsed.globalDefinitions.scriptUser != nil || parsed.vrrpScripts.contains { $0.command?.user != nil }
                || miscUsers
        }
        return needs
    }
}
