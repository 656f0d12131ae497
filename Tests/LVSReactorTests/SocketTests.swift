import CLinuxNet
import Glibc
import LVSCore
import Testing

@testable import LVSReactor

@Suite struct SocketAddressTests {
    @Test func ipv4RoundTrip() {
        let address = SocketAddress(IPAddress(ipv4: 0x0A00_0102), port: 8080)
        #expect(address.family == .inet)
        #expect(address.ip == IPAddress(ipv4: 0x0A00_0102))
        #expect(address.port == 8080)
        #expect(address.description == "10.0.1.2:8080")
        guard case .v4(let sin) = address else {
            Issue.record("not IPv4")
            return
        }
        #expect(sin.sin_port == UInt16(8080).bigEndian)
        #expect(sin.sin_addr.s_addr == UInt32(0x0A00_0102).bigEndian)
    }

    @Test func ipv6RoundTrip() {
        let ip = IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 0x0000_0000_0000_0042)
        let address = SocketAddress(ip, port: 443)
        #expect(address.family == .inet6)
        #expect(address.ip == ip)
        #expect(address.port == 443)
        #expect(address.description == "[2001:db8::42]:443")
        #expect(SocketAddress.loopbackIPv6(port: 1).description == "[::1]:1")
        #expect(address == SocketAddress(ip, port: 443))
        #expect(address != SocketAddress(ip, port: 444))
    }

    @Test func readsKernelSockaddrsAndRejectsOtherFamilies() {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(53).bigEndian
        sin.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let parsed = withUnsafeBytes(of: &sin) { SocketAddress($0.baseAddress!, length: socklen_t($0.count)) }
        #expect(parsed == .loopbackIPv4(port: 53))
        let truncated = withUnsafeBytes(of: &sin) { SocketAddress($0.baseAddress!, length: 4) }
        #expect(truncated == nil)
        var unix = sockaddr_un()
        unix.sun_family = sa_family_t(AF_UNIX)
        let other = withUnsafeBytes(of: &unix) { SocketAddress($0.baseAddress!, length: socklen_t($0.count)) }
        #expect(other == nil)
    }
}

