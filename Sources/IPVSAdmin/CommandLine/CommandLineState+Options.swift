import LVSCore

extension CommandLineState {
    /// Whether an option after the command could be taken.
    enum Applied {
        case applied
        /// A command or `-h`/`-v` after the command: ipvsadm's ``invalid option `<word>'``.
        case notAnOption
    }

    /// ipvsadm's per-option step (reference §1.3–§1.7): mark the column (refusing repeats), then
    /// check and store the value. Errors come in command-line order, as ipvsadm exits on the
    /// first one.
    mutating func apply(
        _ tag: OptionTag, argument: String?, resolver: any NameResolver
    ) throws(IPVSAdminUsageError) -> Applied {
        let value = argument ?? ""
        switch tag {
        case .addService, .editService, .deleteService, .clear, .list, .zero, .addServer, .editServer,
            .deleteServer, .setTimeouts, .startDaemon, .stopDaemon, .restore, .save, .help, .version:
            return .notAnOption

        case .tcpService, .udpService, .sctpService:
            try mark(.serviceAddress)
            let proto: IPProtocolNumber = tag == .tcpService ? .tcp : (tag == .udpService ? .udp : .sctp)
            protocolNumber = proto
            guard
                let parsed = ValueParsing.addressAndPort(
                    value, protocolName: proto.serviceLookupName, resolver: resolver)
            else { throw .validation("illegal virtual server address[:port] specified") }
            address = parsed.address
            family = parsed.address.family
            if parsed.address.family == .inet6 { netmaskValue = 128 }
            if let parsedPort = parsed.port { port = parsedPort }
        case .fwmarkService:
            try mark(.serviceAddress)
            family = .inet
            protocolNumber = .tcp  // ipvsadm sends TCP for mark services (reference §1.3)
            let parse = ValueParsing.strtol(value)
            guard parse.sawDigits, parse.consumedAll, !parse.overflowed, (1...Int64(UInt32.max)).contains(parse.value)
            else { throw .validation("invalid fwmark value `\(value)' specified") }
            firewallMark = UInt32(parse.value)
        case .ipv6:
            // Not a marked option: `-6` may be repeated and is legal with every command.
            guard firewallMark != 0 else { throw .validation("-6 used before -f\n") }
            family = .inet6
            netmaskValue = 128

        case .scheduler:
            try mark(.scheduler)
            schedulerName = ValueParsing.truncated(value, maxBytes: 15)
        case .persistent:
            try mark(.persistent)
            if let argument {
                persistenceTimeout = try Self.timeout(argument, minimum: 1)
            } else {
                persistenceTimeout = VirtualServiceConfig.defaultPersistenceTimeout
            }
        case .netmask:
            try mark(.netmask)
            // The family known so far picks the syntax (reference §1.4).
            if family != .inet6 {
                guard let mask = ValueParsing.ipv4Netmask(value, resolver: resolver) else {
                    throw .validation("illegal virtual server persistent mask specified")
                }
                netmaskValue = mask
            } else {
                let prefix = UInt32(bitPattern: ValueParsing.atoi(value))
                guard (1...128).contains(prefix) else { throw .validation("illegal ipv6 netmask specified") }
                netmaskValue = prefix
            }
        case .persistenceEngine:
            try mark(.persistenceEngine)
            persistenceEngine = ValueParsing.truncated(value, maxBytes: 16)
        case .schedulerFlags:
            try mark(.schedulerFlags)
            schedulerFlagsArgument = ValueParsing.truncated(value, maxBytes: 127)
        case .onePacket:
            try mark(.onePacket)
            onePacket = true

        case .realServer:
            try mark(.realServer)
            // Parsed against the service known so far: its protocol for service names and its
            // port when the text names none (reference §1.5).
            guard
                let parsed = ValueParsing.addressAndPort(
                    value, protocolName: protocolNumber?.serviceLookupName, resolver: resolver)
            else { throw .validation("illegal real server address[:port] specified") }
            serverAddress = parsed.address
            serverFamily = parsed.address.family
            serverPort = parsed.port ?? port
        // `--proxy` is our own forwarding method (DESIGN.md §1); it counts as the same option.
        case .masquerading: try mark(.forwardingMethod); forwarding = .masquerading
        case .ipip: try mark(.forwardingMethod); forwarding = .tunnelling
        case .gatewaying: try mark(.forwardingMethod); forwarding = .directRouting
        case .proxy: try mark(.forwardingMethod); forwarding = .proxy
        case .weight:
            try mark(.weight)
            guard let number = ValueParsing.number(value, in: 0...65535) else {
                throw .validation("illegal weight specified")
            }
            weight = Int32(number)
        case .upperThreshold:
            try mark(.upperThreshold)
            guard let number = ValueParsing.number(value, in: 0...Int64(Int32.max)) else {
                throw .validation("illegal u_threshold specified")
            }
            upperThreshold = UInt32(number)
        case .lowerThreshold:
            try mark(.lowerThreshold)
            guard let number = ValueParsing.number(value, in: 0...Int64(Int32.max)) else {
                throw .validation("illegal l_threshold specified")
            }
            lowerThreshold = UInt32(number)
        case .tunnelType:
            try mark(.tunnelType)
            guard let type = TunnelType.allCases.first(where: { $0.name == value }) else {
                throw .validation("illegal tunnel type specified")
            }
            tunnelType = type
        case .tunnelPort:
            try mark(.tunnelPort)
            guard let number = ValueParsing.number(value, in: 1...65535) else {
                throw .validation("illegal tunnel port specified")
            }
            tunnelPort = UInt16(number)
        case .proxyProtocol:
            try mark(.proxyProtocol)
            switch value {
            case "v1": proxyProtocol = .v1
            case "v2": proxyProtocol = .v2
            default: throw .validation("illegal proxy-protocol version specified (v1 or v2)")
            }
        case .transparent: try mark(.transparent); transparentSource = true
        case .tunnelNoChecksum: try mark(.tunnelNoChecksum)
        case .tunnelChecksum: try mark(.tunnelChecksum)
        case .tunnelRemoteChecksum: try mark(.tunnelRemoteChecksum)

        case .numeric: try mark(.numeric); list.numeric = true
        case .connection: try mark(.connection); list.connections = true
        case .timeout: try mark(.timeout); list.timeout = true
        case .daemon: try mark(.daemon); list.daemon = true
        case .stats: try mark(.stats); list.stats = true
        case .rate: try mark(.rate); list.rate = true
        case .thresholds: try mark(.thresholds); list.thresholds = true
        case .persistentConnections: try mark(.persistentConnections); list.persistentConnections = true
        case .noSort: try mark(.noSort); list.noSort = true
        case .sort: break  // the default; accepted anywhere for compatibility
        case .exact: try mark(.exact); list.exact = true
        case .tunnelInfo: try mark(.tunnelInfo); list.tunnelInfo = true
        case .json: try mark(.json); list.json = true

        case .mcastInterface:
            try mark(.mcastInterface)
            multicastInterface = ValueParsing.truncated(value, maxBytes: 15)
        case .syncID:
            try mark(.syncID)
            guard let number = ValueParsing.number(value, in: 0...255) else {
                throw .validation("illegal syncid specified")
            }
            syncID = UInt8(number)
        case .mcastGroup:
            try mark(.mcastGroup)
            multicastGroup = try ValueParsing.multicastGroup(value).get()
        case .mcastPort:
            try mark(.mcastPort)
            guard let number = ValueParsing.number(value, in: 1...65535) else {
                throw .validation("illegal mcast-port specified")
            }
            multicastPort = UInt16(number)
        case .mcastTTL:
            try mark(.mcastTTL)
            guard let number = ValueParsing.number(value, in: 1...255) else {
                throw .validation("illegal mcast-ttl specified")
            }
            multicastTTL = UInt8(number)
        case .syncMaxLength:
            try mark(.syncMaxLength)
            // 65535 minus the IPv4 and UDP headers.
            guard let number = ValueParsing.number(value, in: 1...65507) else {
                throw .validation("illegal sync-maxlen specified")
            }
            syncMaxLength = UInt16(number)
        }
        return .applied
    }

    /// ipvsadm's `parse_timeout` with its 31-day ceiling.
    static func timeout(_ text: String, minimum: Int64) throws(IPVSAdminUsageError) -> UInt32 {
        guard let number = ValueParsing.number(text, in: minimum...Int64(TimeoutSettings.maximum)) else {
            throw .validation("invalid timeout value `\(text)' specified")
        }
        return UInt32(number)
    }
}
