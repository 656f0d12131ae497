import CLinuxNet
import Glibc

/// A NETLINK_ROUTE socket subscribed to RTNLGRP_LINK (rtnetlink(7)): every change of every
/// interface in this network namespace arrives as RTM_NEWLINK / RTM_DELLINK. Non-blocking and
/// close-on-exec; closed when the object goes. Immutable after `init`, hence Sendable.
public final class LinkMonitor: LinkEventSource {
    public let fileDescriptor: Int32
    static let receiveCapacity = 65536

    public init() throws(VRRPTransportError) {
        let fd = clinuxvrrp_route_netlink_socket(RouteNetlink.linkGroup, 1)
        guard fd >= 0 else { throw .fromErrno("socket(NETLINK_ROUTE, RTMGRP_LINK)") }
        fileDescriptor = fd
    }

    deinit { close(fileDescriptor) }

    /// Every event queued now (empty when none). ENOBUFS means the kernel dropped events
    /// because the socket overflowed: the caller must read the state of every tracked
    /// interface again (`LinkStateReader`).
    public func readEvents() throws(VRRPTransportError) -> [LinkEvent] {
        var events: [LinkEvent] = []
        var buffer = [UInt8](repeating: 0, count: Self.receiveCapacity)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return events }
                throw .fromErrno("recv on the link monitor")
            }
            do {
                for message in try NetlinkMessage.split(buffer[0..<count]) {
                    switch message.type {
                    case RouteNetlink.newLink:
                        events.append(LinkEvent(state: try LinkState.parse(message), removed: false))
                    case RouteNetlink.deleteLink:
                        events.append(LinkEvent(state: try LinkState.parse(message), removed: true))
                    default:
                        continue
                    }
                }
            } catch {
                throw .malformed("link monitor", error.reason)
            }
        }
    }
}
