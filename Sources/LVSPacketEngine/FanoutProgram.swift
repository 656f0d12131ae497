import CLinuxNet
import Glibc
import LVSCore

/// The classic BPF program of the rings' PACKET_FANOUT_CBPF groups: it picks the worker for a
/// packet from its connection's client address and port, so both directions of a connection
/// reach the worker whose flow table holds it (docs/design/0025-packet-engine-without-a-lock.md).
/// A packet to a virtual address comes from the client (the source is hashed); any other packet
/// the rings admit is a reply from a real server or the director's own traffic to a client (the
/// destination is hashed). The kernel takes the result modulo the group's size; the group's
/// members are the workers in order (each worker's ring joins in turn).
///
/// Loads are relative to the network header (SKF_NET_OFF): the fanout runs before the packet
/// socket puts the link-layer header back in front.
public struct FanoutProgram: Sendable, Hashable {
    public private(set) var instructions: [BPFProgram.Instruction] = []

    /// The kernel's limit (BPF_MAXINSNS); virtual addresses past it are not checked (their
    /// clients' packets then go by destination: still correct, only less local).
    static let maximumLength = 4096
    static let network: UInt32 = 0xFFF0_0000  // SKF_NET_OFF as the unsigned constant

    // Opcodes (linux/filter.h) beyond BPFProgram's.
    static let loadByte: UInt16 = 0x30
    static let loadHalf: UInt16 = 0x28
    static let loadWord: UInt16 = 0x20
    static let loadHalfIndexed: UInt16 = 0x48
    static let loadMemory: UInt16 = 0x60  // BPF_LD | BPF_MEM
    static let store: UInt16 = 0x02  // BPF_ST
    static let shiftRight: UInt16 = 0x74  // BPF_ALU | BPF_RSH | BPF_K
    static let shiftLeft: UInt16 = 0x64
    static let and: UInt16 = 0x54
    static let multiply: UInt16 = 0x24
    static let xorX: UInt16 = 0xAC  // BPF_ALU | BPF_XOR | BPF_X
    static let toX: UInt16 = 0x07  // BPF_MISC | BPF_TAX
    static let jump: UInt16 = 0x05  // BPF_JMP | BPF_JA
    static let jumpEqual: UInt16 = 0x15
    static let returnA: UInt16 = 0x16  // BPF_RET | BPF_A
    static let returnConstant: UInt16 = 0x06

    /// The program for the virtual addresses of `plan`'s services.
    public init(_ plan: ForwardingPlan) {
        var seen = Set<IPAddress>()
        let addresses = plan.services.map(\.address).filter { seen.insert($0).inserted }
        self.init(virtualAddresses: addresses)
    }

    /// The program for these virtual addresses.
    public init(virtualAddresses: [IPAddress]) {
        let v4 = virtualAddresses.filter { $0.family == .inet }
        let v6 = virtualAddresses.filter { $0.family == .inet6 }
        // Fixed part: about 60 instructions; 2 per IPv4 and 13 per IPv6 address.
        let room = Self.maximumLength - 80
        let keptV4 = Array(v4.prefix(room / 2))
        let keptV6 = Array(v6.prefix(max(0, room - 2 * keptV4.count) / 13))
        var code = Assembler()
        // Version nibble.
        code.emit(Self.loadByte, k: Self.network)
        code.emit(Self.shiftRight, k: 4)
        code.branch(ifEqual: 4, to: "v4")
        code.branch(ifEqual: 6, to: "v6")
        code.emit(Self.returnConstant, k: 0)
        // IPv4: the destination is a virtual address → the client is the source.
        code.label("v4")
        code.emit(Self.loadWord, k: Self.network + 16)
        for address in keptV4 { code.branch(ifEqual: address.ipv4Value, to: "v4source") }
        code.emit(Self.store, k: 0)
        code.emitIPv4HeaderLength()
        code.emit(Self.loadHalfIndexed, k: Self.network + 2)
        code.jump(to: "mix")
        code.label("v4source")
        code.emit(Self.loadWord, k: Self.network + 12)
        code.emit(Self.store, k: 0)
        code.emitIPv4HeaderLength()
        code.emit(Self.loadHalfIndexed, k: Self.network)
        code.jump(to: "mix")
        // IPv6 (ports read right after the fixed header: no extension headers).
        code.label("v6")
        for (index, address) in keptV6.enumerated() {
            let next = "v6next\(index)"
            for (position, word) in Self.words(address).enumerated() {
                code.emit(Self.loadWord, k: Self.network + 24 + UInt32(4 * position))
                code.branch(ifNotEqual: word, to: next)
            }
            code.jump(to: "v6source")
            code.label(next)
        }
        code.emitIPv6Fold(at: 24)
        code.emit(Self.loadHalf, k: Self.network + 42)
        code.jump(to: "mix")
        code.label("v6source")
        code.emitIPv6Fold(at: 8)
        code.emit(Self.loadHalf, k: Self.network + 40)
        // A = port, M[0] = address (folded): the hash `FanoutProgram.hash` computes.
        code.label("mix")
        code.emit(Self.multiply, k: 0x9E37_79B1)
        code.emit(Self.toX)
        code.emit(Self.loadMemory, k: 0)
        code.emit(Self.xorX)
        for _ in 0..<2 {
            code.emit(Self.store, k: 1)
            code.emit(Self.shiftRight, k: 16)
            code.emit(Self.toX)
            code.emit(Self.loadMemory, k: 1)
            code.emit(Self.xorX)
            code.emit(Self.multiply, k: 0x045D_9F3B)
        }
        code.emit(Self.returnA)
        instructions = code.resolved()
    }

    /// The value the program returns for a client: the worker is this modulo the worker count.
    public static func hash(client: IPAddress, port: UInt16) -> UInt32 {
        let address: UInt32
        switch client.family {
        case .inet: address = client.ipv4Value
        case .inet6: address = words(client).reduce(0, ^)
        }
        var a = UInt32(port) &* 0x9E37_79B1 ^ address
        for _ in 0..<2 {
            a = (a ^ (a >> 16)) &* 0x045D_9F3B
        }
        return a
    }

    static func words(_ address: IPAddress) -> [UInt32] {
        [
            UInt32(truncatingIfNeeded: address.high >> 32), UInt32(truncatingIfNeeded: address.high),
            UInt32(truncatingIfNeeded: address.low >> 32), UInt32(truncatingIfNeeded: address.low),
        ]
    }

    /// Sets the program of the fanout group `fd` belongs to (PACKET_FANOUT_DATA: one member
    /// sets it for the whole group; a later call replaces it).
    public func install(on fd: Int32) throws(PacketEngineError) {
        let program = instructions.map { clinuxpacket_bpf_insn(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
        let rc = program.withUnsafeBufferPointer {
            clinuxpacket_fanout_program(fd, $0.baseAddress, UInt16(clamping: $0.count))
        }
        guard rc == 0 else { throw .fromErrno("PACKET_FANOUT_DATA", errno) }
    }
}
