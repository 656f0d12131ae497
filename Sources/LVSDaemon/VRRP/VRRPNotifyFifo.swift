import Foundation
import LVSConfig
import LVSVRRP
import Logging

/// keepalived's `notify_fifo` / `vrrp_notify_fifo`: every state change is written as one line
/// `INSTANCE "NAME" STATE PRIORITY` (or `GROUP "NAME" STATE 0`) to a FIFO, which the
/// `notify_fifo_script` (started with the FIFO's path as its argument) reads. The FIFO is made
/// when missing and opened read-write so that writing never blocks or fails for want of a reader.
final class VRRPNotifyFifo {
    private let descriptor: Int32
    private let logger: Logger
    private var reader: Process?

    init(path: String, script: ScriptCommand?, defaultUser: ScriptCommand?, logger: Logger) throws {
        self.logger = logger
        if access(path, F_OK) != 0 && mkfifo(path, 0o600) != 0 {
            throw VRRPPlanError(message: "notify_fifo \(path): mkfifo failed: \(String(cString: strerror(errno)))")
        }
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw VRRPPlanError(message: "notify_fifo \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        if let script {
            reader = try VRRPScriptLauncher.launch(script, arguments: [path], defaultUser: defaultUser) { _ in }
        }
    }

    deinit {
        close(descriptor)
        if let reader, reader.isRunning { kill(reader.processIdentifier, SIGTERM) }
    }

    func write(_ notification: VRRPNotification) {
        write(
            line:
                "\(notification.scope.rawValue) \"\(notification.name)\" \(notification.state) \(notification.priority)"
        )
    }

    /// One line (the newline is added).
    func write(line: String) {
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 { logger.warning("notify_fifo: \(String(cString: strerror(errno)))") }
    }
}
