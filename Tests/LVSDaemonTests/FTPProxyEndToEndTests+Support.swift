import Foundation
import Glibc
import LVSReactor
import Testing

// The FTP proxy tests' tools: vsftpd on loopback, ports, and a blocking control-channel client.
extension FTPProxyEndToEndTests {
    /// A temporary directory and the `ftp` directory in it that vsftpd serves from.
    static func makeDirectories() throws -> (TemporaryDirectory, ftp: String) {
        let directory = try TemporaryDirectory()
        let ftpDirectory = directory.file("ftp")
        try FileManager.default.createDirectory(atPath: ftpDirectory, withIntermediateDirectories: true)
        return (directory, ftpDirectory)
    }

    /// `fileSize` random bytes: the file every transfer must deliver unchanged.
    static func randomContent() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<fileSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The tools, or nil (skipped, or failed under CI=true, DESIGN.md §7).
    static func tools() -> (vsftpd: String, curl: String, lftp: String)? {
        func find(_ name: String) -> String? {
            ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"].map { "\($0)/\(name)" }.first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
        }
        if getuid() == 0, let vsftpd = find("vsftpd"), let curl = find("curl"), let lftp = find("lftp") {
            return (vsftpd, curl, lftp)
        }
        let reason = "the FTP end-to-end test needs root, vsftpd, curl and lftp (apt-get install vsftpd lftp curl)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return nil
    }

    /// A port free on 127.0.0.1 and 127.0.0.2 now.
    static func freePort() -> UInt16 {
        let fd =
            (try? Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0), reusePort: false))) ?? -1
        defer { close(fd) }
        return (try? Socket.localAddress(fd))?.port ?? 0
    }

    /// vsftpd in the foreground with a configuration in `directory`; its output in files there.
    final class FTPServer {
        let process = Process()

        init(_ path: String, directory: String, address: String, port: UInt16, ipv6: Bool = false) throws {
            let root = directory + "/root"
            let empty = directory + "/empty"
            for dir in [root, empty] {
                try FileManager.default.createDirectory(
                    atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
            let configuration = """
                \(ipv6 ? "listen=NO\nlisten_ipv6=YES\nlisten_address6" : "listen=YES\nlisten_ipv6=NO\nlisten_address")=\(address)
                listen_port=\(port)
                anonymous_enable=YES
                local_enable=NO
                write_enable=NO
                no_anon_password=YES
                anon_root=\(root)
                pasv_enable=YES
                port_enable=YES
                connect_from_port_20=NO
                background=NO
                seccomp_sandbox=NO
                isolate=NO
                isolate_network=NO
                secure_chroot_dir=\(empty)
                run_as_launching_user=NO
                xferlog_enable=NO
                vsftpd_log_file=\(directory)/vsftpd.log

                """
            try configuration.write(toFile: directory + "/vsftpd.conf", atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = [directory + "/vsftpd.conf"]
            for stream in ["out", "err"] {
                _ = FileManager.default.createFile(atPath: "\(directory)/vsftpd.\(stream)", contents: nil)
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/vsftpd.out"))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/vsftpd.err"))
            var all = sigset_t()
            var saved = sigset_t()
            sigemptyset(&all)
            pthread_sigmask(SIG_SETMASK, &all, &saved)
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            try process.run()
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// Writes a file the `ftp` user can read whatever the umask (other tests change it).
    static func publish(_ data: Data, at path: String) throws {
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    }

    /// A blocking TCP connection from `source` (port 0) to `address:port`; -1 if it failed.
    /// Receives are bounded by a timeout so a broken proxy fails the test instead of hanging it.
    static func connectBlocking(_ address: String, _ port: UInt16, from source: String? = nil) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func sockaddr(_ text: String, _ port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, text, &address.sin_addr)
            return address
        }
        if let source {
            var local = sockaddr(source, 0)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                close(fd)
                return -1
            }
        }
        var remote = sockaddr(address, port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Reads one reply (up to and including a line "ddd " … CRLF); "" on timeout or close.
    static func readReply(_ fd: Int32) -> String {
        var text = ""
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            text.append(Character(UnicodeScalar(byte)))
            if byte == 0x0A {
                let lines = text.split(separator: "\r\n")
                if let last = lines.last, last.count >= 4, last[last.index(last.startIndex, offsetBy: 3)] == " " {
                    return text
                }
            }
        }
        return text
    }

    static func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the peer closes; nil on a timeout or error.
    static func readAll(_ fd: Int32) -> [UInt8]? {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return data }
            if count < 0 { return nil }
            data.append(contentsOf: chunk[0..<count])
        }
    }
}
