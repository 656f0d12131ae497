import CLinuxNet
import Glibc

/// rtnetlink's message types, flags and attribute numbers (<linux/rtnetlink.h>,
/// <linux/if_addr.h>, <linux/if_link.h>), typed as the messages carry them.
enum RouteNetlink {
    static let error = UInt16(NLMSG_ERROR)
    static let done = UInt16(NLMSG_DONE)

    static let request = UInt16(NLM_F_REQUEST)
    static let acknowledge = UInt16(NLM_F_ACK)
    static let create = UInt16(NLM_F_CREATE)
    static let exclusive = UInt16(NLM_F_EXCL)
    static let dump = UInt16(NLM_F_DUMP)

    static let newLink = UInt16(RTM_NEWLINK)
    static let deleteLink = UInt16(RTM_DELLINK)
    static let getLink = UInt16(RTM_GETLINK)
    static let newAddress = UInt16(RTM_NEWADDR)
    static let deleteAddress = UInt16(RTM_DELADDR)
    static let getAddress = UInt16(RTM_GETADDR)

    /// The multicast group bit of link changes (RTMGRP_LINK, group RTNLGRP_LINK).
    static let linkGroup = UInt32(RTMGRP_LINK)
}

/// One request-and-reply exchange on a NETLINK_ROUTE socket: send a message with NLM_F_ACK
/// (or NLM_F_DUMP), collect the replies until the acknowledgement or NLMSG_DONE, and turn a
/// negative acknowledgement into its errno. A socket per exchange: address changes are rare
/// (state transitions), and no sequence state is shared between callers.
enum RouteNetlinkExchange {
    /// Bound on how long a reply may take; the kernel answers at once, so this only turns a
    /// wedged exchange into an error instead of a hang.
    static let replyTimeoutMilliseconds: Int32 = 5000
    static let receiveCapacity = 65536

    /// Sends `request` and returns the data messages of the reply (none for a plain ack).
    static func run(_ request: NetlinkRequest, _ operation: String) throws(VRRPTransportError) -> [NetlinkMessage] {
        let fd = clinuxvrrp_route_netlink_socket(0, 1)
        guard fd >= 0 else { throw .fromErrno("socket(NETLINK_ROUTE) for \(operation)") }
        defer { close(fd) }
        let message = request.finished
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw .fromErrno(operation) }
        var replies: [NetlinkMessage] = []
        var buffer = [UInt8](repeating: 0, count: receiveCapacity)
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, replyTimeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else {
                throw ready == 0 ? .malformed(operation, "no reply from the kernel") : .fromErrno(operation)
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { throw .fromErrno(operation) }
            let messages: [NetlinkMessage]
            do {
                messages = try NetlinkMessage.split(buffer[0..<count])
            } catch {
                throw .malformed(operation, error.reason)
            }
            for message in messages {
                switch message.type {
                case RouteNetlink.error:
                    // struct nlmsgerr: a negative errno (0 for the acknowledgement), then the request's header.
                    guard let code = NetlinkMessage.integer(Int32.self, message.payload) else {
                        throw .malformed(operation, "a truncated acknowledgement")
                    }
                    guard code == 0 else { throw VRRPTransportError(operation, code: -code) }
                    return replies
                case RouteNetlink.done:
                    return replies
                default:
                    replies.append(message)
                }
            }
        }
    }
}
