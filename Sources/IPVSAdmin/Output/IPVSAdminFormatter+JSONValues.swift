import LVSCore

// The single objects of the `--json` listings (docs/json.md), for callers that compose their own
// documents: the HTTP API serves one service, one real server or a page of connections with the
// same members `lvsadm -L --json` prints.
extension IPVSAdminFormatter {
    /// One element of `services` in `-L --json`; real servers sorted unless `sorted` is false.
    public func jsonValue(service: VirtualServiceSnapshot, sorted: Bool = true) -> JSONValue {
        serviceJSON(service, sorted: sorted)
    }

    /// One element of a service's `real_servers` in `-L --json`.
    public func jsonValue(realServer: RealServerSnapshot) -> JSONValue { realServerJSON(realServer) }

    /// One element of `connections` in `-L -c --json`.
    public func jsonValue(connection: ConnectionSnapshot) -> JSONValue { connectionJSON(connection) }

    /// The services in listing order (reference §2.7) unless `sorted` is false.
    public func ordered(_ services: [VirtualServiceSnapshot], sorted: Bool = true) -> [VirtualServiceSnapshot] {
        orderedServices(services, sorted: sorted)
    }
}

extension IPVSAdminFormatter {
    /// A service's real servers in listing order (reference §2.7) unless `sorted` is false.
    public func orderedRealServers(of service: VirtualServiceSnapshot, sorted: Bool = true) -> [RealServerSnapshot] {
        orderedRealServers(service, sorted: sorted)
    }
}
