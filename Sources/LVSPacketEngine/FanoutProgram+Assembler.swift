// Building the fanout program with labels, and running it (for tests).
extension FanoutProgram {
    /// Emits instructions with symbolic forward jumps: every branch is a conditional jump over
    /// one unconditional `ja`, whose 32-bit offset reaches any label (a conditional jump's
    /// 8-bit offsets would not, past about a hundred virtual addresses).
    struct Assembler {
        var instructions: [BPFProgram.Instruction] = []
        var labels: [String: Int] = [:]
        /// Positions of `ja` instructions and the label each jumps to.
        var fixups: [(Int, String)] = []

        mutating func emit(_ code: UInt16, k: UInt32 = 0, jt: UInt8 = 0, jf: UInt8 = 0) {
            instructions.append(BPFProgram.Instruction(code: code, jt: jt, jf: jf, k: k))
        }

        mutating func label(_ name: String) { labels[name] = instructions.count }

        mutating func jump(to name: String) {
            fixups.append((instructions.count, name))
            emit(FanoutProgram.jump)
        }

        /// Goes to `name` when A == k.
        mutating func branch(ifEqual k: UInt32, to name: String) {
            emit(FanoutProgram.jumpEqual, k: k, jt: 0, jf: 1)
            jump(to: name)
        }

        /// Goes to `name` when A != k.
        mutating func branch(ifNotEqual k: UInt32, to name: String) {
            emit(FanoutProgram.jumpEqual, k: k, jt: 1, jf: 0)
            jump(to: name)
        }

        /// X = the IPv4 header's length in bytes (IHL × 4).
        mutating func emitIPv4HeaderLength() {
            emit(FanoutProgram.loadByte, k: FanoutProgram.network)
            emit(FanoutProgram.and, k: 0x0F)
            emit(FanoutProgram.shiftLeft, k: 2)
            emit(FanoutProgram.toX)
        }

        /// M[0] = the four words of the IPv6 address at `offset` XORed together.
        mutating func emitIPv6Fold(at offset: UInt32) {
            emit(FanoutProgram.loadWord, k: FanoutProgram.network + offset)
            for word in 1..<4 {
                emit(FanoutProgram.toX)
                emit(FanoutProgram.loadWord, k: FanoutProgram.network + offset + UInt32(4 * word))
                emit(FanoutProgram.xorX)
            }
            emit(FanoutProgram.store, k: 0)
        }

        /// The instructions with every `ja` pointed at its label (offsets count from the next).
        func resolved() -> [BPFProgram.Instruction] {
            var result = instructions
            for (position, name) in fixups {
                let target = labels[name] ?? result.count - 1
                result[position].k = UInt32(target - position - 1)
            }
            return result
        }
    }

    /// Runs the program over an IP packet (`packet` starts at the network header), as the kernel
    /// would over an skb: the returned value, or nil where the kernel would abort (a load past
    /// the end; the kernel then returns 0, the first worker).
    public func run(_ packet: [UInt8]) -> UInt32? {
        var a: UInt32 = 0
        var x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        func load(_ k: UInt32, indexed: Bool, size: Int) -> UInt32? {
            // Only network-relative offsets are emitted.
            guard k >= Self.network else { return nil }
            let at = Int(k - Self.network) + (indexed ? Int(x) : 0)
            guard at >= 0, at + size <= packet.count else { return nil }
            var value: UInt32 = 0
            for i in 0..<size { value = value << 8 | UInt32(packet[at + i]) }
            return value
        }
        var steps = 0
        while pc < instructions.count && steps < Self.maximumLength * 2 {
            steps += 1
            let i = instructions[pc]
            switch i.code {
            case Self.loadByte: guard let v = load(i.k, indexed: false, size: 1) else { return nil }; a = v
            case Self.loadHalf: guard let v = load(i.k, indexed: false, size: 2) else { return nil }; a = v
            case Self.loadWord: guard let v = load(i.k, indexed: false, size: 4) else { return nil }; a = v
            case Self.loadHalfIndexed: guard let v = load(i.k, indexed: true, size: 2) else { return nil }; a = v
            case Self.loadMemory: a = memory[Int(i.k) & 15]
            case Self.store: memory[Int(i.k) & 15] = a
            case Self.shiftRight: a >>= i.k
            case Self.shiftLeft: a <<= i.k
            case Self.and: a &= i.k
            case Self.multiply: a = a &* i.k
            case Self.xorX: a ^= x
            case Self.toX: x = a
            case Self.jump: pc += Int(i.k)
            case Self.jumpEqual: pc += Int(a == i.k ? i.jt : i.jf)
            case Self.returnA: return a
            case Self.returnConstant: return i.k
            default: return nil
            }
            pc += 1
        }
        return nil
    }
}
