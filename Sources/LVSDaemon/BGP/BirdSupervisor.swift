import Foundation
import Glibc
import Logging
import Synchronization

/// Runs BIRD as lvsd's child (`bgp_announce { bird_command … }`), so that BIRD — and with it
/// every BGP session that announces this director's VIPs — ends when lvsd ends, even by
/// SIGKILL: BIRD is started through `setpriv --pdeathsig KILL`, and the kernel kills it when
/// the thread that started it dies. Its TCP sessions then close and the routers withdraw the
/// routes at once, without waiting for the hold timer (docs/design/0029-bgp-announcements.md).
///
/// Contract: the thread that spawns BIRD is this supervisor's own, alive as long as BIRD runs
/// (the parent-death signal follows the spawning thread, prctl(2) PR_SET_PDEATHSIG). A BIRD
/// that exits by itself is started again after a second; `stop` ends it (SIGTERM, then SIGKILL
/// after `stopTimeout`).
final class BirdSupervisor: Sendable {
    let arguments: [String]
    private let logger: Logger
    private let state = Mutex<(pid: pid_t?, stopping: Bool)>((nil, false))
    private let finished = DispatchSemaphore(value: 0)
    /// How the first spawn went, for `start` to report.
    private let firstSpawn = Mutex<Result<Void, BirdSupervisorError>?>(nil)
    static let setprivPath = "/usr/bin/setpriv"

    /// - Parameter command: BIRD's command line, words separated by blanks (no shell quoting);
    ///   it must keep BIRD in the foreground (`bird -f …`).
    init(command: String, logger: Logger) {
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        arguments = [Self.setprivPath, "--pdeathsig", "KILL", "--"] + words
        self.logger = logger
    }

    /// Starts BIRD on the supervisor's thread; throws when it cannot be spawned at all.
    func start() throws(BirdSupervisorError) {
        guard arguments.count > 4 else { throw .emptyCommand }
        guard access(Self.setprivPath, X_OK) == 0 else { throw .noSetpriv }
        let spawned = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            var first = true
            // Bounded by `stop`: each turn either spawns (then waits for that child) or ends.
            while !state.withLock({ $0.stopping }) {
                let pid: pid_t
                do throws(BirdSupervisorError) {
                    pid = try spawn()
                } catch {
                    if first {
                        self.firstSpawn.withLock { $0 = .failure(error) }
                        spawned.signal()
                        break
                    }
                    logger.error("bgp: BIRD could not be started again: \(error)")
                    sleep(1)
                    continue
                }
                state.withLock { $0.pid = pid }
                if first {
                    first = false
                    self.firstSpawn.withLock { $0 = .success(()) }
                    spawned.signal()
                }
                logger.notice("bgp: BIRD started as process \(pid): \(arguments.dropFirst(4).joined(separator: " "))")
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let stopping = state.withLock { s in
                    s.pid = nil
                    return s.stopping
                }
                if stopping { break }
                logger.error(
                    "bgp: BIRD (process \(pid)) exited with status \(status) (bird -p -c CONFIG shows configuration errors); starting it again in 1 s"
                )
                sleep(1)
            }
            finished.signal()
        }
        thread.name = "lvsd-bird"
        thread.start()
        spawned.wait()
        if case .failure(let error) = firstSpawn.withLock({ $0 }) { throw error }
    }

    /// Ends BIRD: SIGTERM (it closes its sessions with a Cease), SIGKILL after `timeout`.
    func stop(timeout: Duration = .seconds(5)) {
        let pid = state.withLock { s in
            s.stopping = true
            return s.pid
        }
        guard let pid else { return }
        kill(pid, SIGTERM)
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            logger.warning("bgp: BIRD (process \(pid)) did not end on SIGTERM; killing it")
            kill(pid, SIGKILL)
            _ = finished.wait(timeout: .now() + seconds)
        }
    }

    /// The running BIRD's process id, nil between restarts.
    var pid: pid_t? { state.withLock { $0.pid } }

    private func spawn() throws(BirdSupervisorError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // BIRD logs where its configuration says; its stdio goes nowhere.
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // lvsd's threads block the termination signals (a dispatch source reads them); BIRD must
        // start with none blocked and default dispositions, or SIGTERM would not reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, Self.setprivPath, &actions, &attributes, &argv, environ)
        guard result == 0 else { throw .spawn(String(cString: strerror(result))) }
        return pid
    }
}

/// Why BIRD could not be started.
enum BirdSupervisorError: Error, Sendable, CustomStringConvertible {
    case emptyCommand
    case noSetpriv
    case spawn(String)

    var description: String {
        switch self {
        case .emptyCommand: return "bird_command is empty"
        case .noSetpriv: return "\(BirdSupervisor.setprivPath) (util-linux) is needed to tie BIRD's life to lvsd's"
        case .spawn(let message): return "cannot start BIRD: \(message)"
        }
    }
}