@Suite struct SocketTests {
    @Test func epollBitsMatchTheKernelHeaders() {
        #expect(ReactorInterest.readable.rawValue == CLINUXNET_EPOLLIN)
        #expect(ReactorInterest.writable.rawValue == CLINUXNET_EPOLLOUT)
        #expect(ReactorInterest.readHangup.rawValue == CLINUXNET_EPOLLRDHUP)
        #expect(ReactorInterest.edgeTriggered.rawValue == CLINUXNET_EPOLLET)
        #expect(Readiness.error.rawValue == CLINUXNET_EPOLLERR)
        #expect(Readiness.hangup.rawValue == CLINUXNET_EPOLLHUP)
        #expect(clinuxnet_epoll_event_size() == 12)  // packed on x86_64
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 24, alignment: 8)
        defer { buffer.deallocate() }
        clinuxnet_epoll_event_set(buffer, 1, 0x8000_2005, 0x0102_0304_0506_0708)
        #expect(clinuxnet_epoll_event_events(buffer, 1) == 0x8000_2005)
        #expect(clinuxnet_epoll_event_data(buffer, 1) == 0x0102_0304_0506_0708)
    }

    @Test func nonBlockingConnectAcceptTCPInfoAndErrors() throws {
        let listener = try Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0)))
        defer { close(listener) }
        let address = try Socket.localAddress(listener)
        #expect(address.ip == IPAddress(ipv4: 0x7F00_0001))
        #expect(address.port != 0)
        #expect(Socket.accept(listener) == .wouldBlock)

        let connect = try Socket.connect(to: address)
        defer { close(connect.fd) }
        // Loopback connects usually finish at once; either way the handshake is done before
        // accept can return the connection, and SO_ERROR then reads 0.
        var pollFD = pollfd(fd: connect.fd, events: Int16(POLLOUT), revents: 0)
        #expect(poll(&pollFD, 1, 5000) == 1)
        #expect(Socket.pendingError(connect.fd) == 0)

        var listenerPoll = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&listenerPoll, 1, 5000) == 1)
        guard case .accepted(let server, let peer) = Socket.accept(listener) else {
            Issue.record("no connection to accept")
            return
        }
        defer { close(server) }
        #expect(peer == (try Socket.localAddress(connect.fd)))
        #expect(try Socket.peerAddress(server) == peer)
        #expect(fcntl(server, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(server, F_GETFD) & FD_CLOEXEC != 0)

        let hello: [UInt8] = Array("hello, director".utf8)
        #expect(hello.withUnsafeBytes { Socket.write(connect.fd, from: $0) } == .transferred(15))
        var serverPoll = pollfd(fd: server, events: Int16(POLLIN), revents: 0)
        #expect(poll(&serverPoll, 1, 5000) == 1)
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(buffer.withUnsafeMutableBytes { Socket.read(server, into: $0) } == .transferred(15))
        #expect(buffer.withUnsafeMutableBytes { Socket.read(server, into: $0) } == .wouldBlock)
        let info = try Socket.tcpInfo(server)
        #expect(info.state == 1)  // TCP_ESTABLISHED
        #expect(info.bytesReceived == 15)
        #expect(info.segmentsIn >= 2)  // the handshake's ACK and the data

        try Socket.shutdownWrite(connect.fd)
        #expect(poll(&serverPoll, 1, 5000) == 1)
        #expect(buffer.withUnsafeMutableBytes { Socket.read(server, into: $0) } == .endOfFile)
    }

    @Test func connectToAClosedPortFails() throws {
        let listener = try Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0)))
        let address = try Socket.localAddress(listener)
        close(listener)
        do {
            let result = try Socket.connect(to: address)
            defer { close(result.fd) }
            var pollFD = pollfd(fd: result.fd, events: Int16(POLLOUT), revents: 0)
            #expect(poll(&pollFD, 1, 5000) == 1)
            #expect(Socket.pendingError(result.fd) == ECONNREFUSED)
        } catch {
            #expect(error.errno == ECONNREFUSED)
            #expect(error.function == "connect")
            #expect(error.description == "connect: Connection refused (errno \(ECONNREFUSED))")
        }
    }

    @Test func peerCredentialsOfAUnixSocket() throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, CLINUXNET_SOCK_STREAM, 0, &pair) == 0)
        defer { for fd in pair { close(fd) } }
        let credentials = try Socket.peerCredentials(pair[0])
        #expect(credentials == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
        #expect(throws: SystemError(errno: EBADF, function: "getsockopt(SO_PEERCRED)")) {
            try Socket.peerCredentials(-1)
        }
    }

    @Test func listenerOnABusyPortWithoutReusePortFails() throws {
        let first = try Socket.makeTCPListener(TCPListenerOptions(address: .loopbackIPv4(port: 0), reusePort: false))
        defer { close(first) }
        let address = try Socket.localAddress(first)
        #expect(throws: SystemError(errno: EADDRINUSE, function: "bind")) {
            try Socket.makeTCPListener(TCPListenerOptions(address: address, reusePort: false))
        }
    }

    @Test func udpBatchSendAndReceive() throws {
        let receiver = try Socket.makeUDPSocket(
            UDPSocketOptions(address: .loopbackIPv4(port: 0), receivePacketInfo: true))
        defer { close(receiver) }
        let address = try Socket.localAddress(receiver)
        let sender = try Socket.makeUDPSocket(UDPSocketOptions(address: .loopbackIPv4(port: 0), reusePort: false))
        defer { close(sender) }
        let target = address

        // Three datagrams in one sendmmsg, all to `target`.
        let payloads: [[UInt8]] = [[1], [2, 2], [3, 3, 3]]
        var storage = payloads
        var iovecs = [iovec](repeating: iovec(), count: 3)
        var messages = [clinuxnet_mmsghdr](repeating: clinuxnet_mmsghdr(), count: 3)
        let sent = try target.withSockAddr { (name, length) throws -> Int in
            try storage.withUnsafeMutableBufferPointer { (bufs) throws -> Int in
                for index in 0..<3 {
                    iovecs[index] = iovec(
                        iov_base: bufs[index].withUnsafeMutableBytes { $0.baseAddress }, iov_len: bufs[index].count)
                }
                return try iovecs.withUnsafeMutableBufferPointer { (vectors) throws -> Int in
                    for index in 0..<3 {
                        messages[index].msg_hdr.msg_name = UnsafeMutableRawPointer(mutating: name)
                        messages[index].msg_hdr.msg_namelen = length
                        messages[index].msg_hdr.msg_iov = vectors.baseAddress! + index
                        messages[index].msg_hdr.msg_iovlen = 1
                    }
                    return try messages.withUnsafeMutableBufferPointer {
                        try Socket.sendMessages(sender, $0.baseAddress!, count: 3)
                    }
                }
            }
        }
        #expect(sent == 3)

        var pollFD = pollfd(fd: receiver, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pollFD, 1, 5000) == 1)
        var inbox = [[UInt8]](repeating: [UInt8](repeating: 0, count: 16), count: 4)
        var received = 0
        var lengths: [UInt32] = []
        try inbox.withUnsafeMutableBufferPointer { (bufs) throws in
            var receiveVectors = (0..<4).map {
                iovec(iov_base: bufs[$0].withUnsafeMutableBytes { $0.baseAddress }, iov_len: 16)
            }
            var receiveMessages = [clinuxnet_mmsghdr](repeating: clinuxnet_mmsghdr(), count: 4)
            try receiveVectors.withUnsafeMutableBufferPointer { (vectors) throws in
                for index in 0..<4 {
                    receiveMessages[index].msg_hdr.msg_iov = vectors.baseAddress! + index
                    receiveMessages[index].msg_hdr.msg_iovlen = 1
                }
                // All three may not be queued yet at the first call; collect up to three.
                while received < 3 {
                    let count = try receiveMessages.withUnsafeMutableBufferPointer {
                        try Socket.receiveMessages(receiver, $0.baseAddress! + received, count: 4 - received)
                    }
                    if count == 0 {
                        var again = pollfd(fd: receiver, events: Int16(POLLIN), revents: 0)
                        guard poll(&again, 1, 5000) == 1 else { break }
                        continue
                    }
                    received += count
                }
                lengths = receiveMessages.prefix(received).map(\.msg_len)
            }
        }
        #expect(received == 3)
        #expect(lengths == [1, 2, 3])
        #expect(Array(inbox[2].prefix(3)) == [3, 3, 3])
    }
}
