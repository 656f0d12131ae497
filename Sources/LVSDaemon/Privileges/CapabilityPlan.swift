/// What lvsd runs, as far as privileges go: read from the daemon once start-up is done.
public struct CapabilityNeeds: Sendable, Hashable {
    /// The packet engine runs (AF_PACKET or AF_XDP sockets, the nftables table).
    public var packetEngine = false
    /// It runs over AF_XDP (`--packet-io xdp`): BPF programs and maps.
    public var xdp = false
    /// VRRP instances are configured (raw sockets, virtual addresses, VMAC links).
    public var vrrp = false
    /// A connection sync daemon runs (`lvs_sync_daemon`, `--start-daemon`).
    public var sync = false
    /// A proxied real server uses a transparent source (IP_TRANSPARENT).
    public var transparentSource = false
    /// Scripts run as another user (`script_user`, `user` of a MISC_CHECK or vrrp_script): killing one
    /// that overran its timeout is a signal to a process of another user.
    public var scriptsAsOtherUser = false

    public init() {}
}

/// Which capabilities lvsd keeps after start-up, and why each (docs/design/0032). Pure: the
/// same needs give the same set. What start-up alone needed (binding the control socket,
/// raising the descriptor limit, attaching XDP, creating the first listeners) is done by then.
///
/// - `net_bind_service` always: a reload may add a virtual service on a port below 1024, and
///   the proxy engine binds it then.
/// - `net_admin` and `net_raw` for the packet engine (AF_PACKET and its SO_RCVBUFFORCE, the
///   interfaces' state), VRRP (raw IPPROTO_VRRP sockets, SO_BINDTODEVICE, address and link
///   changes by netlink), sync (SO_BINDTODEVICE, multicast on an interface) and a transparent
///   source (IP_TRANSPARENT needs `net_admin`).
/// - `bpf` and `sys_admin` for AF_XDP: map updates and the interfaces' XDP state after start
///   (`sys_admin` because kernels before 5.8 know no `bpf`).
/// - `kill` when scripts run as another user, to end one that overran its timeout.
///
/// Programs lvsd starts later (`nft`, BIRD, `setpriv` for scripts) get theirs from the bounding
/// set, which lvsd leaves as it found it: a program started as root gets every capability the
/// bounding set has, so they still work; systemd's `CapabilityBoundingSet=` bounds them too.
public enum CapabilityPlan {
    /// The capabilities to keep, each with the reason logged for it.
    public static func kept(for needs: CapabilityNeeds, extra: Set<Capability> = []) -> [Capability: String] {
        var kept: [Capability: String] = [.netBindService: "reloads may add ports below 1024"]
        var network: [String] = []
        if needs.packetEngine { network.append("the packet engine") }
        if needs.vrrp { network.append("VRRP") }
        if needs.sync { network.append("connection sync") }
        if needs.transparentSource { network.append("transparent sources") }
        if !network.isEmpty {
            let why = network.joined(separator: ", ")
            kept[.netAdmin] = why
            kept[.netRaw] = why
        }
        if needs.xdp {
            kept[.bpf] = "AF_XDP"
            kept[.sysAdmin] = "AF_XDP (kernels before 5.8 need it for BPF)"
        }
        if needs.scriptsAsOtherUser { kept[.kill] = "ending scripts of another user that overran their timeout" }
        for capability in extra where kept[capability] == nil { kept[capability] = "--keep-capabilities" }
        return kept
    }

    /// The set as a mask (capset(2)).
    public static func mask(_ kept: some Collection<Capability>) -> UInt64 {
        kept.reduce(0) { $0 | $1.bit }
    }
}
