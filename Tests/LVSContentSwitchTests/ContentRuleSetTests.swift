import LVSCore
import Testing

@testable import LVSContentSwitch

@Suite("Content-switching rule evaluator")
struct ContentRuleSetTests {
    static let client = IPAddress("198.51.100.7")!
    static let client6 = IPAddress("2001:db8:5::9")!

    /// Decides `input` (a request head) for `client` and returns the group.
    func group(
        _ rules: ContentRuleSet, _ input: [UInt8], client: IPAddress = client, hello: TLSClientHello? = nil
    ) -> String {
        var parser = HTTPRequestHeadParser()
        return input.withUnsafeBytes { buffer in
            let parsed = parser.parse(buffer)
            let head: HTTPRequestHead? = if case .complete = parsed { parser.head } else { nil }
            return rules.decide(ContentRequest(buffer: buffer, head: head, clientAddress: client, clientHello: hello))
                .group
        }
    }

    static func rule(_ condition: ContentCondition, _ group: String) -> ContentRule {
        ContentRule(name: group, condition: condition, group: group)
    }

    @Test("each kind of condition routes to its group; first match wins; otherwise the default")
    func conditions() throws {
        let rules = ContentRuleSet(
            rules: [
                Self.rule(.host(.exact("api.example.com")), "api"),
                Self.rule(.host(.suffix(".static.example.com")), "static"),
                Self.rule(.host(.regex(try CompiledPattern("^img[0-9]+\\.example\\.com$"))), "images"),
                Self.rule(.path(.exact("/login")), "login"),
                Self.rule(.path(.prefix("/app/")), "app"),
                Self.rule(.path(.regex(try CompiledPattern("\\.php$"))), "php"),
                Self.rule(.method(bytes("DELETE")), "deletes"),
                Self.rule(.header(name: bytes("x-tenant"), .equals("blue")), "blue"),
                Self.rule(.header(name: bytes("x-debug"), .exists), "debug"),
                Self.rule(.header(name: bytes("user-agent"), .regex(try CompiledPattern("curl/"))), "curl"),
                Self.rule(.cookie(name: bytes("beta"), .equals("1")), "beta"),
                Self.rule(.queryParameter(name: bytes("v"), .equals("2")), "v2"),
                Self.rule(
                    .clientAddress([
                        try AddressBlock(parsing: "10.0.0.0/8"), try AddressBlock(parsing: "2001:db8::/32"),
                    ]), "internal"),
            ],
            defaultGroup: "default")
        let table: [([UInt8], String)] = [
            (request("GET / HTTP/1.1", "Host: api.example.com"), "api"),
            (request("GET / HTTP/1.1", "Host: API.Example.COM:8080"), "api"),
            (request("GET / HTTP/1.1", "Host: a.static.example.com"), "static"),
            (request("GET / HTTP/1.1", "Host: static.example.com"), "default"),
            (request("GET / HTTP/1.1", "Host: img42.example.com"), "images"),
            (request("GET / HTTP/1.1", "Host: img.example.com"), "default"),
            (request("GET /login HTTP/1.1", "Host: a"), "login"),
            (request("GET /login?next=/ HTTP/1.1", "Host: a"), "login"),
            (request("GET /login/x HTTP/1.1", "Host: a"), "default"),
            (request("GET /app/x HTTP/1.1", "Host: a"), "app"),
            (request("GET /app HTTP/1.1", "Host: a"), "default"),
            (request("GET /x/index.php?a HTTP/1.1", "Host: a"), "php"),
            (request("DELETE /x HTTP/1.1", "Host: a"), "deletes"),
            (request("delete /x HTTP/1.1", "Host: a"), "default"),
            (request("GET / HTTP/1.1", "Host: a", "X-Tenant: blue"), "blue"),
            (request("GET / HTTP/1.1", "Host: a", "X-Tenant: Blue"), "default"),
            (request("GET / HTTP/1.1", "Host: a", "x-debug:"), "debug"),
            (request("GET / HTTP/1.1", "Host: a", "User-Agent: curl/8.5"), "curl"),
            (request("GET / HTTP/1.1", "Host: a", "Cookie: a=2; beta=1"), "beta"),
            (request("GET / HTTP/1.1", "Host: a", "Cookie: xbeta=1"), "default"),
            (request("GET /?a=1&v=2 HTTP/1.1", "Host: a"), "v2"),
            (request("GET /?v=22 HTTP/1.1", "Host: a"), "default"),
            // First match wins: host before path.
            (request("GET /login HTTP/1.1", "Host: api.example.com"), "api"),
        ]
        for (input, expected) in table {
            #expect(group(rules, input) == expected, "\(String(decoding: input, as: UTF8.self))")
        }
        let plain = request("GET / HTTP/1.1", "Host: a")
        #expect(group(rules, plain, client: IPAddress("10.1.2.3")!) == "internal")
        #expect(group(rules, plain, client: IPAddress("11.1.2.3")!) == "default")
        #expect(group(rules, plain, client: Self.client6) == "internal")
        #expect(group(rules, plain, client: IPAddress("2001:db9::1")!) == "default")
    }

