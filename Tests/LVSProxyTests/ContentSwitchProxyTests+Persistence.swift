import Glibc
import LVSContentSwitch
import LVSProxy
import Testing

/// Cookie-prefix and regex-capture hash persistence (docs/design/0019 "Persistence").
extension ContentSwitchProxyTests {
    @Test(
        "cookie prefix: our identifier goes in front of the application cookie, is taken off toward the real server, and holds the client"
    )
    func cookiePrefix() throws {
        let s = try Setup(persistence: .prefixCookie(CookiePrefix(cookieName: "JSESSIONID")))
        defer { s.stop() }
        var fd = s.connect()
        let login = Self.exchange(fd, Self.get("/login"))
        close(fd)
        let owner = String(login.body.prefix(1))
        let line = login.head.split(separator: "\r\n").first { $0.hasPrefix("Set-Cookie: JSESSIONID=") }
        let cookie = line.map { String($0.dropFirst(12).prefix(while: { $0 != ";" })) } ?? ""
        // JSESSIONID=<16 hex digits>~<owner>-session
        #expect(cookie.count == 11 + 16 + 1 + "\(owner)-session".count, "\(login.head)")
        #expect(cookie.hasSuffix("~\(owner)-session"))
        #expect(line?.hasSuffix("; Path=/") == true)
        for index in 0..<4 {
            fd = s.connect()
            let again = Self.exchange(fd, Self.get("/page/\(index)", extra: "Cookie: theme=dark; \(cookie)\r\n"))
            close(fd)
            #expect(String(again.body.prefix(1)) == owner)
        }
        let heads = s.servers[owner]!.heads.filter { $0.contains("/page/") }
        #expect(heads.count == 4)
        #expect(heads.allSatisfy { $0.contains("Cookie: theme=dark; JSESSIONID=\(owner)-session\r\n") }, "\(heads)")
    }

    @Test("hash over a regex capture: the same capture reaches the same real server")
    func hashRegexCapture() throws {
        let pattern = try CompiledPattern("^/users/([0-9]+)")
        let s = try Setup(
            rules: [], groups: ["api": (181, []), "web": (182, ["b", "c", "d"])],
            persistence: .hash(.capture(.path, pattern)))
        defer { s.stop() }
        var owners = Set<String>()
        for user in 0..<20 {
            var seen = Set<String>()
            for page in ["profile", "orders", "cart"] {
                let fd = s.connect()
                seen.insert(String(Self.exchange(fd, Self.get("/users/\(user)/\(page)")).body.prefix(1)))
                close(fd)
            }
            #expect(seen.count == 1, "user \(user) went to \(seen)")
            owners.formUnion(seen)
        }
        #expect(owners.count > 1)
    }
}
