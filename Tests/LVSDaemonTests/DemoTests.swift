import Dispatch
import Foundation
import LVSCore
import NIOPosix
import Testing

@testable import LVSDaemon

/// The pieces of `lvsd --demo` that need no proxy engine: the demo servers' HTTP framing and
/// answers, the plan it applies, and what it prints. The end-to-end run is in
/// `DemoEndToEndTests`.
@Suite("lvsd --demo")
struct DemoTests {
    typealias Parser = DemoHTTPRequestParser

    static func drain(_ parser: inout Parser) -> [Parser.Outcome] {
        var outcomes: [Parser.Outcome] = []
        while let outcome = parser.nextRequest() {
            outcomes.append(outcome)
            if outcome == .malformed { break }
        }
        return outcomes
    }

    // MARK: HTTP framing

    @Test("pipelined keep-alive requests are framed one by one; Connection: close ends keep-alive")
    func pipelined() {
        var parser = Parser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /x HTTP/1.1\r\nConnection: close\r\n\r\nGET".utf8))
        #expect(
            Self.drain(&parser) == [
                .request(.init(method: "GET", keepAlive: true, isHTTP10: false)),
                .request(.init(method: "HEAD", keepAlive: false, isHTTP10: false)),
            ])
        parser.append(Array(" / HTTP/1.1\r\n\r\n".utf8))
        #expect(Self.drain(&parser) == [.request(.init(method: "GET", keepAlive: true, isHTTP10: false))])
    }

    @Test("HTTP/1.0 closes unless it asks for keep-alive")
    func http10() {
        var parser = Parser()
        parser.append(Array("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n".utf8))
        #expect(
            Self.drain(&parser) == [
                .request(.init(method: "GET", keepAlive: false, isHTTP10: true)),
                .request(.init(method: "GET", keepAlive: true, isHTTP10: true)),
            ])
    }

    @Test("a Content-Length body is skipped, also when it arrives in pieces")
    func bodySkipped() {
        var parser = Parser()
        parser.append(Array("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123".utf8))
        #expect(Self.drain(&parser) == [.request(.init(method: "POST", keepAlive: true, isHTTP10: false))])
        parser.append(Array("4567".utf8))
        #expect(Self.drain(&parser) == [])
        parser.append(Array("89GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(Self.drain(&parser) == [.request(.init(method: "GET", keepAlive: true, isHTTP10: false))])
    }

    @Test(
        "unframeable requests are malformed",
        arguments: [
            "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/2.0\r\n\r\n",
            "GET /\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        ])
    func malformed(text: String) {
        var parser = Parser()
        parser.append(Array(text.utf8))
        #expect(Self.drain(&parser) == [.malformed])
        // Once malformed, always malformed: the stream has lost its framing.
        parser.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(parser.nextRequest() == .malformed)
    }

    @Test("a header block over the limit is malformed; one just under it waits for more")
    func headerLimit() {
        var parser = Parser()
        parser.append(Array(repeating: UInt8(ascii: "a"), count: Parser.maximumHeaderBytes))
        #expect(parser.nextRequest() == nil)
        parser.append([UInt8(ascii: "a")])
        #expect(parser.nextRequest() == .malformed)
    }

    @Test("the answer carries the greeting with its exact length; HEAD gets no body")
    func response() {
        let greeting = DemoRealServer.greeting(number: 2, port: 8082)
        #expect(greeting == "Hello from real server 2 (127.0.0.1:8082)\n")
        let get = DemoHTTPResponse(
            answering: .init(method: "GET", keepAlive: true, isHTTP10: false), greeting: greeting)
        #expect(
            String(decoding: get.bytes, as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 42\r\n\r\n"
                + greeting)
        #expect(get.keepAlive)
        let head = DemoHTTPResponse(
            answering: .init(method: "HEAD", keepAlive: false, isHTTP10: true), greeting: greeting)
        #expect(
            String(decoding: head.bytes, as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 42\r\n"
                + "Connection: close\r\n\r\n")
        #expect(!head.keepAlive)
        let http10 = DemoHTTPResponse(answering: .init(method: "GET", keepAlive: true, isHTTP10: true), greeting: "x")
        #expect(String(decoding: http10.bytes, as: UTF8.self).contains("Connection: keep-alive\r\n"))
    }

    // MARK: The plan

    static let plan = DemoPlan(
        virtualPort: 8080, realServerPorts: [8081, 8082, 8083], controlSocketPath: "/tmp/d/lvsd.sock")

    @Test("the plan is one rr service over three proxy real servers, added last to first")
    func planLines() {
        #expect(
            Self.plan.ipvsadmLines == [
                ["-A", "-t", "127.0.0.1:8080", "-s", "rr"],
                ["-a", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:8083", "--proxy", "-w", "1"],
                ["-a", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:8082", "--proxy", "-w", "1"],
                ["-a", "-t", "127.0.0.1:8080", "-r", "127.0.0.1:8081", "--proxy", "-w", "1"],
            ])
    }

    @Test("applied to a director, rr hands six new connections to real servers 1, 2, 3, 1, 2, 3")
    func planRotation() throws {
        let director = Director(connectionTableSize: 4096, seed: 1)
        try director.apply(batch: try Self.plan.commands(), now: .seconds(1))
        let loopback = IPAddress(ipv4: 0x7F00_0001)
        var picked: [UInt16] = []
        for clientPort in UInt16(40_000)..<40_006 {
            let syn = InboundPacket(
                protocolNumber: .tcp, clientAddress: loopback, clientPort: clientPort, destinationAddress: loopback,
                destinationPort: 8080, tcpFlags: .syn)
            switch director.inbound(syn, now: .seconds(1)) {
            case .forward(_, let to, let forwarding, _):
                #expect(forwarding == .proxy)
                picked.append(to.port)
            case .drop, .notOurs, .noDestination:
                Issue.record("SYN \(clientPort) was not forwarded")
            }
        }
        #expect(picked == [8081, 8082, 8083, 8081, 8082, 8083])
    }

    @Test("the instructions name the actual ports and socket, and end with the ready line")
    func instructions() {
        let plan = DemoPlan(
            virtualPort: 41_000, realServerPorts: [41_001, 8082, 41_003], controlSocketPath: "/tmp/a b/s")
        let text = plan.instructions
        #expect(text.hasPrefix("SwiftLVS demo: virtual service TCP 127.0.0.1:41000, scheduler rr (round robin)\n"))
        #expect(text.contains("\n  real server 1  127.0.0.1:41001  Proxy  weight 1\n"))
        #expect(text.contains("\n  real server 3  127.0.0.1:41003  Proxy  weight 1\n"))
        #expect(text.contains("\n  curl http://127.0.0.1:41000/\n"))
        #expect(text.contains("\n  swift run lvsadm --control-socket '/tmp/a b/s' -L -n\n"))
        #expect(text.contains("\n  swift run lvsadm --control-socket '/tmp/a b/s' -L -n --stats\n"))
        #expect(
            text.contains(
                "\n  swift run lvsadm --control-socket '/tmp/a b/s' -e -t 127.0.0.1:41000 -r 127.0.0.1:8082 --proxy -w 0\n"
            ))
        #expect(text.contains("\n  swift run lvsadm --control-socket '/tmp/a b/s' -L -c -n\n"))
        #expect(text.hasSuffix("\n" + DemoPlan.readyLine + "\n"))
        #expect(plan.shellQuoted("/run/lvsd.sock") == "/run/lvsd.sock")
        #expect(plan.shellQuoted("/tmp/it's") == "'/tmp/it'\\''s'")
    }

    @Test("the private socket directory is fresh and only its owner may enter it")
    func privateDirectory() throws {
        let path = try DemoSession.makePrivateSocketDirectory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(URL(fileURLWithPath: path).lastPathComponent.hasPrefix("lvsd-demo-"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try DemoSession.makePrivateSocketDirectory() != path)
    }

    // MARK: A demo real server on loopback

    @Test("a demo real server answers keep-alive requests on one connection, then closes on request")
    func realServer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await DemoRealServer.start(number: 3, preferredPort: 0, group: group)
        let port = server.port
        let reply = try await offPool {
            try HTTPTestClient.exchange(
                port: port,
                request: "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /again HTTP/1.1\r\nConnection: close\r\n\r\n")
        }
        let greeting = "Hello from real server 3 (127.0.0.1:\(port))\n"
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(greeting.utf8.count)\r\n"
        #expect(server.greeting == greeting)
        #expect(reply == head + "\r\n" + greeting + head + "Connection: close\r\n\r\n" + greeting)
        await server.close()
        try await group.shutdownGracefully()
    }

    @Test("a demo real server whose preferred port is taken listens on another one")
    func realServerFallback() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let first = try await DemoRealServer.start(number: 1, preferredPort: 0, group: group)
        let second = try await DemoRealServer.start(number: 2, preferredPort: first.port, group: group)
        #expect(second.port != first.port)
        #expect(second.port != 0)
        #expect(second.greeting == "Hello from real server 2 (127.0.0.1:\(second.port))\n")
        let port = second.port
        let reply = try await offPool {
            try HTTPTestClient.exchange(port: port, request: "GET / HTTP/1.0\r\n\r\n")
        }
        #expect(reply.hasSuffix("\r\n\r\n" + second.greeting))
        await first.close()
        await second.close()
        try await group.shutdownGracefully()
    }

    @Test("the virtual port probe refuses a port something listens on")
    func portProbe() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await DemoRealServer.start(number: 1, preferredPort: 0, group: group)
        let chosen = try DemoPorts.tcpPort(preferring: server.port)
        #expect(chosen != server.port)
        await server.close()
        #expect(try DemoPorts.tcpPort(preferring: server.port) == server.port)
        try await group.shutdownGracefully()
    }

    @Test("lvsd refuses --demo with --dry-run, naming the conflict")
    func demoWithDryRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await Subprocess.run(
            "lvsd", ["--demo", "--dry-run", "--control-socket", directory.file("s.sock")])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--demo forwards traffic, so it cannot be combined with --dry-run"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.sock")))
    }
}

/// Runs blocking socket work on a Dispatch thread, off the cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
