import Foundation
import LVSHealth
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// MISC_CHECK: runs `misc_path` through `/bin/sh -c`, killed (SIGKILL) after the timeout.
/// Exit 0 passes; any other code fails, except with `misc_dynamic`, where 1 fails and 2…255
/// pass with the real server's weight set to `code − 2` (reference §8.5).
/// With a `user [group]` (or `global_defs script_user`) and lvsd running as root, the script
/// runs as that user (`ScriptInvocation`, docs/design/0032).
public struct MiscProbe: HealthProbe {
    public let name = "MISC_CHECK"
    public var command: String
    public var dynamic: Bool
    public var user: String?
    public var group: String?

    public init(command: String, dynamic: Bool = false, user: String? = nil, group: String? = nil) {
        self.command = command
        self.dynamic = dynamic
        self.user = user
        self.group = group
    }

    /// The result an exit status stands for.
    public func result(exitStatus code: Int32) -> ProbeResult {
        if code == 0 { return .success(detail: "\(name): exit status 0") }
        if dynamic && code >= 2 && code <= 255 {
            return .success(detail: "\(name): exit status \(code), weight \(code - 2)", weight: code - 2)
        }
        return .failure(reason: "\(name): exit status \(code)")
    }

    public func run(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<ProbeResult> {
        let promise = eventLoop.makePromise(of: ProbeResult.self)
        let process = Process()
        let invocation = ScriptInvocation.command(command, user: user, group: group, effectiveUID: geteuid())
        process.executableURL = URL(fileURLWithPath: invocation.executable)
        process.arguments = invocation.arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let probe = self
        process.terminationHandler = { finished in
            let status = finished.terminationStatus
            switch finished.terminationReason {
            case .exit: promise.succeed(probe.result(exitStatus: status))
            case .uncaughtSignal: promise.succeed(.failure(reason: "\(probe.name): killed by signal \(status)"))
            @unknown default: promise.succeed(.failure(reason: "\(probe.name): ended with \(status)"))
            }
        }
        do {
            try process.run()
        } catch {
            return eventLoop.makeSucceededFuture(.failure(reason: "\(name): cannot run \(command): \(error)"))
        }
        let pid = process.processIdentifier
        // The kill and the exit race: the first completion wins (a promise ignores later ones).
        let task = eventLoop.scheduleTask(in: timeout) {
            kill(pid, SIGKILL)
            promise.succeed(.failure(reason: "\(probe.name): timeout after \(ProbeCompletion.secondsText(timeout)) s"))
        }
        // Keep the process object alive until it ends.
        return promise.futureResult.always { _ in
            task.cancel()
            _ = process
        }
    }
}
