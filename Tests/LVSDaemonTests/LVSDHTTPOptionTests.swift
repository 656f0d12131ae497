import Foundation
import Testing

/// `lvsd --http`'s start-up decisions, as a process shows them (docs/http-api.md).
@Suite("lvsd --http options")
struct LVSDHTTPOptionTests {
    @Test("a non-loopback --http without a token file refuses to start and says why")
    func refusesWithoutToken() async throws {
        let directory = try TemporaryDirectory()
        let lvsd = try await LVSDProcess.start(["--dry-run", "--http", "0.0.0.0:0"], in: directory)
        #expect(lvsd.banner.isEmpty)
        #expect(await lvsd.stop() == 64)
        #expect(lvsd.log.contains("give --http-token-file FILE"))
    }

    @Test("on loopback the endpoint starts after the control socket and logs its port")
    func startsOnLoopback() async throws {
        let directory = try TemporaryDirectory()
        let lvsd = try await LVSDProcess.start(["--dry-run", "--http", "127.0.0.1:0"], in: directory)
        #expect(lvsd.banner.hasPrefix("lvsd: listening on \(lvsd.socket)\n"))
        #expect(await eventually { lvsd.log.contains("HTTP endpoint listening on 127.0.0.1:") })
        #expect(await lvsd.stop() == 0)
    }
}
