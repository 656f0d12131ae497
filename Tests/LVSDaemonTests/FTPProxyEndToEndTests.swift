import Foundation
import Glibc
import LVSReactor
import Testing

/// FTP through the proxy engine on loopback (docs/design/0007-proxy-engine.md, "FTP"): a real
/// vsftpd on 127.0.0.2 behind `lvsd --ftp-ports PORT` with `-a … --proxy`; curl and lftp fetch
/// a 3 MB file in passive (EPSV, PASV) and active (EPRT, PORT) modes, byte for byte.
@Suite("FTP through the proxy engine (vsftpd, curl, lftp)", .serialized)
struct FTPProxyEndToEndTests {
    static let fileSize = 3 * 1024 * 1024

    @Test("curl (EPSV, PASV, EPRT, PORT) and lftp fetch 3 MB byte for byte; data counts on the service")
    func downloadsThroughTheProxyEngine() async throws {
        guard let tools = Self.tools() else { return }
        let (directory, ftpDirectory) = try Self.makeDirectories()
        defer { directory.remove() }
        let content = Self.randomContent()
        let realPort = Self.freePort()
        let server = try FTPServer(tools.vsftpd, directory: ftpDirectory, address: "127.0.0.2", port: realPort)
        defer { server.stop() }
        try Self.publish(Data(content), at: ftpDirectory + "/root/data.bin")
        let serverUp = await eventually(within: 20) {
            let fd = Self.connectBlocking("127.0.0.2", realPort)
            if fd >= 0 { close(fd) }
            return fd >= 0
        }
        let serverLog = { (try? String(contentsOfFile: ftpDirectory + "/vsftpd.err", encoding: .utf8)) ?? "" }
        try #require(serverUp, "vsftpd did not start: \(serverLog())")

        let vport = Self.freePort()
        let vip = "127.0.0.1:\(vport)"
        let lvsd = try await LVSDProcess.start(["--ftp-ports", String(vport), "--reactors", "2"], in: directory)
        defer { _ = lvsd.process.isRunning ? kill(lvsd.process.processIdentifier, SIGKILL) : 0 }
        try #require(lvsd.isReady, "\(lvsd.banner) \(lvsd.log)")
        #expect(try await lvsd.lvsadm(["-A", "-t", vip, "-s", "rr"]).status == 0)
        #expect(try await lvsd.lvsadm(["-a", "-t", vip, "-r", "127.0.0.2:\(realPort)", "--proxy"]).status == 0)

        let url = "ftp://\(vip)/data.bin"
        let modes: [(name: String, arguments: [String])] = [
            ("EPSV", []),
            ("PASV", ["--disable-epsv"]),
            ("EPRT", ["-P", "127.0.0.1"]),
            ("PORT", ["-P", "127.0.0.1", "--disable-eprt"]),
        ]
        for mode in modes {
            let output = directory.file("curl-\(mode.name).bin")
            let result = try await Subprocess.run(
                "curl", ["-sS", "--max-time", "60", "-o", output] + mode.arguments + [url],
                executableOverride: tools.curl)
            #expect(result.status == 0, "curl \(mode.name): \(result.standardError)")
            let fetched = (try? Data(contentsOf: URL(fileURLWithPath: output))).map { [UInt8]($0) }
            // Compared as a Bool: a failure prints the sizes, not 3 MB of bytes.
            #expect(fetched.map { $0 == content } == true, "curl \(mode.name): \(fetched?.count ?? -1) bytes")
        }
        let lftpOutput = directory.file("lftp.bin")
        let lftp = try await Subprocess.run(
            "lftp",
            [
                "-c",
                "set net:max-retries 1; set net:timeout 20; set ftp:passive-mode on; set cmd:fail-exit yes; "
                    + "open -u anonymous,test@ -p \(vport) 127.0.0.1; get data.bin -o \(lftpOutput)",
            ], executableOverride: tools.lftp)
        #expect(lftp.status == 0, "lftp: \(lftp.standardError)")
        let lftpFetched = (try? Data(contentsOf: URL(fileURLWithPath: lftpOutput))).map { [UInt8]($0) }
        #expect(lftpFetched.map { $0 == content } == true, "lftp: \(lftpFetched?.count ?? -1) bytes")

        // Five control connections scheduled (the data connections are not new connections,
        // reference §6), and the data bytes counted on the service.
        let stats = try await lvsd.lvsadm(["-L", "-n", "--stats", "--exact"]).standardOutput
        let serviceLine = stats.split(separator: "\n").first { $0.hasPrefix("TCP  \(vip)") }
        let fields = serviceLine.map { $0.split(separator: " ").map(String.init) } ?? []
        #expect(fields.count == 7, "\(stats)")
        if fields.count == 7 {
            #expect(fields[2] == "5", "\(stats)")
            #expect((UInt64(fields[6]) ?? 0) >= UInt64(5 * Self.fileSize), "\(stats)")
        }
        let engine = try await lvsd.lvsadm(["--engine-stats"]).standardOutput
        #expect(engine.contains("ftp_data_connections 5\n"), "\(engine)")
        #expect(engine.contains("ftp_refused_lines 0\n"), "\(engine)")
        // Each data connection has its entry (reference §6): the two active ones on the data
        // port (vport − 1) toward the real server's port 20 side (dport − 1).
        let listing = try await lvsd.lvsadm(["-L", "-c", "-n"]).standardOutput
        let activeEntries = listing.split(separator: "\n").filter {
            $0.contains(" 127.0.0.1:\(vport - 1) ") && $0.contains(" 127.0.0.2:\(realPort - 1)")
        }
        #expect(activeEntries.count == 2, "\(listing)")
        #expect(await lvsd.stop() == 0)
    }

