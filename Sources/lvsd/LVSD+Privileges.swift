import ArgumentParser
import LVSDaemon
import Logging

extension LVSD {
    /// `--keep-capabilities`: `all` (no drop), or capability names kept beyond the plan's.
    func keptCapabilityExtras() throws -> Set<Capability>? {
        guard let keepCapabilities else { return [] }
        if keepCapabilities == "all" { return nil }
        var extras: Set<Capability> = []
        for name in keepCapabilities.split(separator: ",") where !name.isEmpty {
            guard let capability = Capability(name: String(name)) else {
                let known = Capability.allCases.map(\.description).joined(separator: ", ")
                throw ValidationError("--keep-capabilities: unknown capability '\(name)' (known: \(known), or all)")
            }
            extras.insert(capability)
        }
        return extras
    }

    /// Drops the capabilities the running daemon does not need (docs/design/0032), logging
    /// what stays and why. A failure is logged and the daemon runs on with what it has.
    static func dropCapabilities(_ daemon: DirectorDaemon, extras: Set<Capability>?, logger: Logger) {
        guard let extras else {
            logger.info("capabilities: all kept (--keep-capabilities all)")
            return
        }
        let kept = CapabilityPlan.kept(for: daemon.capabilityNeeds(), extra: extras)
        do {
            guard let outcome = try ProcessCapabilities.drop(keeping: kept.keys) else { return }
            let reasons = kept.keys.sorted().filter { outcome.after & $0.bit != 0 }.map { "\($0) (\(kept[$0] ?? ""))" }
            logger.info("capabilities: only \(reasons.isEmpty ? "none" : reasons.joined(separator: ", ")) from now on")
            if outcome.threadsNotReached > 0 {
                logger.warning(
                    "capabilities: \(outcome.threadsNotReached) thread(s) block the signal that drops them and keep their capabilities"
                )
            }
        } catch {
            logger.error("capabilities: could not drop them: \(error)")
        }
    }
}
