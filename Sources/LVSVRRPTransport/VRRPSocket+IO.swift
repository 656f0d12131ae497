import CLinuxNet
import Glibc
import LVSCore

extension VRRPSocket {
    /// Larger than any advertisement (IPv6 with 255 addresses is 4088 bytes of VRRP), so
    /// MSG_TRUNC only marks something that is not one.
    static let receiveCapacity = 9216
    /// Room for IP(V6)_PKTINFO and the TTL/hop limit messages.
    static let controlCapacity = 256

    /// Sends one packet to `destination` (IPv4: `sendto` of the codec's whole packet; IPv6:
    /// `sendmsg` with IPV6_PKTINFO naming this interface and the configured source, so the
    /// kernel writes that source in the header).
    public func send(_ packet: [UInt8], to destination: IPAddress) throws(VRRPTransportError) {
        guard destination.family == configuration.family else {
            throw .malformed("send to \(destination)", "not of the socket's family")
        }
        let sent: Int
        switch configuration.family {
        case .inet:
            sent = packet.withUnsafeBytes { bytes in
                SocketAddress.withSockaddr(destination) { address, length in
                    sendto(fileDescriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
        case .inet6:
            sent = sendIPv6(packet, to: destination)
        }
        guard sent >= 0 else { throw .fromErrno("send \(packet.count) bytes to \(destination)") }
    }

    private func sendIPv6(_ packet: [UInt8], to destination: IPAddress) -> Int {
        let infoSize = MemoryLayout<clinuxvrrp_in6_pktinfo>.size
        let space = clinuxvrrp_cmsg_space(infoSize)
        var info = clinuxvrrp_in6_pktinfo()
        info.ifindex = UInt32(bitPattern: interfaceIndex)
        if let source = configuration.source {
            withUnsafeMutableBytes(of: &info.address) { $0.copyBytes(from: source.bytes) }
        }
        return packet.withUnsafeBytes { bytes in
            SocketAddress.withSockaddr(destination, scopeID: UInt32(bitPattern: interfaceIndex)) { address, length in
                withUnsafeTemporaryAllocation(byteCount: space, alignment: 8) { control in
                    control.initializeMemory(as: UInt8.self, repeating: 0)
                    var vector = iovec(
                        iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr(
                            msg_name: UnsafeMutableRawPointer(mutating: address), msg_namelen: length,
                            msg_iov: vectorPointer, msg_iovlen: 1, msg_control: control.baseAddress,
                            msg_controllen: space, msg_flags: 0)
                        guard let header = clinuxvrrp_cmsg_first(&message) else { return -1 }
                        header.pointee.cmsg_level = Int32(IPPROTO_IPV6)
                        header.pointee.cmsg_type = CLINUXVRRP_IPV6_PKTINFO
                        header.pointee.cmsg_len = clinuxvrrp_cmsg_len(infoSize)
                        UnsafeMutableRawPointer(clinuxvrrp_cmsg_data(header)).storeBytes(
                            of: info, as: clinuxvrrp_in6_pktinfo.self)
                        return sendmsg(fileDescriptor, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
        }
    }

    /// The next queued packet with its source, destination, TTL/hop limit and interface, or nil
    /// when none is waiting (EAGAIN). A packet without the ancillary data the socket asked for,
    /// or larger than any advertisement, throws.
    public func receive() throws(VRRPTransportError) -> VRRPReceivedDatagram? {
        var buffer = [UInt8](repeating: 0, count: Self.receiveCapacity)
        var name = sockaddr_storage()
        var facts = ReceivedFacts()
        let count: Int = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &name) { namePointer in
                withUnsafeTemporaryAllocation(byteCount: Self.controlCapacity, alignment: 8) { control in
                    var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr(
                            msg_name: UnsafeMutableRawPointer(namePointer),
                            msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size), msg_iov: vectorPointer,
                            msg_iovlen: 1, msg_control: control.baseAddress, msg_controllen: control.count,
                            msg_flags: 0)
                        var result: Int
                        repeat { result = recvmsg(fileDescriptor, &message, 0) } while result < 0 && errno == EINTR
                        if result >= 0 {
                            facts.truncated = message.msg_flags & Int32(MSG_TRUNC) != 0
                            facts.read(&message)
                        }
                        return result
                    }
                }
            }
        }
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw .fromErrno("recvmsg on \(configuration.interfaceName)")
        }
        let operation = "receive on \(configuration.interfaceName)"
        guard !facts.truncated else { throw .malformed(operation, "a packet larger than \(count) bytes") }
        guard let source = SocketAddress.address(of: name) else { throw .malformed(operation, "no source address") }
        guard let destination = facts.destination, let hopLimit = facts.hopLimit, let index = facts.interfaceIndex
        else { throw .malformed(operation, "no packet information or TTL in the ancillary data") }
        return VRRPReceivedDatagram(
            bytes: Array(buffer[0..<count]), source: source, destination: destination, hopLimit: hopLimit,
            interfaceIndex: index)
    }

    /// Waits at most `timeoutMilliseconds` for a packet (poll), for tests and tools; the daemon
    /// polls `fileDescriptor` itself and calls `receive()`.
    public func receive(timeoutMilliseconds: Int32) throws(VRRPTransportError) -> VRRPReceivedDatagram? {
        var remaining = timeoutMilliseconds
        let deadline = clinuxnet_monotonic_ns() + UInt64(max(timeoutMilliseconds, 0)) * 1_000_000
        while true {
            if let packet = try receive() { return packet }
            var entry = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, remaining)
            if ready < 0 && errno != EINTR { throw .fromErrno("poll on \(configuration.interfaceName)") }
            let now = clinuxnet_monotonic_ns()
            guard now < deadline else { return try receive() }
            remaining = Int32((deadline - now) / 1_000_000)
        }
    }
}

/// What the ancillary data of one received packet said.
struct ReceivedFacts {
    var destination: IPAddress?
    var hopLimit: UInt8?
    var interfaceIndex: Int32?
    var truncated = false

