import Foundation

/// The burst test's real server and clients (BurstNamespaceTests): small python3 programs with
/// non-blocking sockets, because one socat per connection cannot open thousands at once. They
/// live in `bench/burst/`, shared with `bench/burst.sh`, which runs the same burst at 100,000
/// connections against nftables; every wait in them is bounded by the seconds they are given and
/// they print one result line.
enum BurstScripts {
    /// `echo.py PORT SECONDS`: accepts every connection on PORT and echoes what it reads.
    static var echoServer: String { get throws { try script("echo.py") } }
    /// `client.py VIP PORT COUNT SECONDS`: opens COUNT connections at once, then writes a distinct
    /// line on each and waits for every echo.
    static var client: String { get throws { try script("client.py") } }
    /// `listing.py SOCKET`: the byte length of lvsd's reply to getConnections (one JSON line).
    static var listingSize: String { get throws { try script("listing.py") } }

    private static func script(_ name: String) throws -> String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(
            contentsOf: repository.appendingPathComponent("bench/burst/\(name)"), encoding: .utf8)
    }
}
