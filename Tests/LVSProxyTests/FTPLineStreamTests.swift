import Testing

@testable import LVSProxy

/// The FTP control connection's line buffering (docs/design/0007-proxy-engine.md, "FTP").
@Suite("Proxy engine: FTP control lines")
struct FTPLineStreamTests {
    static func feed(_ stream: inout FTPLineStream, _ text: String) {
        Array(text.utf8).withUnsafeBytes { stream.append($0) }
    }

    static func lines(_ stream: inout FTPLineStream) -> [String] {
        var lines: [String] = []
        while let line = stream.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    static func unwritten(_ stream: FTPLineStream) -> String {
        stream.withUnwritten { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a line split across reads comes out whole, once its end arrives")
    func splitLine() {
        var stream = FTPLineStream()
        Self.feed(&stream, "PA")
        #expect(Self.lines(&stream).isEmpty)
        Self.feed(&stream, "SV\r\nTYPE I\r\nRE")
        #expect(Self.lines(&stream) == ["PASV\r\n", "TYPE I\r\n"])
        #expect(!stream.hasOutput)
        Self.feed(&stream, "TR x\r\n")
        #expect(Self.lines(&stream) == ["RETR x\r\n"])
    }

    @Test("a line longer than 1024 bytes passes untouched and its tail is not read as a line")
    func longLine() {
        var stream = FTPLineStream()
        let long = String(repeating: "a", count: 1030)
        Self.feed(&stream, long)
        #expect(Self.lines(&stream).isEmpty)
        #expect(Self.unwritten(stream) == long)
        Self.feed(&stream, "PORT 1,2,3,4,5,6\r\nPASV\r\n")
        // The tail of the long line (which happens to look like a PORT) goes out as it is.
        #expect(Self.lines(&stream) == ["PASV\r\n"])
        #expect(Self.unwritten(stream) == long + "PORT 1,2,3,4,5,6\r\n")
        stream.wrote(long.utf8.count)
        #expect(Self.unwritten(stream) == "PORT 1,2,3,4,5,6\r\n")
        stream.wrote(18)
        #expect(!stream.hasOutput)
    }

    @Test("an unfinished last line is passed on at end of file")
    func endOfFile() {
        var stream = FTPLineStream()
        Self.feed(&stream, "QUIT")
        #expect(Self.lines(&stream).isEmpty)
        stream.flushPending()
        #expect(Self.unwritten(stream) == "QUIT")
    }
}
