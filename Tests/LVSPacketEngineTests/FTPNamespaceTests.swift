import Foundation
import Testing

/// End to end in network namespaces (reference §6): a real vsftpd on each of two masqueraded real
/// servers behind the built `lvsd --packet-engine` (`-A -t VIP:21 -s rr`, `-a … -m`), and lftp
/// and curl in the client namespace downloading a 3 MB file in passive (PASV, EPSV) and active
/// (PORT, EPRT) mode, over IPv4 and IPv6. Every download must arrive byte for byte; each real
/// server's file differs, so a data connection that reached the other real server than its
/// control connection would show.
@Suite("FTP through the packet engine in network namespaces", .serialized)
struct FTPNamespaceTests {
    static let fileSize = 3 * 1024 * 1024

    /// Why these tests cannot run here (nil when they can).
    static var unavailableReason: String? {
        for tool in ["vsftpd", "lftp", "curl"] where NamespaceLab.which(tool) == nil {
            return "FTP namespace tests need '\(tool)' on PATH (apt-get install vsftpd lftp curl)"
        }
        // vsftpd logs anonymous users in as this account (the Debian package creates it).
        if getpwnam("ftp") == nil { return "FTP namespace tests need the 'ftp' user vsftpd's package creates" }
        return nil
    }

    static func available() -> Bool {
        guard NamespaceLab.available() else { return false }
        guard let reason = unavailableReason else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("CI=true: \(reason)")
        } else {
            print("skipped: \(reason)")
        }
        return false
    }

    /// One client download: the tool's command (without the output path) and its name.
    struct Download {
        var name: String
        /// PORT/EPRT (the real server connects from port 20) rather than PASV/EPSV.
        var active: Bool
        var command: (String, String) -> String
    }

    static func curl(_ name: String, options: String) -> Download {
        Download(name: name, active: options.contains("-P -")) { url, output in
            "timeout 90 curl -sS --max-time 80 \(options) -o \(output) \(url)/big.bin"
        }
    }

    static func lftp(_ name: String, passive: Bool) -> Download {
        Download(name: name, active: !passive) { url, output in
            let settings = [
                "set ftp:passive-mode \(passive ? "on" : "off")", "set ftp:ssl-allow no", "set net:max-retries 1",
                "set net:timeout 30", "set cmd:fail-exit yes", "set xfer:clobber yes",
                "open \(url)", "get big.bin -o \(output)",
            ]
            return "timeout 90 lftp -c '\(settings.joined(separator: "; "))'"
        }
    }

    @Test("IPv4: curl EPSV, PASV, EPRT, PORT and lftp passive and active, byte for byte, over two real servers")
    func ipv4() throws {
        guard Self.available() else { return }
        try run(
            ipv6: false,
            downloads: [
                Self.curl("curl-epsv", options: "--ftp-pasv"),
                Self.curl("curl-pasv", options: "--ftp-pasv --disable-epsv"),
                Self.curl("curl-eprt", options: "-P -"),
                Self.curl("curl-port", options: "-P - --disable-eprt"),
                Self.lftp("lftp-passive", passive: true),
                Self.lftp("lftp-active", passive: false),
            ])
    }

    @Test("IPv6: curl EPSV and EPRT, lftp passive and active, byte for byte, over two real servers")
    func ipv6() throws {
        guard Self.available() else { return }
        try run(
            ipv6: true,
            downloads: [
                Self.curl("curl-epsv", options: "--ftp-pasv"),
                Self.curl("curl-eprt", options: "-P -"),
                Self.lftp("lftp-passive", passive: true),
                Self.lftp("lftp-active", passive: false),
            ])
    }

    func run(ipv6: Bool, downloads: [Download]) throws {
        let lab = try NamespaceLab(mode: .masquerading, servers: 2)
        defer { lab.tearDown() }
        let vip = ipv6 ? NamespaceLab.vip6 : NamespaceLab.vip
        let service = NamespaceLab.endpoint(vip, 21)
        var rules = "-A -t \(service) -s rr\n"
        for index in 0..<2 {
            let server = NamespaceLab.endpoint(NamespaceLab.serverAddress(index, ipv6: ipv6), 21)
            rules += "-a -t \(service) -r \(server) -m -w 1\n"
        }
        // Each real server's own 3 MB file.
        var files: [[UInt8]] = []
        // vsftpd reads as the ftp user: the modes are set explicitly, since the umask is
        // process-wide and other tests' control servers narrow it for an instant.
        chmod(lab.directory, 0o755)
        for index in 0..<2 {
            let root = lab.file("ftp\(index)")
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            chmod(root, 0o755)
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<Self.fileSize / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
            try Data(bytes).write(to: URL(fileURLWithPath: root + "/big.bin"))
            chmod(root + "/big.bin", 0o644)
            files.append(bytes)
            try startVsftpd(lab, index: index, ipv6: ipv6)
        }
        let director = try LabDirector(lab, rules: rules)
        let url = "ftp://" + (ipv6 ? "[\(vip)]" : vip)
        var served = [0, 0]
        for download in downloads {
            let output = lab.file("\(download.name).bin")
            let result = try lab.run(in: lab.client, "sh -c \"\(download.command(url, output))\"")
            let received = (try? Data(contentsOf: URL(fileURLWithPath: output))).map { [UInt8]($0) } ?? []
            let server = files.firstIndex(of: received)
            #expect(
                result.status == 0 && server != nil,
                "\(download.name): status \(result.status), \(received.count) bytes, \(result.error)")
            if let server { served[server] += 1 }
        }
        // Round robin: both real servers served control connections, and their data.
        #expect(served[0] > 0 && served[1] > 0, "served: \(served)")
        #expect(served[0] + served[1] == downloads.count)
        // The data entries are listed as IPVS lists them (their TIME_WAIT lasts 2 minutes).
        let connections = try director.lvsadm("-L -c -n")
        #expect(connections.contains("\(NamespaceLab.endpoint(vip, 21))"), "\(connections)")
        #expect(connections.contains("\(NamespaceLab.endpoint(vip, 20))"), "\(connections)")
        #expect(connections.contains("\(NamespaceLab.endpoint(vip, 500))"), "\(connections)")
        let active = try director.engineCounter("packet_ftp_active_entries")
        let passive = try director.engineCounter("packet_ftp_passive_entries")
        let rewritten = try director.engineCounter("packet_ftp_passive_replies_rewritten")
        let activeCount = downloads.filter(\.active).count
        let passiveCount = downloads.count - activeCount
        #expect(active >= activeCount, "active entries \(active)")
        #expect(passive >= passiveCount && rewritten >= passiveCount, "passive \(passive), rewritten \(rewritten)")
        try director.stop()
    }

    /// vsftpd on real server `index`, anonymous download only, in the foreground, with its
    /// configuration in the lab directory; waits (bounded) until it listens on port 21.
    func startVsftpd(_ lab: NamespaceLab, index: Int, ipv6: Bool) throws {
        let empty = lab.file("empty\(index)")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        chmod(empty, 0o755)
        let config = [
            ipv6 ? "listen=NO" : "listen=YES", ipv6 ? "listen_ipv6=YES" : "listen_ipv6=NO", "background=NO",
            "anonymous_enable=YES", "no_anon_password=YES", "anon_root=\(lab.file("ftp\(index)"))",
            "local_enable=NO", "write_enable=NO", "ftp_username=ftp", "nopriv_user=nobody",
            "secure_chroot_dir=\(empty)", "pasv_enable=YES", "pasv_min_port=50000", "pasv_max_port=50100",
            "port_enable=YES", "connect_from_port_20=YES", "ftp_data_port=20", "seccomp_sandbox=NO",
            "isolate=NO", "isolate_network=NO", "xferlog_enable=YES", "xferlog_std_format=NO",
            "vsftpd_log_file=\(lab.file("vsftpd\(index).log"))", "use_localtime=NO", "hide_ids=YES",
        ].joined(separator: "\n")
        let path = lab.file("vsftpd\(index).conf")
        try (config + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try lab.start(in: lab.servers[index], ["vsftpd", path], name: "vsftpd\(index)")
        let listening = try lab.waitUntil(seconds: 10) {
            try lab.run(in: lab.servers[index], "ss -Hltn 'sport = :21'").output.contains(":21")
        }
        guard listening else { throw LabError("vsftpd \(index) did not start: \(lab.contents("vsftpd\(index).err"))") }
    }
}
