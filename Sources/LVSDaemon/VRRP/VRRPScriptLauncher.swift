import Foundation
import LVSConfig
import LVSHealthChecks
import Logging

/// Starts the scripts VRRP runs (`vrrp_script`, `notify_*`, `notify`, `notify_fifo_script`) the
/// way keepalived's users write them: one command line through `/bin/sh -c`, with extra
/// arguments appended shell-quoted (`notify` gets `INSTANCE|GROUP NAME STATE PRIORITY`).
/// With `user [group]` (or `global_defs script_user`) and lvsd running as root, the script runs
/// as that user through util-linux's `setpriv`, as keepalived drops privileges for it.
enum VRRPScriptLauncher {
    /// A started script; `onExit` gets the exit status, or nil when a signal ended it.
    static func launch(
        _ script: ScriptCommand, arguments: [String] = [], defaultUser: ScriptCommand?,
        onExit: @escaping @Sendable (Int32?) -> Void
    ) throws -> Process {
        let line = ([script.command] + arguments.map(shellQuoted)).joined(separator: " ")
        let process = Process()
        let identity = ScriptInvocation.identity(
            user: script.user, group: script.group, scriptUser: defaultUser?.user, scriptGroup: defaultUser?.group)
        let invocation = ScriptInvocation.command(
            line, user: identity.user, group: identity.group, effectiveUID: geteuid())
        process.executableURL = URL(fileURLWithPath: invocation.executable)
        process.arguments = invocation.arguments
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { finished in
            onExit(finished.terminationReason == .exit ? finished.terminationStatus : nil)
        }
        try process.run()
        return process
    }

    /// `'text'` with every `'` written as `'\''`: one shell word whatever it holds.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Runs one instance's (or sync group's) notify scripts one after another, never two at once,
/// in the order of its state changes (keepalived's notify ordering). A script is waited for at
/// most `limit`, then killed, so a hung script cannot hold back the next notification for ever.
final class VRRPNotifyQueue: Sendable {
    private let queue: DispatchQueue
    private let logger: Logger
    private let limit: Duration

    init(name: String, logger: Logger, limit: Duration = .seconds(60)) {
        self.queue = DispatchQueue(label: "lvsd.vrrp.notify.\(name)")
        self.logger = logger
        self.limit = limit
    }

    /// Runs the scripts in order after every earlier one has ended.
    func enqueue(_ scripts: [(ScriptCommand, [String])], defaultUser: ScriptCommand?, why: String) {
        guard !scripts.isEmpty else { return }
        let logger = logger
        let limit = limit
        queue.async {
            for (script, arguments) in scripts {
                let done = DispatchSemaphore(value: 0)
                do {
                    let process = try VRRPScriptLauncher.launch(
                        script, arguments: arguments, defaultUser: defaultUser
                    ) { status in
                        if status != 0 {
                            logger.warning(
                                "notify script \"\(script.command)\" ended with \(status.map { "exit status \($0)" } ?? "a signal")"
                            )
                        }
                        done.signal()
                    }
                    logger.info("notify script \"\(script.command)\" started: \(why)")
                    let seconds = Double(limit.components.seconds)
                    if done.wait(timeout: .now() + seconds) == .timedOut {
                        logger.warning(
                            "notify script \"\(script.command)\" still running after \(Int(seconds)) s: killed")
                        kill(process.processIdentifier, SIGKILL)
                        done.wait()
                    }
                } catch {
                    logger.error("notify script \"\(script.command)\" could not start: \(error)")
                }
            }
        }
    }

    /// Waits until every script queued so far has ended, at most `timeout`.
    func drain(timeout: Duration) {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        _ = done.wait(timeout: .now() + Double(timeout.components.seconds))
    }
}
