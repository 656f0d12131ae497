import Glibc
import LVSCore

/// The nftables netdev-ingress table that keeps the engine's flows from the kernel's own stack
/// (DESIGN.md §6 "Packet engine"). AF_PACKET taps run in `__netif_receive_skb_core` before the
/// ingress hook, so a frame dropped here has already been copied to the engine's ring; the
/// kernel never routes, answers or resets it. The table is replaced in one `nft -f`
/// transaction (create-if-missing, delete, define), so there is no moment without rules, and a
/// table left by a crashed daemon is replaced at the next start.
///
/// A second table of the same name in family `inet` holds the output-hook rewrite of the
/// replies of masquerading real servers that are the director itself (`LocalReply`,
/// docs/design/0011-local-node.md); it is replaced in the same transaction and exists only
/// while there is such a real server.
public struct NFTablesRuleset: Sendable, Hashable {
    /// The table's name in family `netdev`.
    public var table: String
    /// The engine's interfaces: (name, ifindex).
    public var interfaces: [(name: String, index: Int32)]
    public var plan: ForwardingPlan
    /// The nfnetlink_log group marked packets are copied to (`MarkedPacketLog`).
    public var logGroup: UInt16

    public init(
        table: String, interfaces: [(name: String, index: Int32)], plan: ForwardingPlan,
        logGroup: UInt16 = PacketEngineConfiguration.defaultMarkedLogGroup
    ) {
        self.table = table
        self.interfaces = interfaces
        self.plan = plan
        self.logGroup = logGroup
    }

    public static func == (lhs: NFTablesRuleset, rhs: NFTablesRuleset) -> Bool {
        lhs.table == rhs.table && lhs.plan == rhs.plan && lhs.interfaces.map(\.name) == rhs.interfaces.map(\.name)
            && lhs.interfaces.map(\.index) == rhs.interfaces.map(\.index) && lhs.logGroup == rhs.logGroup
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(table)
        hasher.combine(logGroup)
        hasher.combine(plan)
        for interface in interfaces { hasher.combine(interface.name) }
    }

