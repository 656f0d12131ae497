import CLinuxNet

/// Interface states through rtnetlink (RTM_GETLINK by index or by name).
public struct LinkStateReader: LinkStateReading {
    public init() {}

    public func linkState(interfaceIndex: Int32) throws(VRRPTransportError) -> LinkState {
        let request = NetlinkRequest(
            type: RouteNetlink.getLink, flags: RouteNetlink.request | RouteNetlink.acknowledge,
            header: LinkState.header(index: interfaceIndex))
        return try Self.single(request, "RTM_GETLINK ifindex \(interfaceIndex)")
    }

    public func linkState(named name: String) throws(VRRPTransportError) -> LinkState {
        var request = NetlinkRequest(
            type: RouteNetlink.getLink, flags: RouteNetlink.request | RouteNetlink.acknowledge,
            header: LinkState.header(index: 0))
        request.attribute(CLINUXVRRP_IFLA_IFNAME, string: name)
        return try Self.single(request, "RTM_GETLINK \(name)")
    }

    private static func single(_ request: NetlinkRequest, _ operation: String) throws(VRRPTransportError) -> LinkState {
        let replies = try RouteNetlinkExchange.run(request, operation)
        guard let reply = replies.first(where: { $0.type == RouteNetlink.newLink }) else {
            throw .malformed(operation, "no link in the reply")
        }
        do {
            return try LinkState.parse(reply)
        } catch {
            throw .malformed(operation, error.reason)
        }
    }
}
