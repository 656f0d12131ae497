import Foundation
import Testing

/// Passive FTP through direct routing (reference §6: nothing is rewritten with DR, as in IPVS),
/// with the set-up docs/packet-engine.md documents: a persistent firewall-mark service that
/// groups port 21 with the real servers' passive port range, so a client's data connections
/// reach the real server of its control connection. Two real servers with different files:
/// a data connection that went to the other one would bring the wrong bytes.
@Suite("FTP through direct routing with a persistent firewall-mark service", .serialized)
struct FTPDirectRoutingTests {
    @Test(
        "curl EPSV and PASV and lftp passive fetch 3 MB byte for byte from the real server of their control connection")
    func passiveThroughDirectRouting() throws {
        guard FTPNamespaceTests.available() else { return }
        let lab = try NamespaceLab(mode: .directRouting, servers: 2)
        defer { lab.tearDown() }
        // The operator's side: the VIP on the director, FTP's control port and the passive
        // range marked 21 (vsftpd's pasv_min_port..pasv_max_port in FTPNamespaceTests).
        let marking = """
            set -e
            ip -n \(lab.director) addr add \(NamespaceLab.vip)/32 dev lo
            ip netns exec \(lab.director) nft -f - <<'EOF'
            table inet operator_mangle {
              chain prerouting {
                type filter hook prerouting priority mangle; policy accept;
                ip daddr \(NamespaceLab.vip) tcp dport { 21, 50000-50100 } meta mark set 21
              }
            }
            EOF
            """
        let marked = try NamespaceLab.shell(marking)
        try #require(marked.status == 0, "marking: \(marked.error)")
        var files: [[UInt8]] = []
        chmod(lab.directory, 0o755)
        for index in 0..<2 {
            let root = lab.file("ftp\(index)")
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            chmod(root, 0o755)
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<FTPNamespaceTests.fileSize / 8).flatMap { _ in
                withUnsafeBytes(of: generator.next()) { Array($0) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: root + "/big.bin"))
            chmod(root + "/big.bin", 0o644)
            files.append(bytes)
            try FTPNamespaceTests().startVsftpd(lab, index: index, ipv6: false)
        }
        var rules = "-A -f 21 -s rr -p 300\n"
        for index in 0..<2 { rules += "-a -f 21 -r \(NamespaceLab.serverAddress(index)):0 -g -w 1\n" }
        let director = try LabDirector(lab, rules: rules)
        let url = "ftp://\(NamespaceLab.vip)"
        let downloads = [
            FTPNamespaceTests.curl("curl-epsv", options: "--ftp-pasv"),
            FTPNamespaceTests.curl("curl-pasv", options: "--ftp-pasv --disable-epsv"),
            FTPNamespaceTests.lftp("lftp-passive", passive: true),
        ]
        var served: [Int] = []
        for download in downloads {
            let output = lab.file("\(download.name).bin")
            let result = try lab.run(in: lab.client, "sh -c \"\(download.command(url, output))\"")
            let received = (try? Data(contentsOf: URL(fileURLWithPath: output))).map { [UInt8]($0) } ?? []
            let server = files.firstIndex(of: received)
            #expect(
                result.status == 0 && server != nil,
                "\(download.name): status \(result.status), \(received.count) bytes, \(result.error)")
            if let server { served.append(server) }
        }
        // One client, one persistence template: every session on one real server.
        #expect(served.count == downloads.count && Set(served).count == 1, "served by \(served)")
        let listing = try director.lvsadm("-L -n")
        #expect(listing.contains("FWM  21 rr persistent 300"), "\(listing)")
        #expect(try director.engineCounter("packet_marked_received") > 0)
        try director.stop()
    }
}
