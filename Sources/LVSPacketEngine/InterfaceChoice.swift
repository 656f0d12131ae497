import Glibc
import LVSCore
import LVSPacket

/// Which interfaces the packet engine reads and writes when `lvsd` starts it by itself (a
/// configuration with masquerading, direct-routing or tunnelling real servers and no
/// `--interface`): the interface of the route to each real server, the interface that holds
/// or routes each virtual address (where its clients' packets arrive), and any interface the
/// configuration names (a VRRP instance's `interface`). Each choice keeps its reason for the log.
public struct InterfaceChoice: Sendable, Hashable {
    public struct Chosen: Sendable, Hashable {
        public var name: String
        /// Why, e.g. "route to real server 10.0.0.2".
        public var reasons: [String]
    }

    /// In the order first found.
    public var interfaces: [Chosen]
    /// Addresses no route leads to (the start fails when a real server is among them).
    public var unreachable: [IPAddress]

    public var names: [String] { interfaces.map(\.name) }

    /// The choice from `interfaces` (name → addresses) and the kernel's route files' text.
    /// Loopback is never chosen: the engine forwards between real links. `markedFamilies` are
    /// the address families of firewall-mark services: a mark names no address, so their
    /// clients are looked for behind the family's default route, or on every interface of it.
    public static func choose(
        virtualAddresses: [IPAddress], realServers: [IPAddress], named: [String],
        markedFamilies: [AddressFamily] = [],
        interfaces: [(name: String, addresses: [Prefix])], ipv4Routes: String, ipv6Routes: String
    ) -> InterfaceChoice {
        let usable = interfaces.filter { $0.name != "lo" }
        let table = RouteTable.build(
            interfaces: usable.map {
                NetworkInterface(
                    name: $0.name, index: 0, mac: MACAddress(0, 0, 0, 0, 0, 0), mtu: 1500, addresses: $0.addresses)
            }, ipv4Routes: ipv4Routes, ipv6Routes: ipv6Routes)
        var choice = InterfaceChoice(interfaces: [], unreachable: [])
        func add(_ name: String, _ reason: String) {
            if let index = choice.interfaces.firstIndex(where: { $0.name == name }) {
                choice.interfaces[index].reasons.append(reason)
            } else {
                choice.interfaces.append(Chosen(name: name, reasons: [reason]))
            }
        }
        for name in named { add(name, "named in the configuration") }
        for address in realServers {
            if let found = table.lookup(address) {
                add(usable[found.interface].name, "route to real server \(address)")
            } else {
                choice.unreachable.append(address)
            }
        }
        for address in virtualAddresses {
            if let holder = usable.first(where: { $0.addresses.contains { $0.address == address } }) {
                add(holder.name, "holds virtual address \(address)")
            } else if let found = table.lookup(address) {
                // A VIP not yet local (VRRP adds it later) arrives where its subnet is attached;
                // an off-link one through the interface its route names.
                add(usable[found.interface].name, "route to virtual address \(address)")
            } else if let fallback = table.lookup(address.family == .inet ? .ipv4Any : .ipv6Any) {
                add(usable[fallback.interface].name, "default route, towards the clients of \(address)")
            } else {
                // No route says where its clients are (a VIP on lo, routed to us by a neighbour):
                // they may come through any interface with an address of the family.
                let candidates = usable.filter { entry in
                    entry.addresses.contains { $0.address.family == address.family && !$0.isLinkLocal }
                }
                for candidate in candidates {
                    add(candidate.name, "an address of the family of \(address), whose clients no route names")
                }
                if candidates.isEmpty { choice.unreachable.append(address) }
            }
        }
        for family in markedFamilies {
            let any: IPAddress = family == .inet ? .ipv4Any : .ipv6Any
            let name = family == .inet ? "IPv4" : "IPv6"
            if let fallback = table.lookup(any) {
                add(
                    usable[fallback.interface].name,
                    "default route, towards the clients of \(name) firewall-mark services")
                continue
            }
            for candidate in usable
            where candidate.addresses.contains(where: { $0.address.family == family && !$0.isLinkLocal }) {
                add(candidate.name, "an \(name) address, for the clients of \(name) firewall-mark services")
            }
        }
        return choice
    }

    /// Every interface's addresses with prefix lengths (getifaddrs).
    public static func interfaceAddresses() -> [String: [Prefix]] { InterfaceDiscovery.interfaceAddresses() }

    /// The choice on this system: getifaddrs and /proc/net routes.
    public static func onThisSystem(
        virtualAddresses: [IPAddress], realServers: [IPAddress], named: [String], markedFamilies: [AddressFamily] = []
    ) -> InterfaceChoice {
        let addresses = InterfaceDiscovery.interfaceAddresses()
        var names = Set(addresses.keys)
        // Interfaces without an address (a bridge port, say) are still candidates for routes.
        for line in (InterfaceDiscovery.readFile("/proc/net/dev") ?? "").split(separator: "\n").dropFirst(2) {
            if let colon = line.firstIndex(of: ":") {
                names.insert(line[..<colon].trimmingCharacters())
            }
        }
        return choose(
            virtualAddresses: virtualAddresses, realServers: realServers, named: named, markedFamilies: markedFamilies,
            interfaces: names.sorted().map { ($0, addresses[$0] ?? []) },
            ipv4Routes: InterfaceDiscovery.readFile("/proc/net/route") ?? "",
            ipv6Routes: InterfaceDiscovery.readFile("/proc/net/ipv6_route") ?? "")
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// What this process lacks to run the packet engine, in words an operator can act on; empty
/// when nothing is missing. Read from /proc/self/status (CapEff) and `PATH`.
public enum PacketEnginePrivileges {
    public static func missing(nftCommand: String = "nft") -> [String] {
        var missing: [String] = []
        let status = InterfaceDiscovery.readFile("/proc/self/status") ?? ""
        let effective = status.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
            .flatMap { UInt64($0.dropFirst("CapEff:".count).drop(while: { $0 == " " || $0 == "\t" }), radix: 16) }
        let capabilities = effective ?? 0
        if capabilities & (1 << 13) == 0 { missing.append("CAP_NET_RAW") }  // capability 13
        if capabilities & (1 << 12) == 0 { missing.append("CAP_NET_ADMIN") }  // capability 12
        if !isExecutableInPath(nftCommand) { missing.append("the nft command (Debian package nftables)") }
        return missing
    }

    static func isExecutableInPath(_ command: String) -> Bool {
        if command.contains("/") { return access(command, X_OK) == 0 }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(command)", X_OK) == 0 }
    }
}