    @Test("IPv6: curl EPSV and EPRT on ::1 fetch 3 MB byte for byte")
    func downloadsOverIPv6() async throws {
        guard let tools = Self.tools() else { return }
        let (directory, ftpDirectory) = try Self.makeDirectories()
        defer { directory.remove() }
        let content = Self.randomContent()
        let realPort = Self.freePort()
        let server = try FTPServer(tools.vsftpd, directory: ftpDirectory, address: "::1", port: realPort, ipv6: true)
        defer { server.stop() }
        try Self.publish(Data(content), at: ftpDirectory + "/root/data.bin")
        // vsftpd is up once a control connection to it gets its banner through curl.
        let serverUp = await eventually(within: 20) {
            let probe = try? await Subprocess.run(
                "curl", ["-sS", "--max-time", "5", "-o", "/dev/null", "ftp://[::1]:\(realPort)/"],
                executableOverride: tools.curl)
            return probe?.status == 0
        }
        try #require(serverUp)
        let vport = Self.freePort()
        let vip = "[::1]:\(vport)"
        let lvsd = try await LVSDProcess.start(["--ftp-ports", String(vport), "--reactors", "2"], in: directory)
        defer { _ = lvsd.process.isRunning ? kill(lvsd.process.processIdentifier, SIGKILL) : 0 }
        try #require(lvsd.isReady, "\(lvsd.banner) \(lvsd.log)")
        #expect(try await lvsd.lvsadm(["-A", "-t", vip, "-s", "rr"]).status == 0)
        #expect(try await lvsd.lvsadm(["-a", "-t", vip, "-r", "[::1]:\(realPort)", "--proxy"]).status == 0)
        for mode in [(name: "EPSV", arguments: [String]()), (name: "EPRT", arguments: ["-P", "::1"])] {
            let output = directory.file("curl6-\(mode.name).bin")
            let result = try await Subprocess.run(
                "curl", ["-sS", "--max-time", "60", "-o", output] + mode.arguments + ["ftp://\(vip)/data.bin"],
                executableOverride: tools.curl)
            #expect(result.status == 0, "curl \(mode.name): \(result.standardError)")
            let fetched = (try? Data(contentsOf: URL(fileURLWithPath: output))).map { [UInt8]($0) }
            #expect(fetched.map { $0 == content } == true, "curl \(mode.name): \(fetched?.count ?? -1) bytes")
        }
        let engine = try await lvsd.lvsadm(["--engine-stats"]).standardOutput
        #expect(engine.contains("ftp_data_connections 2\n"), "\(engine)")
        #expect(await lvsd.stop() == 0)
    }

