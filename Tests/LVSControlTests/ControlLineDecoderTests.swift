import NIOCore
import Testing

@testable import LVSControl

@Suite("Control line framing")
struct ControlLineDecoderTests {
    /// Feeds `chunks` one after another and collects every frame, as the channel would.
    static func frames(_ chunks: [String], limit: Int = 16) -> [String] {
        var decoder = ControlLineDecoder(maximumLineLength: limit)
        var buffer = ByteBuffer()
        var out: [String] = []
        for chunk in chunks {
            buffer.writeString(chunk)
            while let frame = decoder.nextFrame(from: &buffer) {
                switch frame {
                case .line(let line): out.append(String(buffer: line))
                case .oversizedLine: out.append("<oversized>")
                }
            }
            buffer.discardReadBytes()
        }
        return out
    }

    @Test("a line split across reads is one frame")
    func partialLine() {
        #expect(Self.frames(["{\"v\":", "1}", "\n"]) == ["{\"v\":1}"])
        #expect(Self.frames(["abc"]) == [])
    }

    @Test("two lines in one read are two frames")
    func twoLines() {
        #expect(Self.frames(["one\ntwo\nthr", "ee\n"]) == ["one", "two", "three"])
    }

    @Test("CRLF endings and empty lines")
    func crlf() {
        #expect(Self.frames(["a\r\n\nb\n"]) == ["a", "", "b"])
    }

    @Test("an oversized line is reported once and the next line still arrives")
    func oversizedInOneRead() {
        #expect(Self.frames([String(repeating: "x", count: 40) + "\nok\n"]) == ["<oversized>", "ok"])
    }

    @Test("an oversized line arriving in pieces is discarded as it comes")
    func oversizedInPieces() {
        let piece = String(repeating: "y", count: 12)
        var decoder = ControlLineDecoder(maximumLineLength: 16)
        var buffer = ByteBuffer()
        for _ in 0..<5 {
            buffer.writeString(piece)
            #expect(decoder.nextFrame(from: &buffer) == nil)
            // Memory stays bounded: never more than the limit plus one read is held.
            #expect(buffer.readableBytes <= 16 + piece.count)
        }
        buffer.writeString("tail\nnext\n")
        #expect(decoder.nextFrame(from: &buffer) == .oversizedLine)
        #expect(decoder.nextFrame(from: &buffer) == .line(ByteBuffer(string: "next")))
    }

    @Test("a line exactly at the limit is accepted")
    func exactlyAtLimit() {
        let line = String(repeating: "z", count: 16)
        #expect(Self.frames([line + "\n"]) == [line])
        #expect(Self.frames([line + "z\n"]) == ["<oversized>"])
    }
}
