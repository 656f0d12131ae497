import IPVSAdmin
import LVSConfig
import LVSControl
import LVSCore
import NIOCore

extension FuzzHarness {
    /// The input as NUL-separated arguments of one invocation, and as `-R` input lines (reference
    /// §1.9). Every command that parses is applied to a configuration model, as the daemon does.
    static func runIPVSAdmin(_ bytes: [UInt8]) {
        let parser = IPVSAdminParser(resolver: NumericResolver())
        var model = ConfigurationModel(knownSchedulers: Set(SchedulerRegistry.names))
        let arguments = parts(bytes).map { String(decoding: $0, as: UTF8.self) }
        if case .success(.command(let command)) = parser.parse(arguments) { try? model.apply(command) }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            let words = RestoreInput.tokenize(line: String(line))
            guard !words.isEmpty else { continue }
            if case .success(.command(let command)) = parser.parse(words, readingRestoreInput: true) {
                try? model.apply(command)
            }
        }
    }

    /// The first NUL-separated part is /etc/keepalived/keepalived.conf, part N is
    /// /etc/keepalived/conf.d/N.conf, all in memory: `include conf.d/*.conf` reaches them. A
    /// configuration without errors is mapped to admin commands and applied to a model.
    static func runKeepalived(_ bytes: [UInt8]) {
        let texts = parts(bytes).map { String(decoding: $0, as: UTF8.self) }
        var files: [String: String] = [:]
        for (index, text) in texts.enumerated() {
            files[index == 0 ? mainConfigurationPath : "/etc/keepalived/conf.d/\(index).conf"] = text
        }
        let parser = KeepalivedConfigurationParser(fileSystem: InMemoryFileSystem(files))
        let result = parser.parse(path: mainConfigurationPath)
        _ = result.diagnostics.map(\.description)
        guard !result.hasErrors, let commands = try? result.configuration.adminCommands() else { return }
        var model = ConfigurationModel(knownSchedulers: Set(SchedulerRegistry.names))
        for command in commands { try? model.apply(command) }
    }

    static let mainConfigurationPath = "/etc/keepalived/keepalived.conf"

    /// Byte 0 picks the read sizes (1–16 bytes, or everything at once); the rest is the stream a
    /// control client sends. Every framed line is decoded as a request and as a reply.
    static func runControl(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let lengths = first == 0 ? [] : [Int(first & 0x0F) + 1, Int(first >> 4) + 1]
        var decoder = ControlLineDecoder(maximumLineLength: 512)
        var buffer = ByteBuffer()
        for piece in pieces(bytes.dropFirst(), lengths: lengths) {
            buffer.writeBytes(piece)
            while let frame = decoder.nextFrame(from: &buffer) {
                guard case .line(let line) = frame else { continue }
                let text = Array(line.readableBytesView)
                _ = ControlProtocol.decodeRequest(text)
                _ = try? ControlProtocol.decodeReply(text)
            }
            buffer.discardReadBytes()
        }
    }
}
