import LVSCore
import LVSHealth
import NIOCore
import NIOPosix
import Testing

@testable import LVSHealthChecks

/// TCP_CHECK, HTTP_GET, SSL_GET and SMTP_CHECK against servers on 127.0.0.1.
@Suite struct StreamProbeTests {
    // Generous: only the silent-server test waits for a timeout, with its own short one.
    let timeout = TimeAmount.seconds(20)

    func withGroup(_ body: (MultiThreadedEventLoopGroup) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await body(group)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    @Test func tcpListenerIsUp() async throws {
        try await withGroup { group in
            let server = try await TestServers.tcp(group: group)
            let endpoint = TestServers.endpoint(server)
            let result = try await TCPProbe(endpoint: endpoint).run(on: group.next(), timeout: timeout).get()
            #expect(result == .success(detail: "TCP_CHECK: connected to \(endpoint)"))
            try await server.close()
        }
    }

    @Test func closedPortIsRefused() async throws {
        try await withGroup { group in
            let endpoint = try await TestServers.closedPort(group: group)
            let result = try await TCPProbe(endpoint: endpoint).run(on: group.next(), timeout: timeout).get()
            #expect(result == .failure(reason: "TCP_CHECK: connection refused"))
        }
    }

    @Test func httpStatusAndDigest() async throws {
        try await withGroup { group in
            let ok = try await TestServers.tcp(group: group) { FixedHTTPResponder(status: 200, body: "healthy body") }
            let unavailable = try await TestServers.tcp(group: group) { FixedHTTPResponder(status: 503, body: "busy") }
            let loop = group.next()
            let digest = "3e42ca1ddfceac824d0af1b6b7a90687"
            let pass = HTTPProbe(
                endpoint: TestServers.endpoint(ok), urls: [HTTPURLCheck(path: "/health", digest: digest)])
            #expect(
                try await pass.run(on: loop, timeout: timeout).get()
                    == .success(detail: "HTTP_GET: status 200 for /health"))
            let wrongDigest = HTTPProbe(
                endpoint: TestServers.endpoint(ok),
                urls: [HTTPURLCheck(path: "/health", digest: String(repeating: "0", count: 32))])
            #expect(
                try await wrongDigest.run(on: loop, timeout: timeout).get()
                    == .failure(
                        reason: "HTTP_GET: digest \(digest) (expected \(String(repeating: "0", count: 32))) for /health"
                    ))
            let busy = HTTPProbe(endpoint: TestServers.endpoint(unavailable), urls: [HTTPURLCheck(path: "/")])
            #expect(
                try await busy.run(on: loop, timeout: timeout).get()
                    == .failure(reason: "HTTP_GET: status 503 (expected 200-299) for /"))
            let accepting = HTTPProbe(
                endpoint: TestServers.endpoint(unavailable), urls: [HTTPURLCheck(path: "/", statusCodes: [503...503])])
            #expect(try await accepting.run(on: loop, timeout: timeout).get().isSuccess)
            try await ok.close()
            try await unavailable.close()
        }
    }

    @Test func httpRequestCarriesKeepalivedHeaders() {
        let endpoint = ProbeEndpoint(address: TestServers.loopback, port: 8080)
        let probe = HTTPProbe(endpoint: endpoint, urls: [], version: .http11)
        #expect(
            probe.request(for: HTTPURLCheck(path: "/a"))
                == "GET /a HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n"
        )
        let named = HTTPProbe(endpoint: endpoint, urls: [], virtualhost: "www.example")
        #expect(
            named.request(for: HTTPURLCheck(path: "/"))
                == "GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example\r\n\r\n")
    }

    @Test func sslGetWithSelfSignedCertificate() async throws {
        guard let context = try TestServers.selfSignedContext() else {
            Issue.record("openssl is needed to make the test certificate")
            return
        }
        try await withGroup { group in
            let server = try await TestServers.tcp(group: group, tls: context) {
                FixedHTTPResponder(status: 200, body: "healthy body")
            }
            let probe = HTTPProbe(
                endpoint: TestServers.endpoint(server),
                urls: [HTTPURLCheck(path: "/", digest: "3e42ca1ddfceac824d0af1b6b7a90687")], tls: true)
            #expect(
                try await probe.run(on: group.next(), timeout: timeout).get()
                    == .success(detail: "SSL_GET: status 200 for /"))
            try await server.close()
        }
    }

    @Test func smtpGreetingAndHelo() async throws {
        try await withGroup { group in
            let good = try await TestServers.tcp(group: group) { SMTPResponder() }
            let refusing = try await TestServers.tcp(group: group) { SMTPResponder(heloReply: "554 go away") }
            let loop = group.next()
            #expect(
                try await SMTPProbe(endpoint: TestServers.endpoint(good)).run(on: loop, timeout: timeout).get()
                    == .success(detail: "SMTP_CHECK: HELO accepted"))
            #expect(
                try await SMTPProbe(endpoint: TestServers.endpoint(refusing)).run(on: loop, timeout: timeout).get()
                    == .failure(reason: "SMTP_CHECK: HELO reply \"554 go away\" (expected 250)"))
            try await good.close()
            try await refusing.close()
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withGroup { group in
            // Accepts and never answers: the HTTP probe gives up at its timeout.
            let server = try await TestServers.tcp(group: group)
            let probe = HTTPProbe(endpoint: TestServers.endpoint(server), urls: [HTTPURLCheck()])
            #expect(
                try await probe.run(on: group.next(), timeout: .milliseconds(200)).get()
                    == .failure(reason: "HTTP_GET: timeout after 0.2 s"))
            try await server.close()
        }
    }
}