    @Test("a PASV split across reads is rewritten; its listener refuses other peers and closes with the control")
    func passiveListenerLifetime() async throws {
        guard let tools = Self.tools() else { return }
        let (directory, ftpDirectory) = try Self.makeDirectories()
        defer { directory.remove() }
        let realPort = Self.freePort()
        let server = try FTPServer(tools.vsftpd, directory: ftpDirectory, address: "127.0.0.2", port: realPort)
        defer { server.stop() }
        try Self.publish(Data("hello\n".utf8), at: ftpDirectory + "/root/small.txt")
        let serverUp = await eventually(within: 20) {
            let fd = Self.connectBlocking("127.0.0.2", realPort)
            if fd >= 0 { close(fd) }
            return fd >= 0
        }
        try #require(serverUp)
        let vport = Self.freePort()
        let vip = "127.0.0.1:\(vport)"
        let lvsd = try await LVSDProcess.start(["--ftp-ports", String(vport), "--reactors", "1"], in: directory)
        defer { _ = lvsd.process.isRunning ? kill(lvsd.process.processIdentifier, SIGKILL) : 0 }
        try #require(lvsd.isReady, "\(lvsd.banner) \(lvsd.log)")
        #expect(try await lvsd.lvsadm(["-A", "-t", vip, "-s", "rr"]).status == 0)
        #expect(try await lvsd.lvsadm(["-a", "-t", vip, "-r", "127.0.0.2:\(realPort)", "--proxy"]).status == 0)

        func login() -> Int32 {
            let control = Self.connectBlocking("127.0.0.1", vport)
            #expect(Self.readReply(control).hasPrefix("220"))
            Self.send(control, "USER anonymous\r\n")
            #expect(Self.readReply(control).hasPrefix("230"))
            return control
        }
        /// PASV sent in two pieces; the reply's port, which must be on the VIP.
        func passive(_ control: Int32) -> UInt16? {
            Self.send(control, "PA")
            usleep(50_000)
            Self.send(control, "SV\r\n")
            let reply = Self.readReply(control)
            #expect(reply.hasPrefix("227 "), "\(reply)")
            guard let open = reply.firstIndex(of: "("), let close = reply.firstIndex(of: ")") else { return nil }
            let numbers = reply[reply.index(after: open)..<close].split(separator: ",").compactMap { UInt16($0) }
            guard numbers.count == 6 else { return nil }
            #expect(numbers[0..<4] == [127, 0, 0, 1], "\(reply)")
            return numbers[4] << 8 | numbers[5]
        }

        /// The `-L -c -n` line of the data entry on VIP port `port` (reference §6: IPVS lists the
        /// data entries it made in advance beside their control entry).
        func dataEntry(_ port: UInt16) async throws -> String? {
            let listing = try await lvsd.lvsadm(["-L", "-c", "-n"]).standardOutput
            return listing.split(separator: "\n").map(String.init).first { $0.contains(" 127.0.0.1:\(port) ") }
        }

        let control = login()
        defer { close(control) }
        let port = try #require(passive(control))
        // Made in advance, in LISTEN, client port not known yet.
        let listening = try await dataEntry(port)
        #expect(
            listening?.contains("LISTEN") == true && listening?.contains(" 127.0.0.1:0 ") == true,
            "\(listening ?? "none")")
        // Another address is accepted by the kernel and closed by the proxy.
        let stranger = Self.connectBlocking("127.0.0.1", port, from: "127.0.0.3")
        #expect(stranger >= 0)
        if stranger >= 0 {
            var byte: UInt8 = 0
            #expect(recv(stranger, &byte, 1, 0) <= 0)
            close(stranger)
        }
        let data = Self.connectBlocking("127.0.0.1", port)
        #expect(data >= 0)
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(data, $0, &length) }
        }
        let dataClientPort = UInt16(bigEndian: local.sin_port)
        // Accepted: the entry learnt the client's port and is connected to the real server.
        let connected = await eventually(within: 10) {
            let line = (try? await dataEntry(port)) ?? ""
            return line.contains("127.0.0.1:\(dataClientPort) ") && line.contains("ESTABLISHED")
        }
        let connectedLine = (try? await dataEntry(port)) ?? "none"
        #expect(connected, "\(connectedLine)")
        Self.send(control, "RETR small.txt\r\n")
        #expect(Self.readReply(control).hasPrefix("150"))
        #expect(Self.readAll(data) == Array("hello\n".utf8))
        close(data)
        #expect(Self.readReply(control).hasPrefix("226"))
        // Closed: it lingers in TIME_WAIT (or CLOSE) like any connection; the bytes counted.
        let lingering = await eventually(within: 10) {
            let line = (try? await dataEntry(port)) ?? ""
            return line.contains("TIME_WAIT") || line.contains("CLOSE")
        }
        let lingeringLine = (try? await dataEntry(port)) ?? "none"
        #expect(lingering, "\(lingeringLine)")

        // A listener whose control connection ends is closed with it.
        let second = login()
        let unused = try #require(passive(second))
        close(second)
        let closed = await eventually(within: 20) {
            let fd = Self.connectBlocking("127.0.0.1", unused)
            if fd >= 0 { close(fd) }
            return fd < 0
        }
        #expect(closed, "the data listener outlived its control connection")
        let engine = try await lvsd.lvsadm(["--engine-stats"]).standardOutput
        #expect(engine.contains("ftp_data_wrong_peer 1\n"), "\(engine)")
        #expect(await lvsd.stop() == 0)
    }
}
