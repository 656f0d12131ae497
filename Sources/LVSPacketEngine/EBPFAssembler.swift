/// A small typed eBPF assembler: the engine's XDP program is generated from Swift as the
/// classic filter is (`BPFProgram`), so neither clang nor libbpf is needed to build or run
/// lvsd (docs/design/0026-af-xdp.md). Jumps name labels; `assemble()` resolves them to the
/// slot offsets the kernel expects (relative to the next slot; `lddw` takes two slots).
public struct EBPFAssembler: Sendable {
    /// A label to jump to, made with `makeLabel()` and placed with `place(_:)`.
    public struct Label: Sendable, Hashable { let id: Int }

    enum Item: Sendable {
        case instruction(EBPFInstruction)
        /// A jump whose offset is filled in from a label.
        case jump(EBPFInstruction, Label)
    }

    /// Why a program could not be assembled.
    public enum Failure: Error, Sendable, Hashable {
        case unplacedLabel(Int)
        case jumpTooFar(Int)
    }

    private(set) var items: [Item] = []
    private var slots = 0
    private var labelSlots: [Int: Int] = [:]
    private var nextLabel = 0

    public init() {}

    public mutating func makeLabel() -> Label {
        defer { nextLabel += 1 }
        return Label(id: nextLabel)
    }

    /// Places `label` at the next instruction.
    public mutating func place(_ label: Label) { labelSlots[label.id] = slots }

    private mutating func append(_ instruction: EBPFInstruction) {
        items.append(.instruction(instruction))
        slots += 1
    }

    // MARK: Arithmetic

    /// `dst op= imm` on 64 bits.
    public mutating func alu(_ operation: EBPFALUOperation, _ destination: EBPFRegister, _ immediate: Int32) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classALU64 | operation.rawValue, destination: destination, immediate: immediate))
    }

    /// `dst op= src` on 64 bits.
    public mutating func alu(_ operation: EBPFALUOperation, _ destination: EBPFRegister, _ source: EBPFRegister) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classALU64 | operation.rawValue | EBPFOpcode.sourceRegister,
                destination: destination, source: source))
    }

    /// `dst op= imm` on the low 32 bits (the upper half is zeroed).
    public mutating func alu32(_ operation: EBPFALUOperation, _ destination: EBPFRegister, _ immediate: Int32) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classALU32 | operation.rawValue, destination: destination, immediate: immediate))
    }

    public mutating func move(_ destination: EBPFRegister, _ immediate: Int32) { alu(.mov, destination, immediate) }
    public mutating func move(_ destination: EBPFRegister, _ source: EBPFRegister) { alu(.mov, destination, source) }

    /// `dst = htobe(dst)` of `bits` (16, 32 or 64): a byte swap on little-endian hosts.
    public mutating func toBigEndian(_ destination: EBPFRegister, bits: Int32) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classALU32 | EBPFOpcode.byteSwap | EBPFOpcode.toBigEndian,
                destination: destination, immediate: bits))
    }

    /// `dst = imm64` (two slots).
    public mutating func loadImmediate64(_ destination: EBPFRegister, _ value: UInt64) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classLoadImmediate | EBPFSize.doubleWord.bits, destination: destination,
                immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value))))
        append(.wideSecondHalf(Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32))))
    }

    /// `dst = map(fd)`: the kernel replaces the fd by the map's address at load time.
    public mutating func loadMap(_ destination: EBPFRegister, fd: Int32) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classLoadImmediate | EBPFSize.doubleWord.bits, destination: destination,
                source: EBPFRegister(rawValue: EBPFOpcode.pseudoMapFD) ?? .r1, immediate: fd))
        append(.wideSecondHalf(0))
    }

    // MARK: Memory

    /// `dst = *(size *)(src + offset)`.
    public mutating func load(_ size: EBPFSize, _ destination: EBPFRegister, _ source: EBPFRegister, _ offset: Int16) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classLoadMemory | EBPFOpcode.modeMemory | size.bits, destination: destination,
                source: source, offset: offset))
    }

    /// `*(size *)(dst + offset) = src`.
    public mutating func store(_ size: EBPFSize, _ destination: EBPFRegister, _ offset: Int16, _ source: EBPFRegister) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classStoreRegister | EBPFOpcode.modeMemory | size.bits, destination: destination,
                source: source, offset: offset))
    }

    /// `*(size *)(dst + offset) = imm`.
    public mutating func store(_ size: EBPFSize, _ destination: EBPFRegister, _ offset: Int16, immediate: Int32) {
        append(
            EBPFInstruction(
                opcode: EBPFOpcode.classStoreImmediate | EBPFOpcode.modeMemory | size.bits, destination: destination,
                offset: offset, immediate: immediate))
    }

    // MARK: Control flow

    /// `goto label`.
    public mutating func jump(to label: Label) {
        items.append(.jump(EBPFInstruction(opcode: EBPFOpcode.classJump | EBPFOpcode.jumpAlways), label))
        slots += 1
    }

    /// `if dst cond imm goto label` (64-bit comparison).
    public mutating func jump(
        if destination: EBPFRegister, _ condition: EBPFCondition, _ immediate: Int32, to label: Label
    ) {
        items.append(
            .jump(
                EBPFInstruction(
                    opcode: EBPFOpcode.classJump | condition.rawValue, destination: destination, immediate: immediate),
                label))
        slots += 1
    }

    /// `if dst cond src goto label` (64-bit comparison).
    public mutating func jump(
        if destination: EBPFRegister, _ condition: EBPFCondition, _ source: EBPFRegister, to label: Label
    ) {
        items.append(
            .jump(
                EBPFInstruction(
                    opcode: EBPFOpcode.classJump | condition.rawValue | EBPFOpcode.sourceRegister,
                    destination: destination, source: source),
                label))
        slots += 1
    }

    /// `call helper` (r1–r5 arguments, result in r0; r1–r5 are clobbered).
    public mutating func call(_ helper: Int32) {
        append(EBPFInstruction(opcode: EBPFOpcode.classJump | EBPFOpcode.call, immediate: helper))
    }

    /// `exit` (returns r0).
    public mutating func exit() { append(EBPFInstruction(opcode: EBPFOpcode.classJump | EBPFOpcode.exit)) }

    /// The instructions with every jump resolved.
    public func assemble() throws(Failure) -> [EBPFInstruction] {
        var result: [EBPFInstruction] = []
        result.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .instruction(let instruction): result.append(instruction)
            case .jump(var instruction, let label):
                guard let target = labelSlots[label.id] else { throw .unplacedLabel(label.id) }
                let distance = target - (result.count + 1)
                guard let offset = Int16(exactly: distance) else { throw .jumpTooFar(distance) }
                instruction.offset = offset
                result.append(instruction)
            }
        }
        return result
    }
}