    /// The `nft -f` script that replaces the table atomically.
    public var script: String {
        var lines = ["table netdev \(table) {}", "delete table netdev \(table)", "table netdev \(table) {"]
        for interface in interfaces {
            lines.append("  chain ingress_\(interface.index) {")
            lines.append("    type filter hook ingress device \"\(interface.name)\" priority -500; policy accept;")
            lines += rules.map { "    \($0)" }
            lines.append("  }")
        }
        lines.append("}")
        lines += ["table inet \(table) {}", "delete table inet \(table)"]
        if !plan.localReplies.isEmpty || !plan.markedServices.isEmpty {
            lines.append("table inet \(table) {")
            if !plan.localReplies.isEmpty {
                lines.append("  chain local_replies {")
                // After conntrack and NAT (priority 300): the socket's own tuple is what they saw.
                lines.append("    type filter hook output priority 300; policy accept;")
                lines += localReplyRules.map { "    \($0)" }
                lines.append("  }")
            }
            if !plan.markedServices.isEmpty {
                lines.append("  chain marked {")
                // Right after mangle (-150), where the operator's rules set the marks.
                lines.append("    type filter hook prerouting priority -140; policy accept;")
                lines += markedRules.map { "    \($0)" }
                lines.append("  }")
            }
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The script that removes the tables (at exit).
    public var removalScript: String {
        "table netdev \(table) {}\ndelete table netdev \(table)\ntable inet \(table) {}\ndelete table inet \(table)\n"
    }

    /// One stateless source rewrite per local masquerading real server (reference §5.4 with
    /// §5.1's reply path): RS:port → VIP:vport; nftables fixes the IPv4 header checksum and the
    /// transport checksum's pseudo-header (a partial checksum stays partial).
    var localReplyRules: [String] {
        plan.localReplies.map { reply in
            let family = reply.serverAddress.family == .inet ? "ip" : "ip6"
            let proto = reply.protocolNumber == .tcp ? "tcp" : "udp"
            guard reply.serverPort != 0 else {
                return "\(family) saddr \(reply.serverAddress) meta l4proto \(proto) "
                    + "\(family) saddr set \(reply.virtualAddress)"
            }
            return "\(family) saddr \(reply.serverAddress) \(proto) sport \(reply.serverPort) "
                + "\(family) saddr set \(reply.virtualAddress) \(proto) sport set \(reply.virtualPort)"
        }
    }

    /// Firewall-mark services (reference §4.7): a TCP or UDP packet with one of the marks, to an
    /// address of this host (IPVS sees marked packets at LOCAL_IN only) that is not in standby,
    /// is copied to the engine's log group and dropped; the engine forwards the copy. Per family,
    /// since a mark's service is per family.
    var markedRules: [String] {
        var rules: [String] = []
        for family in [AddressFamily.inet, .inet6] {
            let marks = plan.markedServices.filter { $0.family == family }.map { String($0.mark) }
            guard !marks.isEmpty else { continue }
            let name = family == .inet ? "ip" : "ip6"
            let standby = plan.standbyAddresses.filter { $0.family == family }.map { "\($0)" }
            var rule =
                "meta nfproto \(family == .inet ? "ipv4" : "ipv6") meta mark { \(marks.joined(separator: ", ")) } "
            rule += "meta l4proto { tcp, udp } fib daddr type local "
            if !standby.isEmpty { rule += "\(name) daddr != { \(standby.joined(separator: ", ")) } " }
            rule += "log group \(logGroup) drop"
            rules.append(rule)
        }
        return rules
    }

    /// One drop rule per owned flow: requests to a VIP:port, replies of masquerading real
    /// servers, and ICMP errors those real servers send about forwarded packets (relayed by the
    /// engine instead, reference §5.6). A real server's packets to one of the director's own
    /// addresses are not a reply of a forwarded connection (the director's health checks talk
    /// to the real servers directly), so they stay the kernel's. Errors to a VIP are not dropped: they quote VIP:vport →
    /// client, which no local socket owns, so the kernel only counts them; echo to the VIP stays
    /// the kernel's (docs/design/0009-packet-engine.md "ICMP relay").
    var rules: [String] {
        var rules: [String] = []
        for service in plan.services {
            let family = service.address.family == .inet ? "ip" : "ip6"
            let proto = service.protocolNumber == .tcp ? "tcp" : "udp"
            let port = service.port == 0 ? "meta l4proto \(proto)" : "\(proto) dport \(service.port)"
            rules.append("\(family) daddr \(service.address) \(port) drop")
        }
        for server in plan.natSources {
            let family = server.address.family == .inet ? "ip" : "ip6"
            let proto = server.protocolNumber == .tcp ? "tcp" : "udp"
            let port = server.port == 0 ? "meta l4proto \(proto)" : "\(proto) sport \(server.port)"
            // Not the director's own connections to the real server (health checks): their
            // replies are addressed to the director itself.
            rules.append("\(family) saddr \(server.address) \(port) fib daddr type != local drop")
        }
        // FTP data ports (docs/design/0016-ftp-helper.md): the engine forwards what matches a
        // data entry and hands on (routes, or delivers locally) what does not.
        for ports in plan.ftpDataPorts {
            let family = ports.address.family == .inet ? "ip" : "ip6"
            let range = "\(ForwardingPlan.FTPDataPorts.lowest)-65535"
            let set =
                ports.activePort < ForwardingPlan.FTPDataPorts.lowest ? "{ \(ports.activePort), \(range) }" : range
            if ports.isSource {
                rules.append("\(family) saddr \(ports.address) tcp sport \(set) fib daddr type != local drop")
            } else {
                rules.append("\(family) daddr \(ports.address) tcp dport \(set) drop")
            }
        }
        var errorSources = Set<IPAddress>()
        for server in plan.natSources where errorSources.insert(server.address).inserted {
            if server.address.family == .inet {
                rules.append(
                    "ip saddr \(server.address) icmp type { destination-unreachable, source-quench, time-exceeded } "
                        + "fib daddr type != local drop"
                )
            } else {
                rules.append(
                    "ip6 saddr \(server.address) icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
                        + "parameter-problem } fib daddr type != local drop"
                )
            }
        }
        return rules
    }

    /// Runs `nft -f FILE` with `script`; throws with nft's exit status when it fails.
    public static func run(_ script: String, nft: String = "nft") throws(PacketEngineError) {
        var template = Array("/tmp/lvsd-nft-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .fromErrno("mkstemp", errno) }
        let path = String(cString: template.map { UInt8(bitPattern: $0) })
        defer {
            _ = unlink(path)
        }
        let bytes = Array(script.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw .fromErrno("write", errno) }
        let status = spawnAndWait([nft, "-f", path])
        guard status == 0 else {
            throw .nftables(
                status == 127
                    ? "could not run '\(nft)': install nftables"
                    : "'\(nft) -f' exited with status \(status) (needs CAP_NET_ADMIN and a kernel with nf_tables netdev ingress)"
            )
        }
    }

    /// posix_spawnp + waitpid; 127 when the program cannot be started.
    static func spawnAndWait(_ arguments: [String]) -> Int32 {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        let rc = posix_spawnp(&pid, arguments[0], nil, nil, argv, environ)
        guard rc == 0 else { return 127 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