    /// Reads IP_PKTINFO / IP_TTL (IPv4) and IPV6_PKTINFO / IPV6_HOPLIMIT (IPv6).
    mutating func read(_ message: inout msghdr) {
        var cursor = clinuxvrrp_cmsg_first(&message)
        while let header = cursor {
            let data = UnsafeRawPointer(clinuxvrrp_cmsg_data(header)!)
            let length = Int(header.pointee.cmsg_len) - Int(clinuxvrrp_cmsg_len(0))
            switch (header.pointee.cmsg_level, header.pointee.cmsg_type) {
            case (Int32(IPPROTO_IP), CLINUXVRRP_IP_PKTINFO) where length >= MemoryLayout<clinuxvrrp_in_pktinfo>.size:
                let info = data.loadUnaligned(as: clinuxvrrp_in_pktinfo.self)
                interfaceIndex = info.ifindex
                destination = IPAddress(ipv4: UInt32(bigEndian: info.destination))
            case (Int32(IPPROTO_IP), CLINUXVRRP_IP_TTL) where length >= 4:
                hopLimit = UInt8(truncatingIfNeeded: data.loadUnaligned(as: Int32.self))
            case (Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_PKTINFO)
            where length >= MemoryLayout<clinuxvrrp_in6_pktinfo>.size:
                let info = data.loadUnaligned(as: clinuxvrrp_in6_pktinfo.self)
                interfaceIndex = Int32(bitPattern: info.ifindex)
                destination = IPAddress(bytes: withUnsafeBytes(of: info.address) { Array($0) })
            case (Int32(IPPROTO_IPV6), CLINUXVRRP_IPV6_HOPLIMIT) where length >= 4:
                hopLimit = UInt8(truncatingIfNeeded: data.loadUnaligned(as: Int32.self))
            default:
                break
            }
            cursor = clinuxvrrp_cmsg_next(&message, header)
        }
    }
}
