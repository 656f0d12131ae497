/// Where the endpoint listens and its limits (`lvsd --http ADDR:PORT`, docs/http-api.md).
public struct HTTPServerConfiguration: Sendable, Hashable {
    public var host: String
    /// 0 lets the kernel choose (tests); the bound port is `HTTPServer.port`.
    public var port: Int
    public var access: HTTPAccessPolicy
    /// Largest request body accepted; more is a 413 (the API's bodies are a few hundred bytes).
    public var maximumBodySize: Int
    /// Largest total size of the request line's target and header fields; more is a 431.
    public var maximumHeaderSize: Int

    public init(
        host: String, port: Int, access: HTTPAccessPolicy, maximumBodySize: Int = 64 * 1024,
        maximumHeaderSize: Int = 16 * 1024
    ) {
        self.host = host
        self.port = port
        self.access = access
        self.maximumBodySize = maximumBodySize
        self.maximumHeaderSize = maximumHeaderSize
    }

    /// Splits `ADDR:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
    public static func parseEndpoint(_ text: String) throws(HTTPConfigurationError) -> (host: String, port: Int) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .badAddress(text)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw .badAddress(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { throw .badAddress(text) }
        return (String(host), port)
    }
}