    @Test("and, or and not combine conditions")
    func combinators() {
        let rules = ContentRuleSet(
            rules: [
                Self.rule(.all([.host(.exact("shop")), .not(.path(.prefix("/static/")))]), "shop-dynamic"),
                Self.rule(.any([.method(bytes("POST")), .method(bytes("PUT"))]), "writes"),
                Self.rule(.not(.any([.host(.exact("a")), .host(.exact("shop"))])), "other-hosts"),
            ],
            defaultGroup: "default")
        #expect(group(rules, request("GET /cart HTTP/1.1", "Host: shop")) == "shop-dynamic")
        #expect(group(rules, request("GET /static/x HTTP/1.1", "Host: shop")) == "default")
        #expect(group(rules, request("POST /static/x HTTP/1.1", "Host: shop")) == "writes")
        #expect(group(rules, request("PUT / HTTP/1.1", "Host: a")) == "writes")
        #expect(group(rules, request("GET / HTTP/1.1", "Host: b")) == "other-hosts")
        #expect(group(rules, request("GET / HTTP/1.1", "Host: a")) == "default")
        let empty = ContentRuleSet(rules: [Self.rule(.all([]), "all"), Self.rule(.any([]), "any")], defaultGroup: "d")
        #expect(group(empty, request("GET / HTTP/1.1", "Host: a")) == "all")
    }

    @Test("SNI and ALPN conditions for TLS services; HTTP conditions are false without a head")
    func tlsConditions() throws {
        let rules = ContentRuleSet(
            rules: [
                Self.rule(.all([.serverName(.suffix(".example.test")), .alpn(bytes("h2"))]), "h2-example"),
                Self.rule(.serverName(.exact("example.test")), "example"),
                Self.rule(.host(.exact("example.test")), "never"),
                Self.rule(.not(.path(.prefix("/"))), "no-head"),
            ],
            defaultGroup: "default")
        func hello(_ name: String?, _ alpn: [String]) -> TLSClientHello {
            TLSClientHello(
                serverName: name.map { Array($0.utf8) }, alpnProtocols: alpn.map { Array($0.utf8) },
                legacyVersion: 0x0303)
        }
        #expect(group(rules, [], hello: hello("www.example.test", ["h2", "http/1.1"])) == "h2-example")
        #expect(group(rules, [], hello: hello("www.example.test", ["http/1.1"])) == "no-head")
        #expect(group(rules, [], hello: hello("example.test", [])) == "example")
        let captured = try #require(
            try TLSClientHelloParser().parse(ClientHelloBuilder().serverName("Example.Test").records()))
        #expect(group(rules, [], hello: captured) == "example")
    }

    @Test("address blocks: v4 and v6, host blocks, masks normalised, families kept apart")
    func addressBlocks() throws {
        let v4 = try AddressBlock(parsing: "192.168.1.77/24")
        #expect(v4.contains(IPAddress("192.168.1.1")!))
        #expect(!v4.contains(IPAddress("192.168.2.1")!))
        #expect(try AddressBlock(parsing: "0.0.0.0/0").contains(IPAddress("8.8.8.8")!))
        #expect(!(try AddressBlock(parsing: "0.0.0.0/0")).contains(IPAddress("::1")!))
        #expect(try AddressBlock(parsing: "::1").contains(IPAddress("::1")!))
        #expect(!(try AddressBlock(parsing: "2001:db8::/48")).contains(IPAddress("2001:db8:1::1")!))
        #expect(try AddressBlock(parsing: "2001:db8::/48").contains(IPAddress("2001:db8:0:1::1")!))
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "x/1", "1.2.3.4/-1", "1.2.3.4/8/8"] {
            #expect(throws: ContentSwitchConfigurationError.invalidCIDR(bad)) { try AddressBlock(parsing: bad) }
        }
        #expect(throws: ContentSwitchConfigurationError.invalidRegex("(")) { try CompiledPattern("(") }
    }
}
