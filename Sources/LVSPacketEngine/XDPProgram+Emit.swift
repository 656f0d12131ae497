/// The program's blocks (see `XDPProgram`). Registers: r6 the context for the whole program;
/// while parsing r7 = data, r8 = data_end, r9 = the transport header, r5 = the IP protocol;
/// after parsing r7 = destination port, r8 = source port (host order, 0 for ICMP). The keys
/// are built on the stack while the packet is parsed, so no packet pointer outlives a call.
extension XDPProgram {
    // Offsets in an untagged Ethernet frame.
    static let etherTypeOffset: Int16 = 12
    static let ipOffset: Int32 = 14

    static func emitParse(_ code: inout EBPFAssembler, pass: EBPFAssembler.Label, lookup: EBPFAssembler.Label) {
        let ipv4 = code.makeLabel()
        let ipv6 = code.makeLabel()
        let transport = code.makeLabel()
        let ports = code.makeLabel()
        let icmp = code.makeLabel()
        let icmp6 = code.makeLabel()
        code.move(.r6, .r1)
        code.load(.word, .r7, .r6, 0)  // xdp_md.data
        code.load(.word, .r8, .r6, 4)  // xdp_md.data_end
        code.move(.r1, 0)
        for slot in stride(from: sourceKey, to: 0, by: 8) { code.store(.doubleWord, .r10, slot, .r1) }
        emitBoundsCheck(&code, from: .r7, length: ipOffset, pass: pass)
        code.load(.half, .r3, .r7, etherTypeOffset)
        // EtherTypes as a little-endian load of network-order bytes sees them.
        code.jump(if: .r3, .equal, 0x0008, to: ipv4)
        code.jump(if: .r3, .equal, 0xDD86, to: ipv6)
        code.jump(to: pass)

        // IPv4 (RFC 791): IHL ≥ 5, not a non-first fragment.
        code.place(ipv4)
        emitBoundsCheck(&code, from: .r7, length: ipOffset + 20, pass: pass)
        code.load(.byte, .r3, .r7, 14)
        code.alu(.and, .r3, 0x0F)
        code.jump(if: .r3, .less, 5, to: pass)
        code.load(.half, .r4, .r7, 20)
        code.jump(if: .r4, .bitsSet, 0xFF1F, to: pass)  // fragment offset, as loaded little-endian
        code.load(.byte, .r5, .r7, 23)
        emitKeyCommon(&code, family: 4)
        code.load(.word, .r1, .r7, 30)
        code.store(.word, .r10, destinationKey, .r1)
        code.load(.word, .r1, .r7, 26)
        code.store(.word, .r10, sourceKey, .r1)
        code.alu(.lsh, .r3, 2)
        code.move(.r9, .r7)
        code.alu(.add, .r9, ipOffset)
        code.alu(.add, .r9, .r3)
        code.jump(if: .r5, .equal, 1, to: icmp)
        code.jump(to: transport)

        // IPv6 (RFC 8200): the transport header right after the fixed 40 bytes.
        code.place(ipv6)
        emitBoundsCheck(&code, from: .r7, length: ipOffset + 40, pass: pass)
        code.load(.byte, .r5, .r7, 20)
        emitKeyCommon(&code, family: 6)
        for half: Int16 in [0, 8] {
            code.load(.doubleWord, .r1, .r7, 38 + half)
            code.store(.doubleWord, .r10, destinationKey + half, .r1)
            code.load(.doubleWord, .r1, .r7, 22 + half)
            code.store(.doubleWord, .r10, sourceKey + half, .r1)
        }
        code.move(.r9, .r7)
        code.alu(.add, .r9, ipOffset + 40)
        code.jump(if: .r5, .equal, 58, to: icmp6)

        code.place(transport)
        code.jump(if: .r5, .equal, 6, to: ports)
        code.jump(if: .r5, .equal, 17, to: ports)
        code.jump(if: .r5, .equal, 132, to: ports)
        code.jump(to: pass)

        // Neighbour discovery (RFC 4861, types 133–137) stays with the kernel.
        code.place(icmp6)
        emitBoundsCheck(&code, from: .r9, length: 1, pass: pass)
        code.load(.byte, .r1, .r9, 0)
        code.jump(if: .r1, .less, 133, to: icmp)
        code.jump(if: .r1, .lessOrEqual, 137, to: pass)
        code.place(icmp)
        code.move(.r7, 0)
        code.move(.r8, 0)
        code.jump(to: lookup)

        // TCP, UDP and SCTP all start with source and destination port.
        code.place(ports)
        emitBoundsCheck(&code, from: .r9, length: 4, pass: pass)
        code.load(.half, .r1, .r9, 0)
        code.store(.half, .r10, sourceKey + 16, .r1)
        code.load(.half, .r2, .r9, 2)
        code.store(.half, .r10, destinationKey + 16, .r2)
        code.toBigEndian(.r1, bits: 16)
        code.toBigEndian(.r2, bits: 16)
        code.move(.r8, .r1)
        code.move(.r7, .r2)
    }

