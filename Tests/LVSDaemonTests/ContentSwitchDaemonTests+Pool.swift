import Foundation
import Glibc
import Testing

extension ContentSwitchDaemonTests {
    @Test("curl clients one after another share one real-server connection from the pool")
    func poolWithCurl() async throws {
        try await withPersistence("") { lvsd, base in
            // Each curl is a new client connection; the real server names the port of the
            // connection it served: one port, one TCP connection.
            var ports = Set<String>()
            for index in 0..<3 {
                let answer = try await Self.curl(["-w", "|%header{x-peer-port}", "\(base)/api/\(index)"])
                #expect(answer.standardOutput.hasPrefix("A GET /api/\(index)\n|"), "\(answer)")
                ports.insert(String(answer.standardOutput.split(separator: "|").last ?? ""))
            }
            #expect(ports.count == 1, "\(ports)")
            let stats = try await lvsd.lvsadm(["--engine-stats"]).standardOutput
            #expect(stats.contains("http_pool_hits 2\n"), "\(stats)")
            #expect(stats.contains("http_pool_misses 1\n"))
            // The pooled connection's entry stays in the group's listing.
            let connections = try await lvsd.lvsadm(["-L", "-n", "-c"]).standardOutput
            #expect(connections.contains("ESTABLISHED"), "\(connections)")
        }
    }
}
