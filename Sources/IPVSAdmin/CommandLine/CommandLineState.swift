import LVSCore

/// Everything one command line has set so far: ipvsadm's `ipvs_command_entry` plus its option
/// bits and list format, with ipvsadm's initial values (weight 1, direct routing, /32 mask).
struct CommandLineState {
    var command: CommandKind
    var given = OptionColumns()

    // Virtual service (`ce.svc`). `family` nil stands for ipvsadm's AF 0 (no selector yet).
    var family: AddressFamily?
    /// nil stands for IPPROTO_IP: no selector yet, so no service-name look-ups.
    var protocolNumber: IPProtocolNumber?
    var address: IPAddress?
    var port: UInt16 = 0
    var firewallMark: UInt32 = 0
    var schedulerName = ""
    var persistenceTimeout: UInt32?
    /// ipvsadm keeps one 32-bit field: an IPv4 mask, or an IPv6 prefix length.
    var netmaskValue: UInt32 = 0xFFFF_FFFF
    var onePacket = false
    var persistenceEngine = ""
    var schedulerFlagsArgument = ""

    // Real server (`ce.dest`).
    var serverFamily: AddressFamily?
    var serverAddress: IPAddress?
    var serverPort: UInt16 = 0
    var forwarding: ForwardingMethod = .directRouting
    var weight: Int32 = 1
    var upperThreshold: UInt32 = 0
    var lowerThreshold: UInt32 = 0
    var tunnelType: TunnelType = .ipip
    var tunnelPort: UInt16 = 0
    var proxyProtocol: ProxyProtocolVersion = .none
    var transparentSource = false

    // Sync daemon (`ce.daemon`).
    var daemonRole: SyncDaemonRole = .master
    var multicastInterface = ""
    var syncID: UInt8 = 0
    var syncMaxLength: UInt16 = 0
    var multicastGroup: IPAddress?
    var multicastPort: UInt16 = 0
    var multicastTTL: UInt8 = 0

    var list = ListOptions()

    init(command: CommandKind) {
        self.command = command
    }

    /// ipvsadm's `set_option`: a second use of the same column is refused.
    mutating func mark(_ column: OptionColumn) throws(IPVSAdminUsageError) {
        if given.contains(column) { throw .validation("multiple '\(column.name)' options specified") }
        given.insert(column)
    }

    /// The selector as a service identity, once one was given.
    var serviceID: VirtualServiceID? {
        if firewallMark != 0 { return VirtualServiceID(firewallMark: firewallMark, family: family ?? .inet) }
        guard let address, let protocolNumber else { return nil }
        return VirtualServiceID(protocol: protocolNumber, address: address, port: port)
    }

    /// The netmask field read for the service's family.
    var netmask: PersistenceNetmask {
        if family == .inet6 { return .ipv6(prefixLength: UInt8(clamping: netmaskValue)) }
        return .ipv4(mask: netmaskValue)
    }

    var tunnelChecksum: TunnelChecksum {
        if given.contains(.tunnelRemoteChecksum) { return .remoteChecksum }
        if given.contains(.tunnelChecksum) { return .checksum }
        return .none
    }
}
