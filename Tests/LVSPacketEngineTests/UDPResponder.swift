import CLinuxNet
import Foundation
import Synchronization

/// A UDP real server for the lab, in the test process: a socket opened inside a real server's
/// namespace (the thread enters it for the socket call only) and a thread answering every
/// datagram with "rsN PEER" from the same socket. socat's forking UDP listener hands each
/// datagram to a new child and waits for it before it reads the next, which on a loaded
/// machine took longer than a client waits; this one answers at once.
final class UDPResponder: Sendable {
    let fd: Int32
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    /// Binds `port` (on `bind`, or the wildcard address of the family) in `namespace`.
    init(namespace: String, index: Int, port: Int, ipv6: Bool, bind address: String?) throws {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        defer {
            if original >= 0 { close(original) }
            if target >= 0 { close(target) }
        }
        guard original >= 0, target >= 0, clinuxtun_setns_net(target) == 0 else {
            throw LabError("cannot enter \(namespace): errno \(errno)")
        }
        let family = ipv6 ? AF_INET6 : AF_INET
        let socketFD = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var bound: Int32 = -1
        if socketFD >= 0 {
            var one: Int32 = 1
            _ = setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if ipv6 {
                var local6 = sockaddr_in6()
                local6.sin6_family = sa_family_t(AF_INET6)
                local6.sin6_port = in_port_t(UInt16(port).bigEndian)
                if let address {
                    _ = inet_pton(
                        AF_INET6, address.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), &local6.sin6_addr)
                }
                bound = withUnsafePointer(to: &local6) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
            } else {
                var local4 = sockaddr_in()
                local4.sin_family = sa_family_t(AF_INET)
                local4.sin_port = in_port_t(UInt16(port).bigEndian)
                if let address { _ = inet_pton(AF_INET, address, &local4.sin_addr) }
                bound = withUnsafePointer(to: &local4) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }
        let saved = errno
        _ = clinuxtun_setns_net(original)
        guard socketFD >= 0, bound == 0 else {
            if socketFD >= 0 { close(socketFD) }
            throw LabError("UDP responder on \(namespace) port \(port): errno \(saved)")
        }
        fd = socketFD
        let name = "rs\(index)"
        let thread = Thread { [self] in
            self.serve(name)
            self.finished.signal()
        }
        thread.start()
    }

    private func serve(_ name: String) {
        var buffer = [UInt8](repeating: 0, count: 2048)
        var peer = sockaddr_storage()
        while running.load(ordering: .acquiring) {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT), $0, &length)
                }
            }
            guard count >= 0 else { continue }
            let answer = Array("\(name) \(Self.text(of: peer))\n".utf8)
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, answer, answer.count, 0, $0, length)
                }
            }
        }
    }

    /// The peer's address as socat's SOCAT_PEERADDR prints it (IPv6 in brackets).
    static func text(of storage: sockaddr_storage) -> String {
        var copy = storage
        var text = [CChar](repeating: 0, count: 64)
        if Int32(storage.ss_family) == AF_INET6 {
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin6_addr
                    inet_ntop(AF_INET6, &address, &text, 64)
                    return "[" + String(cString: text) + "]"
                }
            }
        }
        return withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var address = pointer.pointee.sin_addr
                inet_ntop(AF_INET, &address, &text, 64)
                return String(cString: text)
            }
        }
    }

    /// Stops the thread and closes the socket.
    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
        close(fd)
    }
}
