import CLinuxNet
import Glibc
import LVSCore

/// A classic BPF program (SO_ATTACH_FILTER) that admits to the rings only the frames the
/// engine needs: ARP and IPv6 neighbour discovery (for learning neighbours), packets to an
/// owned VIP:port, replies from masquerading real servers, and ICMP to a VIP or from a
/// masquerading real server, and ICMP errors quoting an IP-in-IP packet (errors about the
/// director's tunnelled packets, reference §5.6): the errors to relay. Everything else stays
/// out of user space.
///
/// The program is a sequence of independent blocks; each checks one condition and returns
/// "accept" or falls through to the next block (classic BPF jumps only forward, at most 255
/// instructions, so blocks are kept short and self-contained). Offsets assume an untagged
/// Ethernet header: AF_PACKET delivers VLAN tags out of band.
public struct BPFProgram: Sendable, Hashable {
    /// One instruction: `code`, jump-if-true, jump-if-false, constant.
    public struct Instruction: Sendable, Hashable {
        public var code: UInt16
        public var jt: UInt8
        public var jf: UInt8
        public var k: UInt32
    }

    public private(set) var instructions: [Instruction] = []

    /// Bytes to keep of an accepted frame (the whole frame).
    static let acceptLength: UInt32 = 0x40000

    // Opcodes (linux/filter.h).
    static let loadHalf: UInt16 = 0x28  // BPF_LD | BPF_H | BPF_ABS
    static let loadWord: UInt16 = 0x20  // BPF_LD | BPF_W | BPF_ABS
    static let loadByte: UInt16 = 0x30  // BPF_LD | BPF_B | BPF_ABS
    static let loadIPv4HeaderLength: UInt16 = 0xB1  // BPF_LDX | BPF_B | BPF_MSH
    static let loadHalfIndexed: UInt16 = 0x48  // BPF_LD | BPF_H | BPF_IND
    static let loadByteIndexed: UInt16 = 0x50  // BPF_LD | BPF_B | BPF_IND
    static let jumpEqual: UInt16 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    static let jumpSet: UInt16 = 0x45  // BPF_JMP | BPF_JSET | BPF_K
    static let jumpGreaterOrEqual: UInt16 = 0x35  // BPF_JMP | BPF_JGE | BPF_K
    static let returnConstant: UInt16 = 0x06  // BPF_RET | BPF_K

    /// The filter for `plan`.
    public init(_ plan: ForwardingPlan) {
        appendEtherType(0x0806)
        appendNeighbourDiscovery()
        for service in plan.services {
            appendMatch(
                address: service.address, source: false, protocolNumber: service.protocolNumber.rawValue,
                port: service.port)
            appendMatch(address: service.address, source: false, protocolNumber: Self.icmp(service.address), port: 0)
        }
        for server in plan.natSources {
            appendMatch(
                address: server.address, source: true, protocolNumber: server.protocolNumber.rawValue,
                port: server.port)
            appendMatch(address: server.address, source: true, protocolNumber: Self.icmp(server.address), port: 0)
        }
        // FTP data connections of masqueraded FTP services (docs/design/0016-ftp-helper.md).
        for ports in plan.ftpDataPorts {
            appendMatch(
                address: ports.address, source: ports.isSource, protocolNumber: IPProtocolNumber.tcp.rawValue,
                port: ports.activePort, orFrom: ForwardingPlan.FTPDataPorts.lowest)
        }
        if !plan.services.isEmpty { appendTunnelErrors() }
        instructions.append(Instruction(code: Self.returnConstant, jt: 0, jf: 0, k: 0))
    }

    static func icmp(_ address: IPAddress) -> UInt8 { address.family == .inet ? 1 : 58 }

