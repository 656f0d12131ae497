import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import LVSControl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What `lvsadm` says when it cannot talk to lvsd (docs/lvsadm.md): no daemon and no permission
/// are told apart, each with the path and what to do.
@Suite("Control client connection errors")
struct ControlClientErrorTests {
    /// A fresh private directory (mode set explicitly: a concurrent ControlServer changes the umask).
    static func makeDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "lvsctl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(chmod(path, 0o755) == 0)
        return path
    }

    /// A Unix socket bound at `path`; listening when `listening`. Returns its descriptor.
    static func bindSocket(at path: String, listening: Bool) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        if listening { try #require(listen(fd, 4) == 0) }
        return fd
    }

    @Test("a missing socket file: no daemon, with the path and how to start one")
    func missingFile() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/absent.sock"
        let error = #expect(throws: ControlClientError.self) { _ = try ControlClient.connect(path: path) }
        #expect(error == .noDaemon(path: path, reason: "the socket file does not exist"))
        #expect(error?.description == "no lvsd is listening at \(path): the socket file does not exist")
        #expect(error?.advice?.contains("start lvsd (e.g. `lvsd --control-socket \(path)`)") == true)
        #expect(error?.advice?.contains("--control-socket PATH or LVSD_SOCKET") == true)
    }

    @Test("a socket file nobody listens on (a stopped daemon's leftover): no daemon")
    func staleSocket() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/stale.sock"
        let fd = try Self.bindSocket(at: path, listening: false)
        defer { close(fd) }
        let error = #expect(throws: ControlClientError.self) { _ = try ControlClient.connect(path: path) }
        #expect(
            error == .noDaemon(path: path, reason: "the socket file is left from a daemon that is no longer running"))
    }

    @Test("a socket file with mode 0: permission denied, unless we are root (root passes the check)")
    func modeZeroSocket() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/closed.sock"
        let fd = try Self.bindSocket(at: path, listening: true)
        defer { close(fd) }
        try #require(chmod(path, 0) == 0)
        if geteuid() == 0 {
            #expect(throws: Never.self) { _ = try ControlClient.connect(path: path) }
        } else {
            #expect(throws: ControlClientError.permissionDenied(path: path)) {
                _ = try ControlClient.connect(path: path)
            }
        }
    }

    @Test("the errno mapping: EACCES and EPERM are permission, ENOENT and ECONNREFUSED no daemon")
    func errnoMapping() {
        let path = "/run/lvsd.sock"
        let denied = ControlClientError.connectFailure(path: path, code: EACCES, detail: "connect")
        #expect(denied == .permissionDenied(path: path))
        #expect(ControlClientError.connectFailure(path: path, code: EPERM, detail: "connect") == denied)
        #expect(
            denied.description
                == "permission denied on lvsd's control socket /run/lvsd.sock: it is open only to root and the user lvsd runs as"
        )
        #expect(
            denied.advice
                == "run lvsadm as root or as the user lvsd runs as, or start lvsd with a --control-socket you may open")
        if case .noDaemon = ControlClientError.connectFailure(path: path, code: ECONNREFUSED, detail: "") {
        } else {
            Issue.record("ECONNREFUSED is not a missing daemon")
        }
        #expect(
            ControlClientError.connectFailure(path: path, code: ENOTSOCK, detail: "Socket operation on non-socket")
                == .unreachable(path: path, reason: "Socket operation on non-socket"))
        #expect(ControlClientError.transport(path: path, reason: "x").advice == nil)
    }

    @Test("a NIO bind failure is told in words naming the address, not NIO's call text")
    func nioBindFailure() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let first = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(first.localAddress?.port)
        var caught: (any Error)?
        do {
            let second = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: port).get()
            try? await second.close()
        } catch {
            caught = error
        }
        try? await first.close()
        try await group.shutdownGracefully()
        let error = try #require(caught)
        #expect("\(error)".contains("bind(descriptor:"))  // what must not reach the user
        let text = NetworkErrorText.listenFailure("127.0.0.1:\(port)", error)
        #expect(text == "cannot listen on 127.0.0.1:\(port): the address is already in use by another program")
        #expect(!text.contains("errno") && !text.contains("descriptor"))
    }

    @Test("other errnos and library errors get plain text")
    func otherCauses() {
        #expect(NetworkErrorText.cause(errno: ENOTSOCK) == "socket operation on non-socket")
        #expect(
            NetworkErrorText.cause(of: SocketAddressError.unixDomainSocketPathTooLong)
                == "the socket path is too long (at most 107 bytes)")
        #expect(
            NetworkErrorText.cause(of: ChannelError.connectTimeout(.milliseconds(1500))) == "no answer within 1500 ms")
        struct Plain: Error, CustomStringConvertible { var description: String { "plain words" } }
        #expect(NetworkErrorText.cause(of: Plain()) == "plain words")
        #expect(
            NetworkErrorText.connectFailure("10.0.0.2:80", IOError(errnoCode: ECONNREFUSED, reason: "connect"))
                == "cannot connect to 10.0.0.2:80: connection refused (nothing listens there)")
    }
}
