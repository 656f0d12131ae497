extension PacketBuilder {
    /// The finished bytes: Ethernet header (if any), IP header with options or extension
    /// headers, transport header, payload; every length and checksum computed.
    public func build() -> [UInt8] {
        let l2 = ethernetHeader?.length ?? 0
        var l3Header = 0
        var extensionBytes: [UInt8] = []
        var firstNextHeader: UInt8 = 0
        let upper = upperProtocol
        switch network {
        case .ipv4(let header, _, _):
            l3Header = header.headerLength
        case .ipv6(_, let extensions):
            l3Header = IPv6Header.length
            (extensionBytes, firstNextHeader) = Self.encode(extensions, upper: upper)
        case nil:
            break
        }
        var transportBytes: [UInt8] = []
        switch transport {
        case .tcp(let header, let options, _):
            transportBytes = Array(repeating: 0, count: header.headerLength)
            transportBytes.replaceSubrange(20..<header.headerLength, with: options)
        case .udp:
            transportBytes = Array(repeating: 0, count: UDPHeader.length)
        case .icmp:
            transportBytes = Array(repeating: 0, count: ICMPHeader.length)
        case .raw, nil:
            break
        }
        let l4Offset = l2 + l3Header + extensionBytes.count
        let l4Length = transportBytes.count + payloadBytes.count
        var frame = [UInt8](repeating: 0, count: l4Offset + l4Length)
        frame.replaceSubrange((l2 + l3Header)..<l4Offset, with: extensionBytes)
        frame.replaceSubrange(l4Offset..<(l4Offset + transportBytes.count), with: transportBytes)
        frame.replaceSubrange((l4Offset + transportBytes.count)..<frame.count, with: payloadBytes)
        frame.withUnsafeMutableBytes { raw in
            let buffer = PacketBuffer(storage: raw, count: raw.count)
            fill(buffer, l2: l2, l4Offset: l4Offset, l4Length: l4Length, firstNextHeader: firstNextHeader, upper: upper)
        }
        if padding && frame.count < 60 { frame += Array(repeating: 0, count: 60 - frame.count) }
        return frame
    }

    private var upperProtocol: UInt8 {
        let ipv6: Bool
        switch network {
        case .ipv6: ipv6 = true
        case .ipv4, nil: ipv6 = false
        }
        switch transport {
        case .tcp: return IPProtocolNumbers.tcp
        case .udp: return IPProtocolNumbers.udp
        case .icmp: return ipv6 ? IPProtocolNumbers.icmpv6 : IPProtocolNumbers.icmp
        case .raw(let number): return number
        case nil: return IPProtocolNumbers.noNextHeader
        }
    }

    private func fill(
        _ buffer: PacketBuffer, l2: Int, l4Offset: Int, l4Length: Int, firstNextHeader: UInt8, upper: UInt8
    ) {
        // The builder writes into a frame it sized itself, so no write below can be out of bounds.
        var source = WireAddress(ipv4: 0)
        var destination = WireAddress(ipv4: 0)
        switch network {
        case .ipv4(var header, let options, let checksum):
            header.offset = l2
            header.totalLength = l4Offset - l2 + l4Length
            header.protocolNumber = upper
            try? buffer.write(options, at: l2 + 20)
            try? header.write(to: buffer)
            if let checksum { try? buffer.setU16(checksum, at: l2 + 10) }
            source = WireAddress(ipv4: header.source)
            destination = WireAddress(ipv4: header.destination)
            ethernetEtherType(buffer, EtherType.ipv4)
        case .ipv6(var header, _):
            header.offset = l2
            header.payloadLength = l4Offset - l2 - IPv6Header.length + l4Length
            header.nextHeader = firstNextHeader
            try? header.write(to: buffer)
            source = header.source
            destination = header.destination
            ethernetEtherType(buffer, EtherType.ipv6)
        case nil:
            ethernetEtherType(buffer, 0)
        }
        let pseudo = InternetChecksum.pseudoHeaderSum(
            source: source, destination: destination, protocolNumber: upper, length: l4Length)
        switch transport {
        case .tcp(var header, _, let checksum):
            header.offset = l4Offset
            try? header.write(to: buffer)
            let value = checksum ?? InternetChecksum.checksum(buffer, at: l4Offset, length: l4Length, initial: pseudo)
            try? buffer.setU16(value, at: l4Offset + TCPHeader.checksumOffset)
        case .udp(var header, let mode):
            header.offset = l4Offset
            header.length = l4Length
            try? header.write(to: buffer)
            let value: UInt16
            switch mode {
            case .computed:
                let computed = InternetChecksum.checksum(buffer, at: l4Offset, length: l4Length, initial: pseudo)
                value = computed == 0 ? 0xFFFF : computed
            case .zero: value = 0
            case .value(let given): value = given
            }
            try? buffer.setU16(value, at: l4Offset + UDPHeader.checksumOffset)
        case .icmp(let type, let code, let rest, let checksum):
            let ipv6 = upper == IPProtocolNumbers.icmpv6
            let header = ICMPHeader(
                offset: l4Offset, isIPv6: ipv6, type: type, code: code, checksum: 0, restOfHeader: rest)
            try? header.write(to: buffer)
            let value =
                checksum
                ?? InternetChecksum.checksum(buffer, at: l4Offset, length: l4Length, initial: ipv6 ? pseudo : 0)
            try? buffer.setU16(value, at: l4Offset + ICMPHeader.checksumOffset)
        case .raw, nil:
            break
        }
    }

    private func ethernetEtherType(_ buffer: PacketBuffer, _ type: UInt16) {
        guard var header = ethernetHeader else { return }
        header.etherType = type
        try? header.write(to: buffer)
    }

    /// Encodes the extension chain; returns its bytes and the fixed header's next-header value.
    static func encode(_ extensions: [IPv6Extension], upper: UInt8) -> ([UInt8], UInt8) {
        var bytes: [UInt8] = []
        var types: [UInt8] = []
        var bodies: [[UInt8]] = []
        for item in extensions {
            switch item {
            case .hopByHop(let length), .destinationOptions(let length):
                let isHopByHop: Bool
                if case .hopByHop = item { isHopByHop = true } else { isHopByHop = false }
                types.append(isHopByHop ? IPProtocolNumbers.hopByHop : IPProtocolNumbers.destinationOptions)
                let size = (Int(length) + 1) * 8
                // PadN option filling the header (RFC 8200 §4.2).
                var body: [UInt8] = [0, length, 1, UInt8(size - 4)]
                body += Array(repeating: 0, count: size - 4)
                bodies.append(body)
            case .routing(let length):
                types.append(IPProtocolNumbers.routing)
                bodies.append([0, length, 4, 0] + Array(repeating: 0, count: Int(length) * 8 + 4))
            case .fragment(let offset, let more, let identification):
                types.append(IPProtocolNumbers.fragment)
                let field = UInt16(truncatingIfNeeded: offset) & 0xFFF8 | (more ? 1 : 0)
                bodies.append([
                    0, 0, UInt8(field >> 8), UInt8(field & 0xFF), UInt8(identification >> 24),
                    UInt8((identification >> 16) & 0xFF), UInt8((identification >> 8) & 0xFF),
                    UInt8(identification & 0xFF),
                ])
            case .authentication(let length):
                types.append(IPProtocolNumbers.authentication)
                bodies.append([0, length] + Array(repeating: 0, count: (Int(length) + 2) * 4 - 2))
            }
        }
        for (index, var body) in bodies.enumerated() {
            body[0] = index + 1 < types.count ? types[index + 1] : upper
            bytes += body
        }
        return (bytes, types.first ?? upper)
    }
}
