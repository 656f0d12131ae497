import LVSCore
import NIOCore
import Testing

@testable import LVSControl

/// Randomised hostile input for the control protocol (DESIGN.md §9): mutated valid requests,
/// random bytes and random splits into the line framer. Nothing may trap; every line decodes to
/// a request or a typed error, and the framer never yields a line over its limit.
@Suite("Control protocol under random input")
struct ControlFuzzTests {
    static let seeds: [ControlRequestBody] = ControlProtocolTests.requests

    @Test("mutated valid requests decode to a request or a typed error", arguments: [UInt64(1), 2, 3])
    func mutatedRequests(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var decoded = 0
        var refused = 0
        for round in 0..<3000 {
            var line = ControlProtocol.encode(
                ControlRequest(id: round, body: Self.seeds[round % Self.seeds.count]))
            line.removeLast()  // the newline
            for _ in 0..<Int(random.next() % 4 + 1) {
                guard !line.isEmpty else { break }
                let position = Int(random.next() % UInt64(line.count))
                switch random.next() % 4 {
                case 0: line[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: line.remove(at: position)
                case 2: line.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                default: line.removeSubrange(position...)
                }
            }
            switch ControlProtocol.decodeRequest(line) {
            case .success: decoded += 1
            case .failure: refused += 1
            }
        }
        #expect(decoded + refused == 3000)
        #expect(refused > 1000, "mutations should break most lines")
    }

    @Test("random bytes split at random points frame into bounded lines")
    func randomFraming() {
        var random = SplitMix64(seed: 99)
        var framer = ControlLineDecoder(maximumLineLength: 64)
        var buffer = ByteBuffer()
        var frames = 0
        for _ in 0..<2000 {
            var chunk: [UInt8] = []
            for _ in 0..<Int(random.next() % 40) {
                // Newlines often enough to make lines of every length around the limit.
                chunk.append(random.next() % 23 == 0 ? UInt8(ascii: "\n") : UInt8(truncatingIfNeeded: random.next()))
            }
            buffer.writeBytes(chunk)
            while let frame = framer.nextFrame(from: &buffer) {
                frames += 1
                if case .line(let bytes) = frame {
                    #expect(bytes.readableBytes <= 64)
                    _ = ControlProtocol.decodeRequest(bytes.readableBytesView)
                }
            }
        }
        #expect(frames > 100)
    }
}
