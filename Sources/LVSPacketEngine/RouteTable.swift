import LVSCore

/// Routes through the engine's interfaces (longest prefix wins, then lowest metric), read from
/// /proc/net/route and /proc/net/ipv6_route and completed by the interfaces' connected
/// prefixes. The engine writes frames itself, so it needs the next hop and the interface.
public struct RouteTable: Sendable, Hashable {
    public struct Route: Sendable, Hashable {
        public var destination: Prefix
        /// nil for a directly connected destination.
        public var gateway: IPAddress?
        /// Position of the interface in the engine's interface list.
        public var interface: Int
        public var metric: UInt32

        public init(destination: Prefix, gateway: IPAddress?, interface: Int, metric: UInt32 = 0) {
            self.destination = destination
            self.gateway = gateway
            self.interface = interface
            self.metric = metric
        }
    }

    public private(set) var routes: [Route]

    public init(routes: [Route]) {
        // Longest prefix first, then lowest metric: lookup takes the first match.
        self.routes = routes.sorted {
            ($0.destination.length, UInt32.max - $0.metric) > ($1.destination.length, UInt32.max - $1.metric)
        }
    }

    /// The interface and next hop (the gateway, or `address` itself when on-link).
    public func lookup(_ address: IPAddress) -> (interface: Int, nextHop: IPAddress)? {
        for route in routes where route.destination.contains(address) {
            return (route.interface, route.gateway ?? address)
        }
        return nil
    }

    /// True when `address` is directly reachable through `interface`.
    public func isOnLink(_ address: IPAddress, interface: Int) -> Bool {
        guard let found = lookup(address) else { return false }
        return found.interface == interface && found.nextHop == address
    }

    /// Builds the table from the interfaces' prefixes and the kernel's route files' text.
    public static func build(interfaces: [NetworkInterface], ipv4Routes: String, ipv6Routes: String) -> RouteTable {
        var routes: [Route] = []
        for (position, interface) in interfaces.enumerated() {
            for prefix in interface.addresses {
                routes.append(
                    Route(
                        destination: Prefix(address: prefix.address, length: prefix.length), gateway: nil,
                        interface: position, metric: 0))
            }
        }
        let positions = Dictionary(interfaces.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        routes += parseIPv4(ipv4Routes, positions: positions)
        routes += parseIPv6(ipv6Routes, positions: positions)
        return RouteTable(routes: routes)
    }

    /// /proc/net/route: `Iface Destination Gateway Flags RefCnt Use Metric Mask …`, addresses
    /// as the hex of the in-memory (network-order) 32-bit value, i.e. byte-swapped on little-endian.
    static func parseIPv4(_ text: String, positions: [String: Int]) -> [Route] {
        var routes: [Route] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 8, let position = positions[String(fields[0])],
                let destination = UInt32(fields[1], radix: 16), let gateway = UInt32(fields[2], radix: 16),
                let flags = UInt16(fields[3], radix: 16), let metric = UInt32(fields[6]),
                let mask = UInt32(fields[7], radix: 16), flags & 0x1 != 0  // RTF_UP
            else { continue }
            let maskValue = UInt32(bigEndian: mask)
            let length = maskValue.nonzeroBitCount
            routes.append(
                Route(
                    destination: Prefix(address: IPAddress(ipv4: UInt32(bigEndian: destination)), length: length),
                    gateway: gateway == 0 ? nil : IPAddress(ipv4: UInt32(bigEndian: gateway)), interface: position,
                    metric: metric))
        }
        return routes
    }

    /// /proc/net/ipv6_route: `dest plen src plen nexthop metric refcnt use flags iface`, addresses
    /// as 32 hex digits in network order.
    static func parseIPv6(_ text: String, positions: [String: Int]) -> [Route] {
        var routes: [Route] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 10, let position = positions[String(fields[9])],
                let destination = hexIPv6(fields[0]), let length = Int(fields[1], radix: 16),
                let nextHop = hexIPv6(fields[4]), let metric = UInt32(fields[5], radix: 16),
                let flags = UInt32(fields[8], radix: 16), flags & 0x1 != 0, flags & 0x200 == 0  // up, not RTF_REJECT
            else { continue }
            // Skip local and multicast routes: the engine forwards only to unicast neighbours.
            if destination.high >> 56 == 0xFF { continue }
            let unspecified = nextHop.high == 0 && nextHop.low == 0
            routes.append(
                Route(
                    destination: Prefix(address: destination, length: length), gateway: unspecified ? nil : nextHop,
                    interface: position, metric: metric))
        }
        return routes
    }

    static func hexIPv6(_ text: Substring) -> IPAddress? {
        guard text.count == 32 else { return nil }
        let high = UInt64(text.prefix(16), radix: 16)
        let low = UInt64(text.suffix(16), radix: 16)
        guard let high, let low else { return nil }
        return IPAddress(ipv6High: high, low: low)
    }
}
