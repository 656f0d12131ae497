import Testing

@testable import LVSPacketEngine

/// Encodings checked against the eBPF instruction-set specification
/// (Documentation/bpf/standardization/instruction-set.rst): opcode byte, registers (dst low
/// nibble, src high nibble), little-endian offset and immediate.
@Suite("eBPF assembler")
struct EBPFAssemblerTests {
    func bytes(_ build: (inout EBPFAssembler) -> Void) throws -> [[UInt8]] {
        var code = EBPFAssembler()
        build(&code)
        return try code.assemble().map(\.bytes)
    }

    @Test("ALU64 with immediate and register operands: mov, add, and, lsh")
    func arithmetic() throws {
        #expect(try bytes { $0.move(.r0, 2) } == [[0xB7, 0x00, 0, 0, 2, 0, 0, 0]])
        #expect(try bytes { $0.move(.r6, .r1) } == [[0xBF, 0x16, 0, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.alu(.add, .r2, -24) } == [[0x07, 0x02, 0, 0, 0xE8, 0xFF, 0xFF, 0xFF]])
        #expect(try bytes { $0.alu(.add, .r9, .r3) } == [[0x0F, 0x39, 0, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.alu(.and, .r3, 0x0F) } == [[0x57, 0x03, 0, 0, 0x0F, 0, 0, 0]])
        #expect(try bytes { $0.alu(.lsh, .r3, 2) } == [[0x67, 0x03, 0, 0, 2, 0, 0, 0]])
        #expect(try bytes { $0.alu32(.mov, .r1, 7) } == [[0xB4, 0x01, 0, 0, 7, 0, 0, 0]])
    }

    @Test("byte swap to big endian (BPF_ALU | BPF_END | BPF_TO_BE)")
    func byteSwap() throws {
        #expect(try bytes { $0.toBigEndian(.r1, bits: 16) } == [[0xDC, 0x01, 0, 0, 16, 0, 0, 0]])
        #expect(try bytes { $0.toBigEndian(.r2, bits: 32) } == [[0xDC, 0x02, 0, 0, 32, 0, 0, 0]])
    }

    @Test("loads and stores: ldx, stx, st with offsets below the frame pointer")
    func memory() throws {
        #expect(try bytes { $0.load(.word, .r7, .r6, 0) } == [[0x61, 0x67, 0, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.load(.word, .r8, .r6, 4) } == [[0x61, 0x68, 4, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.load(.half, .r3, .r7, 12) } == [[0x69, 0x73, 12, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.load(.byte, .r5, .r7, 23) } == [[0x71, 0x75, 23, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.load(.doubleWord, .r1, .r0, 0) } == [[0x79, 0x01, 0, 0, 0, 0, 0, 0]])
        #expect(try bytes { $0.store(.doubleWord, .r10, -8, .r1) } == [[0x7B, 0x1A, 0xF8, 0xFF, 0, 0, 0, 0]])
        #expect(try bytes { $0.store(.half, .r10, -8, .r2) } == [[0x6B, 0x2A, 0xF8, 0xFF, 0, 0, 0, 0]])
        #expect(try bytes { $0.store(.byte, .r10, -6, .r5) } == [[0x73, 0x5A, 0xFA, 0xFF, 0, 0, 0, 0]])
        #expect(try bytes { $0.store(.word, .r10, -52, immediate: 1) } == [[0x62, 0x0A, 0xCC, 0xFF, 1, 0, 0, 0]])
        #expect(try bytes { $0.store(.byte, .r10, -5, immediate: 4) } == [[0x72, 0x0A, 0xFB, 0xFF, 4, 0, 0, 0]])
    }

    @Test("64-bit immediate and map-fd loads take two slots (BPF_PSEUDO_MAP_FD in src)")
    func wideLoads() throws {
        #expect(
            try bytes { $0.loadImmediate64(.r1, 0x1122_3344_5566_7788) } == [
                [0x18, 0x01, 0, 0, 0x88, 0x77, 0x66, 0x55], [0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11],
            ])
        #expect(
            try bytes { $0.loadMap(.r1, fd: 5) } == [[0x18, 0x11, 0, 0, 5, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]])
    }

    @Test("jumps resolve labels relative to the next slot, forwards and backwards, over wide loads")
    func jumps() throws {
        let code = try bytes { code in
            let out = code.makeLabel()
            let back = code.makeLabel()
            code.place(back)
            code.jump(if: .r3, .equal, 0x0008, to: out)  // +3: skips the jump, the lddw (2 slots)
            code.jump(if: .r2, .greater, .r8, to: back)  // -2
            code.loadMap(.r1, fd: 3)
            code.place(out)
            code.call(1)
            code.jump(to: out)  // -2
            code.exit()
        }
        #expect(code[0] == [0x15, 0x03, 3, 0, 0x08, 0, 0, 0])
        #expect(code[1] == [0x2D, 0x82, 0xFE, 0xFF, 0, 0, 0, 0])
        #expect(code[4] == [0x85, 0x00, 0, 0, 1, 0, 0, 0])
        #expect(code[5] == [0x05, 0x00, 0xFE, 0xFF, 0, 0, 0, 0])
        #expect(code[6] == [0x95, 0x00, 0, 0, 0, 0, 0, 0])
    }

    @Test("every conditional jump's opcode (BPF_JMP | op | BPF_K)")
    func conditions() throws {
        let expected: [(EBPFCondition, UInt8)] = [
            (.equal, 0x15), (.greater, 0x25), (.greaterOrEqual, 0x35), (.bitsSet, 0x45), (.notEqual, 0x55),
            (.signedGreater, 0x65), (.signedGreaterOrEqual, 0x75), (.less, 0xA5), (.lessOrEqual, 0xB5),
            (.signedLess, 0xC5), (.signedLessOrEqual, 0xD5),
        ]
        for (condition, opcode) in expected {
            let code = try bytes { code in
                let here = code.makeLabel()
                code.place(here)
                code.jump(if: .r1, condition, 0, to: here)
            }
            #expect(code[0][0] == opcode, "\(condition)")
        }
    }

    @Test("an unplaced label is an error, not a crash")
    func unplacedLabel() {
        var code = EBPFAssembler()
        let nowhere = code.makeLabel()
        code.jump(to: nowhere)
        #expect(throws: EBPFAssembler.Failure.unplacedLabel(0)) { try code.assemble() }
    }
}
