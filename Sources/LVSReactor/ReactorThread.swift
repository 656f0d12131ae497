import CLinuxNet
import Glibc

/// A dedicated POSIX thread for a reactor loop (not Dispatch, not a Swift concurrency
/// executor: the loop blocks in epoll_wait and must own its thread).
public struct ReactorThread: Sendable {
    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// The pthread.
    public let id: pthread_t

    /// Starts a thread named `name` (the kernel keeps the first 15 bytes) running `body`.
    public static func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) -> ReactorThread
    {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
                _ = clinuxnet_set_thread_name(String(start.name.utf8.prefix(15)) ?? "lvs-reactor")
                start.body()
                return nil
            }, start)
        guard rc == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw SystemError(errno: rc, function: "pthread_create")
        }
        return ReactorThread(id: thread)
    }

    /// Waits for the thread to finish. Call exactly once per thread.
    public func join() {
        _ = pthread_join(id, nil)
    }
}