    /// Attaches the program to a packet socket (replacing any earlier one).
    public func attach(to fd: Int32) throws(PacketEngineError) {
        let program = instructions.map { clinuxpacket_bpf_insn(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
        let rc = program.withUnsafeBufferPointer {
            clinuxpacket_attach_filter(fd, $0.baseAddress, UInt16(clamping: $0.count))
        }
        guard rc == 0 else { throw .fromErrno("SO_ATTACH_FILTER", errno) }
    }

    /// Runs the program over `frame` (an interpreter for the opcodes this type emits), for tests:
    /// returns the accepted length, 0 for a rejected frame.
    public func run(_ frame: [UInt8]) -> UInt32 {
        var a: UInt32 = 0
        var x: UInt32 = 0
        var pc = 0
        func byte(_ i: Int) -> UInt32? { i >= 0 && i < frame.count ? UInt32(frame[i]) : nil }
        while pc < instructions.count {
            let i = instructions[pc]
            switch i.code {
            case Self.loadByte, Self.loadByteIndexed:
                let at = Int(i.k) + (i.code == Self.loadByteIndexed ? Int(x) : 0)
                guard let v = byte(at) else { return 0 }
                a = v
            case Self.loadHalf, Self.loadHalfIndexed:
                let at = Int(i.k) + (i.code == Self.loadHalfIndexed ? Int(x) : 0)
                guard let b0 = byte(at), let b1 = byte(at + 1) else { return 0 }
                a = b0 << 8 | b1
            case Self.loadWord:
                let at = Int(i.k)
                guard let b0 = byte(at), let b1 = byte(at + 1), let b2 = byte(at + 2), let b3 = byte(at + 3) else {
                    return 0
                }
                a = b0 << 24 | b1 << 16 | b2 << 8 | b3
            case Self.loadIPv4HeaderLength:
                guard let v = byte(Int(i.k)) else { return 0 }
                x = (v & 0x0F) * 4
            case Self.jumpEqual:
                pc += Int(a == i.k ? i.jt : i.jf)
            case Self.jumpSet:
                pc += Int(a & i.k != 0 ? i.jt : i.jf)
            case Self.jumpGreaterOrEqual:
                pc += Int(a >= i.k ? i.jt : i.jf)
            case Self.returnConstant:
                return i.k
            default:
                return 0
            }
            pc += 1
        }
        return 0
    }

    // MARK: - Blocks

    /// Builds one block from (instruction, jumps-out-on-false) pairs: a false condition jumps to
    /// the first instruction after the block's final "accept".
    /// `acceptWhenTrue` steps jump straight to the block's "accept" when their condition holds.
    private mutating func appendBlock(
        _ steps: [(code: UInt16, k: UInt32, exitWhen: Bool?)], acceptWhenTrue: Set<Int> = []
    ) {
        let length = steps.count + 1
        for (index, step) in steps.enumerated() {
            let toExit = UInt8(clamping: length - index - 1)
            if acceptWhenTrue.contains(index) {
                instructions.append(Instruction(code: step.code, jt: toExit - 1, jf: 0, k: step.k))
                continue
            }
            switch step.exitWhen {
            case nil: instructions.append(Instruction(code: step.code, jt: 0, jf: 0, k: step.k))
            case false?: instructions.append(Instruction(code: step.code, jt: 0, jf: toExit, k: step.k))
            case true?: instructions.append(Instruction(code: step.code, jt: toExit, jf: 0, k: step.k))
            }
        }
        instructions.append(Instruction(code: Self.returnConstant, jt: 0, jf: 0, k: Self.acceptLength))
    }

    private mutating func appendEtherType(_ type: UInt32) {
        appendBlock([(Self.loadHalf, 12, nil), (Self.jumpEqual, type, false)])
    }

    /// ICMPv6 neighbour solicitations and advertisements (no extension headers).
    private mutating func appendNeighbourDiscovery() {
        for type: UInt32 in [135, 136] {
            appendBlock([
                (Self.loadHalf, 12, nil), (Self.jumpEqual, 0x86DD, false),
                (Self.loadByte, 20, nil), (Self.jumpEqual, 58, false),
                (Self.loadByte, 54, nil), (Self.jumpEqual, type, false),
            ])
        }
    }

    /// ICMP and ICMPv6 messages whose quoted packet is IPv4 or IPv6 carrying protocol 4 or 41
    /// (IP-in-IP): errors about the director's tunnelled packets. The engine checks the rest
    /// (an error type, addressed to the director, quoting its own address); the kernel keeps
    /// its copy (the nft table does not drop these) and updates its path MTU with it.
    private mutating func appendTunnelErrors() {
        for inner: UInt32 in [4, 41] {
            // IPv4: quoted protocol at Ethernet 14 + IHL + ICMP 8 + 9; no non-first fragments.
            appendBlock([
                (Self.loadHalf, 12, nil), (Self.jumpEqual, 0x0800, false),
                (Self.loadByte, 23, nil), (Self.jumpEqual, 1, false),
                (Self.loadHalf, 20, nil), (Self.jumpSet, 0x1FFF, true),
                (Self.loadIPv4HeaderLength, 14, nil),
                (Self.loadByteIndexed, 14 + 8 + 9, nil), (Self.jumpEqual, inner, false),
            ])
            // IPv6 without extension headers: quoted next header at 14 + 40 + 8 + 6.
            appendBlock([
                (Self.loadHalf, 12, nil), (Self.jumpEqual, 0x86DD, false),
                (Self.loadByte, 20, nil), (Self.jumpEqual, 58, false),
                (Self.loadByte, 14 + 40 + 8 + 6, nil), (Self.jumpEqual, inner, false),
            ])
        }
    }

    /// Frames whose source (or destination) is `address`, of `protocolNumber`, with that source
    /// (destination) port unless `port` is 0 or the protocol is ICMP; with `orFrom`, also any
    /// port from that one up (an FTP service's data ports).
    private mutating func appendMatch(
        address: IPAddress, source: Bool, protocolNumber: UInt8, port: UInt16, orFrom lowest: UInt16? = nil
    ) {
        let checksPort = port != 0 && protocolNumber != 1 && protocolNumber != 58
        var steps: [(code: UInt16, k: UInt32, exitWhen: Bool?)] = []
        switch address.family {
        case .inet:
            steps += [(Self.loadHalf, 12, nil), (Self.jumpEqual, 0x0800, false)]
            steps += [(Self.loadWord, source ? 26 : 30, nil), (Self.jumpEqual, address.ipv4Value, false)]
            steps += [(Self.loadByte, 23, nil), (Self.jumpEqual, UInt32(protocolNumber), false)]
            if checksPort {
                // Non-first fragments carry no ports: leave them to the kernel.
                steps += [(Self.loadHalf, 20, nil), (Self.jumpSet, 0x1FFF, true)]
                steps += [(Self.loadIPv4HeaderLength, 14, nil)]
                steps += [(Self.loadHalfIndexed, source ? 14 : 16, nil)]
            }
        case .inet6:
            steps += [(Self.loadHalf, 12, nil), (Self.jumpEqual, 0x86DD, false)]
            let base: UInt32 = source ? 22 : 38
            let words = [
                UInt32(truncatingIfNeeded: address.high >> 32), UInt32(truncatingIfNeeded: address.high),
                UInt32(truncatingIfNeeded: address.low >> 32), UInt32(truncatingIfNeeded: address.low),
            ]
            for (index, word) in words.enumerated() {
                steps += [(Self.loadWord, base + UInt32(index * 4), nil), (Self.jumpEqual, word, false)]
            }
            steps += [(Self.loadByte, 20, nil), (Self.jumpEqual, UInt32(protocolNumber), false)]
            if checksPort {
                steps += [(Self.loadHalf, source ? 54 : 56, nil)]
            }
        }
        guard checksPort else { return appendBlock(steps) }
        guard let lowest else {
            steps += [(Self.jumpEqual, UInt32(port), false)]
            return appendBlock(steps)
        }
        steps += [(Self.jumpEqual, UInt32(port), nil), (Self.jumpGreaterOrEqual, UInt32(lowest), false)]
        appendBlock(steps, acceptWhenTrue: [steps.count - 2])
    }
}
