import ArgumentParser
import Foundation
import LVSHTTP

/// `--http`, `--http-token-file` and `--http-auth-reads` (docs/http-api.md): the HTTP endpoint,
/// off unless `--http` is given.
struct HTTPOptions: ParsableArguments {
    @Option(
        name: .customLong("http"),
        help: ArgumentHelp(
            "Serve the REST API (and the other HTTP routes) on this address, e.g. 127.0.0.1:8081 or [::1]:8081. Off by default; a non-loopback address needs --http-token-file.",
            valueName: "addr:port"))
    var endpoint: String?

    @Option(
        name: .customLong("http-token-file"),
        help: ArgumentHelp(
            "A file holding the bearer token that writes (and with --http-auth-reads, reads) must present when --http is not on loopback.",
            valueName: "path"))
    var tokenFile: String?

    @Flag(
        name: .customLong("http-auth-reads"),
        help: "Off loopback, reads need the bearer token too (writes always do).")
    var authReads = false

    /// The endpoint's configuration, nil without `--http`; a clear error for a bad address, an
    /// unreadable token file or a non-loopback address without one.
    func configuration() throws -> HTTPServerConfiguration? {
        guard let endpoint else {
            if tokenFile != nil || authReads {
                throw ValidationError("--http-token-file and --http-auth-reads need --http ADDR:PORT")
            }
            return nil
        }
        do {
            let (host, port) = try HTTPServerConfiguration.parseEndpoint(endpoint)
            var token: [UInt8]?
            if let tokenFile {
                guard let contents = FileManager.default.contents(atPath: tokenFile) else {
                    throw HTTPConfigurationError.tokenFile(path: tokenFile, reason: "no such file or no permission")
                }
                token = try HTTPAccessPolicy.token(fromFileContents: [UInt8](contents))
            }
            let access = try HTTPAccessPolicy.forBinding(host: host, token: token, authReads: authReads)
            return HTTPServerConfiguration(host: host, port: port, access: access)
        } catch let error as HTTPConfigurationError {
            throw ValidationError(error.description)
        }
    }
}
