import Testing

@testable import LVSHTTP

@Suite("HTTP access policy")
struct AccessPolicyTests {
    let token = Array("s3cret-token".utf8)

    @Test("loopback addresses need no token; any other address refuses to start without one")
    func binding() throws {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"] {
            #expect(HTTPAccessPolicy.isLoopback(host), "\(host)")
            let policy = try HTTPAccessPolicy.forBinding(host: host, token: nil, authReads: false)
            #expect(policy.permits(changesState: true, authorization: nil))
        }
        for host in ["0.0.0.0", "::", "10.0.0.1", "2001:db8::1", "example.org", "128.0.0.1"] {
            #expect(!HTTPAccessPolicy.isLoopback(host), "\(host)")
            #expect(throws: HTTPConfigurationError.tokenRequired(host: host)) {
                try HTTPAccessPolicy.forBinding(host: host, token: nil, authReads: false)
            }
        }
        #expect(throws: HTTPConfigurationError.emptyToken) {
            try HTTPAccessPolicy.forBinding(host: "10.0.0.1", token: [], authReads: false)
        }
        #expect(HTTPConfigurationError.tokenRequired(host: "0.0.0.0").description.contains("--http-token-file"))
    }

    @Test("off loopback, writes need the bearer token; reads too only with --http-auth-reads")
    func permits() throws {
        let writesOnly = try HTTPAccessPolicy.forBinding(host: "0.0.0.0", token: token, authReads: false)
        #expect(writesOnly.permits(changesState: false, authorization: nil))
        #expect(!writesOnly.permits(changesState: true, authorization: nil))
        #expect(!writesOnly.permits(changesState: true, authorization: "Bearer wrong"))
        #expect(!writesOnly.permits(changesState: true, authorization: "Bearer s3cret-toke"))
        #expect(!writesOnly.permits(changesState: true, authorization: "Bearer s3cret-token2"))
        #expect(!writesOnly.permits(changesState: true, authorization: "Basic s3cret-token"))
        #expect(writesOnly.permits(changesState: true, authorization: "Bearer s3cret-token"))
        #expect(writesOnly.permits(changesState: true, authorization: "bearer s3cret-token"))
        let all = try HTTPAccessPolicy.forBinding(host: "0.0.0.0", token: token, authReads: true)
        #expect(!all.permits(changesState: false, authorization: nil))
        #expect(all.permits(changesState: false, authorization: "Bearer s3cret-token"))
        // On loopback --http-auth-reads changes nothing: no credentials there.
        let local = try HTTPAccessPolicy.forBinding(host: "127.0.0.1", token: token, authReads: true)
        #expect(local.permits(changesState: true, authorization: nil))
    }

    @Test("tokens compare equal only when every byte and the length agree")
    func constantTime() {
        #expect(HTTPAccessPolicy.constantTimeEqual(token, token))
        #expect(!HTTPAccessPolicy.constantTimeEqual(token, token + [0]))
        #expect(!HTTPAccessPolicy.constantTimeEqual([], token))
        #expect(!HTTPAccessPolicy.constantTimeEqual(Array("s3cret-tokem".utf8), token))
    }

    @Test("a token file's surrounding whitespace is not part of the token; an empty file is an error")
    func tokenFile() throws {
        #expect(try HTTPAccessPolicy.token(fromFileContents: Array(" abc\n".utf8)) == Array("abc".utf8))
        #expect(throws: HTTPConfigurationError.emptyToken) {
            try HTTPAccessPolicy.token(fromFileContents: Array("\n".utf8))
        }
    }

    @Test("--http takes ADDR:PORT, [IPv6]:PORT or localhost:PORT")
    func endpoints() throws {
        func endpoint(_ text: String) throws -> String {
            let (host, port) = try HTTPServerConfiguration.parseEndpoint(text)
            return "\(host) \(port)"
        }
        #expect(try endpoint("127.0.0.1:8081") == "127.0.0.1 8081")
        #expect(try endpoint("[::1]:0") == "::1 0")
        #expect(try endpoint("localhost:80") == "localhost 80")
        for bad in ["127.0.0.1", "::1:80", "[::1]80", ":80", "127.0.0.1:70000", "127.0.0.1:x", "[::1]:"] {
            #expect(throws: HTTPConfigurationError.badAddress(bad)) { try HTTPServerConfiguration.parseEndpoint(bad) }
        }
    }
}
