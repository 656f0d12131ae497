import CLinuxNet
import Glibc

/// The XDP program the engine attaches to each interface with `--packet-io xdp`
/// (docs/design/0026-af-xdp.md), generated as eBPF bytecode by `EBPFAssembler`.
///
/// It parses Ethernet (untagged: a VLAN-tagged frame is passed), IPv4 (not a non-first
/// fragment) and IPv6 (TCP, UDP or SCTP right after the fixed header, or ICMPv6), and
/// redirects to the AF_XDP socket of the frame's receive queue (`xsks[rx_queue_index]`) the
/// frames the director owns:
/// - destination (address, port, protocol) in `services` (exact port, then port 0, then the
///   "every port ≥ 1024" kind of FTP data ports; ICMP with port 0);
/// - source (address, port, protocol) in `realServers` (masqueraded replies, same order).
/// Everything else, IPv6 neighbour discovery (ICMPv6 types 133–137) included, is passed to
/// the kernel's stack. The per-CPU `counters` map counts passed, redirected and
/// "owned but no socket on this queue" (passed) frames (`XDPProgram.Counter`).
public struct XDPProgram: Sendable {
    /// The per-CPU counter slots the program increments.
    public enum Counter: Int32, Sendable, CaseIterable {
        case passed = 0
        case redirected = 1
        case noSocket = 2
    }

    public let instructions: [EBPFInstruction]

    // Helper function ids (include/uapi/linux/bpf.h, __BPF_FUNC_MAPPER order).
    static let helperMapLookup: Int32 = 1
    static let helperRedirectMap: Int32 = 51
    // XDP verdicts (enum xdp_action).
    static let xdpPass: Int32 = 2
    static let xdpRedirect: Int32 = 4
    // Stack layout below the frame pointer: the destination key, the source key, the counter key.
    static let destinationKey: Int16 = -24
    static let sourceKey: Int16 = -48
    static let counterKey: Int16 = -52

    /// The program for maps with these fds (embedded as BPF_PSEUDO_MAP_FD immediates).
    public init(services: Int32, realServers: Int32, sockets: Int32, counters: Int32) throws(PacketEngineError) {
        var code = EBPFAssembler()
        let pass = code.makeLabel()
        let redirect = code.makeLabel()
        let lookup = code.makeLabel()
        Self.emitParse(&code, pass: pass, lookup: lookup)
        code.place(lookup)
        Self.emitLookups(&code, services: services, realServers: realServers, redirect: redirect)
        code.place(pass)
        Self.emitCount(&code, .passed, counters: counters)
        code.move(.r0, Self.xdpPass)
        code.exit()
        code.place(redirect)
        Self.emitRedirect(&code, sockets: sockets, counters: counters)
        do {
            instructions = try code.assemble()
        } catch {
            throw .xdp("the generated program does not assemble: \(error)")
        }
    }

    /// Loads the program (BPF_PROG_LOAD); a rejection carries the verifier's log.
    public func load() throws(PacketEngineError) -> Int32 {
        let raw = instructions.map { instruction in
            let b = instruction.bytes
            return clinuxxdp_insn(bytes: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]))
        }
        var log = [CChar](repeating: 0, count: 1 << 16)
        let fd = raw.withUnsafeBufferPointer { program in
            log.withUnsafeMutableBufferPointer {
                clinuxxdp_prog_load(program.baseAddress, UInt32(program.count), $0.baseAddress, UInt32($0.count))
            }
        }
        guard fd >= 0 else {
            let code = errno
            let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if code == EPERM || code == EACCES, text.isEmpty { throw .notPermitted("BPF_PROG_LOAD") }
            let reason = String(cString: strerror(code))
            throw .xdp("the kernel refused the program (\(reason)); verifier log:\n\(text)")
        }
        return fd
    }
}
