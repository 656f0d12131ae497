/// One eBPF instruction in the kernel's encoding (Documentation/bpf/standardization/
/// instruction-set.rst, "Instruction encoding"): an 8-bit opcode, the destination register in
/// the low nibble and the source register in the high nibble of the second byte, a signed
/// 16-bit offset and a signed 32-bit immediate, all little-endian (the byte order of the hosts
/// the engine runs on). The 64-bit immediate load (`lddw`) is two such slots; its second slot
/// carries the immediate's upper half (`EBPFInstruction.wideSecondHalf`).
public struct EBPFInstruction: Sendable, Hashable {
    public var opcode: UInt8
    public var destination: EBPFRegister
    public var source: EBPFRegister
    public var offset: Int16
    public var immediate: Int32

    public init(
        opcode: UInt8, destination: EBPFRegister = .r0, source: EBPFRegister = .r0, offset: Int16 = 0,
        immediate: Int32 = 0
    ) {
        self.opcode = opcode
        self.destination = destination
        self.source = source
        self.offset = offset
        self.immediate = immediate
    }

    /// The 8 bytes the kernel reads.
    public var bytes: [UInt8] {
        let offsetBits = UInt16(bitPattern: offset)
        let immediateBits = UInt32(bitPattern: immediate)
        return [
            opcode, source.rawValue << 4 | destination.rawValue, UInt8(offsetBits & 0xFF), UInt8(offsetBits >> 8),
            UInt8(immediateBits & 0xFF), UInt8(immediateBits >> 8 & 0xFF), UInt8(immediateBits >> 16 & 0xFF),
            UInt8(immediateBits >> 24),
        ]
    }

    /// The second slot of a 64-bit immediate load: opcode 0, the upper 32 bits in `immediate`.
    static func wideSecondHalf(_ upper: Int32) -> EBPFInstruction { EBPFInstruction(opcode: 0, immediate: upper) }
}

/// The eleven eBPF registers: r0 return value, r1–r5 arguments (clobbered by calls), r6–r9
/// callee-saved, r10 the read-only frame pointer.
public enum EBPFRegister: UInt8, Sendable, Hashable, CaseIterable {
    case r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10
}

/// Width of a memory access (the instruction's size field).
public enum EBPFSize: Sendable, Hashable {
    case byte, half, word, doubleWord

    /// The size bits of a load/store opcode.
    var bits: UInt8 {
        switch self {
        case .word: 0x00
        case .half: 0x08
        case .byte: 0x10
        case .doubleWord: 0x18
        }
    }
}

/// Arithmetic operations (the ALU opcode's high nibble).
public enum EBPFALUOperation: UInt8, Sendable, Hashable {
    case add = 0x00, sub = 0x10, mul = 0x20, div = 0x30, or = 0x40, and = 0x50, lsh = 0x60, rsh = 0x70
    case mod = 0x90, xor = 0xA0, mov = 0xB0, arsh = 0xC0
}

/// Conditional jumps (the JMP opcode's high nibble); comparisons are unsigned unless named signed.
public enum EBPFCondition: UInt8, Sendable, Hashable {
    case equal = 0x10, greater = 0x20, greaterOrEqual = 0x30, bitsSet = 0x40, notEqual = 0x50
    case signedGreater = 0x60, signedGreaterOrEqual = 0x70, less = 0xA0, lessOrEqual = 0xB0
    case signedLess = 0xC0, signedLessOrEqual = 0xD0
}

/// Opcode classes and modes (instruction-set.rst, "Instruction classes").
enum EBPFOpcode {
    static let classLoadImmediate: UInt8 = 0x00
    static let classLoadMemory: UInt8 = 0x01
    static let classStoreImmediate: UInt8 = 0x02
    static let classStoreRegister: UInt8 = 0x03
    static let classALU32: UInt8 = 0x04
    static let classJump: UInt8 = 0x05
    static let classALU64: UInt8 = 0x07
    static let modeImmediate: UInt8 = 0x00
    static let modeMemory: UInt8 = 0x60
    static let sourceRegister: UInt8 = 0x08
    static let jumpAlways: UInt8 = 0x00
    static let call: UInt8 = 0x80
    static let exit: UInt8 = 0x90
    static let byteSwap: UInt8 = 0xD0
    static let toBigEndian: UInt8 = 0x08
    /// `src_reg` of an `lddw` whose immediate is a map's fd (BPF_PSEUDO_MAP_FD).
    static let pseudoMapFD: UInt8 = 1
}
