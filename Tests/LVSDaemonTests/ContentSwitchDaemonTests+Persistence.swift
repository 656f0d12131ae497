import Foundation
import Glibc
import Testing

extension ContentSwitchDaemonTests {
    /// Starts lvsd with the standard rules (api group A, web group W1 and W2) plus `persistence`
    /// in the content_switch block; runs `body`; stops everything.
    func withPersistence(
        _ persistence: String, _ body: (LVSDProcess, String) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vip = try TestSockets.freePort()
        let a = try PythonHTTPServer(name: "A", port: try TestSockets.freePort(), directory: directory)
        let w1 = try PythonHTTPServer(name: "W1", port: try TestSockets.freePort(), directory: directory)
        let w2 = try PythonHTTPServer(name: "W2", port: try TestSockets.freePort(), directory: directory)
        defer {
            a.stop()
            w1.stop()
            w2.stop()
        }
        let config = directory.file("keepalived.conf")
        try Self.configuration(vip: vip, api: [a.port], web: [w1.port, w2.port])
            .replacingOccurrences(of: "default_group web", with: "default_group web\n        \(persistence)")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lvsd = try await LVSDProcess.start(["--config", config, "--reactors", "1"], in: directory)
        #expect(lvsd.isReady, "lvsd did not start: \(lvsd.log)")
        try await body(lvsd, "http://127.0.0.1:\(vip)")
        _ = await lvsd.stop()
    }

    @Test("cookie_prefix: the application's cookie carries our prefix toward the client, not toward the real server")
    func cookiePrefixConfigured() async throws {
        try await withPersistence("cookie_prefix JSESSIONID") { lvsd, base in
            let login = try await Self.curl(["-D", "-", "\(base)/login"]).standardOutput
            let owner = login.hasSuffix("W1 GET /login\n") ? "W1" : "W2"
            let line = login.split(separator: "\r\n").first { $0.hasPrefix("Set-Cookie: JSESSIONID=") }
            let cookie = line.map { String($0.dropFirst(12).prefix(while: { $0 != ";" })) } ?? ""
            #expect(cookie.hasSuffix("~\(owner)-session"), "\(login)")
            for index in 0..<4 {
                let again = try await Self.curl(["-b", cookie, "-w", "|%header{x-cookie}", "\(base)/p/\(index)"])
                #expect(again.standardOutput == "\(owner) GET /p/\(index)\n|JSESSIONID=\(owner)-session", "\(again)")
            }
            let content = try await lvsd.lvsadm(["--content"]).standardOutput
            #expect(content.contains("content http persistence cookie_prefix JSESSIONID\n"), "\(content)")
            let json = try await lvsd.lvsadm(["--content", "--json"]).standardOutput
            #expect(json.contains("cookie_prefix JSESSIONID"), "\(json)")
        }
    }

    @Test("hash_by path regex: requests with the same capture reach the same real server")
    func hashByRegexConfigured() async throws {
        try await withPersistence("hash_by path regex ^/users/([0-9]+)") { lvsd, base in
            var owners = Set<String>()
            for user in 0..<12 {
                var seen = Set<String>()
                for page in ["profile", "orders"] {
                    let answer = try await Self.curl(["\(base)/users/\(user)/\(page)"]).standardOutput
                    seen.insert(String(answer.prefix(2)))
                }
                #expect(seen.count == 1, "user \(user): \(seen)")
                owners.formUnion(seen)
            }
            #expect(owners == ["W1", "W2"])
            let content = try await lvsd.lvsadm(["--content"]).standardOutput
            #expect(content.contains("persistence hash path regex ^/users/([0-9]+)\n"), "\(content)")
        }
    }
}
