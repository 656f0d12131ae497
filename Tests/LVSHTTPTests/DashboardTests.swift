import Foundation
import LVSCore
import Testing

@testable import LVSHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// The dashboard's page and its event stream (docs/http-api.md, "Dashboard", "Live stream").
@Suite("Dashboard")
struct DashboardTests {
    @Test("web/dashboard.html and the served page are identical byte for byte")
    func sameBytes() throws {
        let file = try Data(contentsOf: OpenAPIDocumentTests.repository.appendingPathComponent("web/dashboard.html"))
        #expect(Array(file) == Array(DashboardPage.html.utf8), "run scripts/generate-dashboard.py")
    }

    @Test("the page loads nothing from outside the daemon")
    func selfContained() {
        let page = DashboardPage.html
        for pattern in ["src=", "href=", "@import", "url(", "<link", "//cdn", "https:"] {
            #expect(!page.contains(pattern), "\(pattern)")
        }
        // The one absolute URL is the SVG namespace name, which is never fetched.
        #expect(page.components(separatedBy: "http://").count == 2)
        #expect(page.contains("new EventSource(\"/api/v1/stream\")"))
    }

    @Test("GET / serves the page")
    func servesPage() async throws {
        try await HTTPTestDaemon.with { daemon in
            let response = try TestHTTPClient(port: daemon.server.port).request("GET", "/")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/html; charset=utf-8")
            #expect(response.body == DashboardPage.html)
        }
    }

    @Test("the stream sends a snapshot with the table, then new events as they happen")
    func stream() async throws {
        try await HTTPTestDaemon.with { daemon in
            let client = TestHTTPClient(port: daemon.server.port)
            #expect(
                try client.request(
                    "POST", "/api/v1/services",
                    body: #"{"protocol": "tcp", "address": "10.0.0.1", "port": 80, "scheduler": "rr"}"#
                ).status == 201)
            let stream = try TestEventStream(port: daemon.server.port)
            defer { stream.close() }
            let head = try stream.read(until: "event: snapshot")
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(head.lowercased().contains("content-type: text/event-stream"))
            #expect(head.lowercased().contains("transfer-encoding: chunked"))
            let snapshot = try stream.read(until: "\"api_path\": \"/api/v1/services/tcp/10.0.0.1/80\"")
            #expect(snapshot.contains("\"name\": \"TCP 10.0.0.1:80\""))
            // The service's creation is in the first batch of events.
            #expect(try stream.read(until: "event: events").contains("event: events"))
            #expect(
                try client.request(
                    "POST", "/api/v1/services/tcp/10.0.0.1/80/real-servers",
                    body: #"{"address": "192.168.10.1", "port": 80, "forwarding": "masquerading", "weight": 2}"#
                ).status == 201)
            let later = try stream.read(
                until: "\"api_path\": \"/api/v1/services/tcp/10.0.0.1/80/real-servers/192.168.10.1/80\"")
            #expect(later.contains("\"weight\": 2"))
            // The addition's event: in the same round as the snapshot that shows it, or later.
            var seen = later
            if !seen.contains("event: events") {
                seen += try stream.read(until: "event: events")
                seen += try stream.read(until: "\n\n")
            }
            let events = seen.components(separatedBy: "event: events").last ?? ""
            #expect(events.contains("192.168.10.1"))
        }
    }

    @Test("streams beyond the limit get 503; a closed stream frees its slot")
    func bounded() async throws {
        try await HTTPTestDaemon.with { daemon in
            let dashboard = Dashboard(handler: daemon.host, maximumStreams: 1)
            let policy = try HTTPAccessPolicy.forBinding(host: "127.0.0.1", token: nil, authReads: false)
            let server = try await HTTPServer.start(
                HTTPServerConfiguration(host: "127.0.0.1", port: 0, access: policy), routes: dashboard.routes,
                group: daemon.group, logger: .init(label: "test"))
            defer { Task { await server.stop() } }
            let first = try TestEventStream(port: server.port)
            _ = try first.read(until: "event: snapshot")
            let refused = try TestHTTPClient(port: server.port).request("GET", "/api/v1/stream")
            #expect(refused.status == 503)
            #expect(refused.json["error"].flatMap { ($0 as? [String: Any])?["kind"] as? String } == "too_many_streams")
            first.close()
            #expect(await eventuallyTrue { dashboard.streams.count == 0 })
            let second = try TestEventStream(port: server.port)
            defer { second.close() }
            #expect(try second.read(until: "event: snapshot").contains("200 OK"))
            dashboard.closeStreams()
            #expect(await eventuallyTrue { dashboard.streams.count == 0 })
        }
    }

    func eventuallyTrue(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

/// `GET /api/v1/stream` over a blocking socket; reads are bounded by a 10 s timeout.
final class TestEventStream {
    let fd: Int32
    private var received: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StreamError.socket }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw StreamError.connect
        }
        let request = Array("GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Everything received up to and including the first `needle` not yet consumed.
    func read(until needle: String) throws -> String {
        var buffer = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<1000 {
            let text = String(decoding: received, as: UTF8.self)
            if let range = text.range(of: needle) {
                let consumed = String(text[..<range.upperBound])
                received = Array(text[range.upperBound...].utf8)
                return consumed
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw StreamError.ended(text) }
            received += buffer[0..<n]
        }
        throw StreamError.ended(String(decoding: received, as: UTF8.self))
    }

    func close() { Glibc.close(fd) }

    enum StreamError: Error { case socket, connect, ended(String) }
}