    /// `if from + length > data_end goto pass` (the verifier's proof for the loads that follow).
    static func emitBoundsCheck(
        _ code: inout EBPFAssembler, from: EBPFRegister, length: Int32, pass: EBPFAssembler.Label
    ) {
        code.move(.r2, from)
        code.alu(.add, .r2, length)
        code.jump(if: .r2, .greater, .r8, to: pass)
    }

    /// Protocol (r5) and family into both keys.
    static func emitKeyCommon(_ code: inout EBPFAssembler, family: Int32) {
        for key in [destinationKey, sourceKey] {
            code.store(.byte, .r10, key + 18, .r5)
            code.store(.byte, .r10, key + 19, immediate: family)
        }
    }

    static func emitLookups(
        _ code: inout EBPFAssembler, services: Int32, realServers: Int32, redirect: EBPFAssembler.Label
    ) {
        for (map, key, port) in [(services, destinationKey, EBPFRegister.r7), (realServers, sourceKey, .r8)] {
            let next = code.makeLabel()
            emitLookup(&code, map: map, key: key, found: redirect)
            code.store(.half, .r10, key + 16, immediate: 0)
            emitLookup(&code, map: map, key: key, found: redirect)
            code.jump(if: port, .less, 1024, to: next)
            code.store(.byte, .r10, key + 20, immediate: Int32(XDPFlowKey.Kind.everyHighPort.rawValue))
            emitLookup(&code, map: map, key: key, found: redirect)
            code.place(next)
        }
    }

    static func emitLookup(_ code: inout EBPFAssembler, map: Int32, key: Int16, found: EBPFAssembler.Label) {
        code.loadMap(.r1, fd: map)
        code.move(.r2, .r10)
        code.alu(.add, .r2, Int32(key))
        code.call(helperMapLookup)
        code.jump(if: .r0, .notEqual, 0, to: found)
    }

    /// `counters[counter] += 1` on this CPU.
    static func emitCount(_ code: inout EBPFAssembler, _ counter: Counter, counters: Int32) {
        let done = code.makeLabel()
        code.store(.word, .r10, counterKey, immediate: counter.rawValue)
        code.loadMap(.r1, fd: counters)
        code.move(.r2, .r10)
        code.alu(.add, .r2, Int32(counterKey))
        code.call(helperMapLookup)
        code.jump(if: .r0, .equal, 0, to: done)
        code.load(.doubleWord, .r1, .r0, 0)
        code.alu(.add, .r1, 1)
        code.store(.doubleWord, .r0, 0, .r1)
        code.place(done)
    }

    /// `bpf_redirect_map(xsks, rx_queue_index, XDP_PASS)`: the socket of this queue, or the
    /// kernel's stack when the queue has none (counted).
    static func emitRedirect(_ code: inout EBPFAssembler, sockets: Int32, counters: Int32) {
        let failed = code.makeLabel()
        let done = code.makeLabel()
        code.load(.word, .r2, .r6, 16)  // xdp_md.rx_queue_index
        code.loadMap(.r1, fd: sockets)
        code.move(.r3, xdpPass)
        code.call(helperRedirectMap)
        code.move(.r7, .r0)
        code.jump(if: .r7, .notEqual, xdpRedirect, to: failed)
        emitCount(&code, .redirected, counters: counters)
        code.jump(to: done)
        code.place(failed)
        emitCount(&code, .noSocket, counters: counters)
        code.place(done)
        code.move(.r0, .r7)
        code.exit()
    }
}
