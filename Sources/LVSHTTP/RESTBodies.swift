import LVSCore

/// Request bodies of the API: the members of the `--json` listing (docs/json.md) that an
/// operator sets; the counters and state members of a listing may be sent back and are ignored,
/// so a GET, an edit and a PUT round-trip.
enum RESTBodies {
    static let serviceMembers: Set<String> = [
        "fwmark", "family", "protocol", "address", "port", "scheduler", "scheduler_flags", "persistent",
        "persistence_timeout", "netmask", "persistence_engine", "one_packet_scheduling", "stats", "rates",
        "real_servers",
    ]
    static let realServerMembers: Set<String> = [
        "address", "port", "forwarding", "weight", "upper_threshold", "lower_threshold", "tunnel", "proxy_protocol",
        "transparent_source", "active_connections", "inactive_connections", "persistent_connections", "overloaded",
        "stats", "rates", "drained_idle",
    ]

    /// A service from a POST (`id` nil: the body names it) or a PUT (`id` from the URL; a body
    /// that names another service is refused).
    static func service(_ bytes: [UInt8], id urlID: VirtualServiceID?) throws(RESTError) -> VirtualServiceConfig {
        let body = JSONMembers(members: try JSONInput.object(from: bytes))
        try body.onlyKnown(serviceMembers)
        let id: VirtualServiceID
        let family: AddressFamily?
        switch try body.string("family") {
        case nil: family = nil
        case "ipv4": family = .inet
        case "ipv6": family = .inet6
        case let other?: throw .badRequest("\"family\" must be ipv4 or ipv6, not '\(other)'")
        }
        if let mark = try body.integer("fwmark", in: 1...Int64(UInt32.max)) {
            guard !body.has("protocol") && !body.has("address") && !body.has("port") else {
                throw .badRequest("a firewall-mark service has no \"protocol\", \"address\" or \"port\"")
            }
            id = VirtualServiceID(firewallMark: UInt32(mark), family: family ?? .inet)
        } else if body.has("protocol") || body.has("address") || body.has("port") || urlID == nil {
            guard let protocolText = try body.string("protocol"), let addressText = try body.string("address"),
                let port = try body.integer("port", in: 0...65535)
            else { throw .badRequest("a service needs \"protocol\", \"address\" and \"port\" (or \"fwmark\")") }
            let address = try RESTResourceID.address(addressText)
            if let family, family != address.family {
                throw .badRequest("\"family\" does not match the address \(addressText)")
            }
            id = VirtualServiceID(
                protocol: try RESTResourceID.protocolNumber(protocolText), address: address, port: UInt16(port))
        } else {
            id = urlID!
        }
        if let urlID, urlID != id { throw .badRequest("the body names another service than the URL") }
        let scheduler = try body.string("scheduler") ?? VirtualServiceConfig.defaultScheduler
        var config = VirtualServiceConfig(id: id, scheduler: scheduler)
        config.schedulerFlags = try schedulerFlags(try body.stringArray("scheduler_flags") ?? [], scheduler: scheduler)
        let timeout = try body.integer(
            "persistence_timeout", in: 1...Int64(VirtualServiceConfig.maximumPersistenceTimeout))
        switch (try body.bool("persistent"), timeout) {
        case (false?, _?): throw .badRequest("\"persistence_timeout\" given for a service that is not persistent")
        case (false?, nil), (nil, nil): config.persistenceTimeout = nil
        case (true?, nil): config.persistenceTimeout = VirtualServiceConfig.defaultPersistenceTimeout
        case (_, let value?): config.persistenceTimeout = UInt32(value)
        }
        if let netmask = try body.string("netmask") {
            config.netmask = try persistenceNetmask(netmask, family: id.family)
        }
        config.persistenceEngine = try body.string("persistence_engine")
        config.onePacketScheduling = try body.bool("one_packet_scheduling") ?? false
        return config
    }

    static func schedulerFlags(_ names: [String], scheduler: String) throws(RESTError) -> SchedulerFlags {
        var flags: SchedulerFlags = []
        for name in names {
            switch name {
            case "flag-1": flags.insert(.flag1)
            case "flag-2": flags.insert(.flag2)
            case "flag-3": flags.insert(.flag3)
            case "sh-fallback" where scheduler == "sh", "mh-fallback" where scheduler == "mh": flags.insert(.fallback)
            case "sh-port" where scheduler == "sh", "mh-port" where scheduler == "mh": flags.insert(.port)
            default: throw .badRequest("'\(name)' is not a scheduler flag of \(scheduler)")
            }
        }
        return flags
    }

    static func persistenceNetmask(_ text: String, family: AddressFamily) throws(RESTError) -> PersistenceNetmask {
        switch family {
        case .inet:
            guard let mask = IPAddress.parseDottedQuad(Substring(text)) else {
                throw .badRequest("\"netmask\" of an IPv4 service is a dotted mask such as 255.255.255.0")
            }
            return .ipv4(mask: mask.ipv4Value)
        case .inet6:
            guard let length = UInt8(text), length <= 128 else {
                throw .badRequest("\"netmask\" of an IPv6 service is a prefix length from 0 to 128")
            }
            return .ipv6(prefixLength: length)
        }
    }

    /// A real server from a POST (`key` nil) or a PUT (`key` from the URL).
    static func realServer(_ bytes: [UInt8], key: RealServerKey?) throws(RESTError) -> RealServerConfig {
        let body = JSONMembers(members: try JSONInput.object(from: bytes))
        try body.onlyKnown(realServerMembers)
        var address = key?.address
        var port = key?.port
        if let text = try body.string("address") {
            let parsed = try RESTResourceID.address(text)
            if let key, key.address != parsed { throw .badRequest("the body names another real server than the URL") }
            address = parsed
        }
        if let value = try body.integer("port", in: 0...65535) {
            if let key, key.port != UInt16(value) {
                throw .badRequest("the body names another real server than the URL")
            }
            port = UInt16(value)
        }
        guard let address else { throw .badRequest("a real server needs \"address\"") }
        var config = RealServerConfig(address: address, port: port ?? 0)
        switch try body.string("forwarding") ?? "direct_routing" {
        case "masquerading": config.forwarding = .masquerading
        case "local": config.forwarding = .localNode
        case "tunnelling": config.forwarding = .tunnelling
        case "direct_routing": config.forwarding = .directRouting
        case "bypass": config.forwarding = .bypass
        case "proxy": config.forwarding = .proxy
        case let other:
            throw .badRequest(
                "\"forwarding\" must be masquerading, local, tunnelling, direct_routing, bypass or proxy, not '\(other)'"
            )
        }
        config.weight = Int32(try body.integer("weight", in: 0...65535) ?? 1)
        config.upperThreshold = UInt32(try body.integer("upper_threshold", in: 0...Int64(UInt32.max)) ?? 0)
        config.lowerThreshold = UInt32(try body.integer("lower_threshold", in: 0...Int64(UInt32.max)) ?? 0)
        if let tunnel = try body.object("tunnel") {
            guard config.forwarding == .tunnelling else { throw .badRequest("\"tunnel\" is for tunnelling only") }
            try tunnel.onlyKnown(["type", "port", "checksum"])
            switch try tunnel.string("type") ?? "ipip" {
            case "ipip": config.tunnelType = .ipip
            case "gue": config.tunnelType = .gue
            case "gre": config.tunnelType = .gre
            case let other: throw .badRequest("tunnel \"type\" must be ipip, gue or gre, not '\(other)'")
            }
            config.tunnelPort = UInt16(try tunnel.integer("port", in: 0...65535) ?? 0)
            switch try tunnel.string("checksum") ?? "none" {
            case "none": config.tunnelChecksum = .none
            case "checksum": config.tunnelChecksum = .checksum
            case "remote_checksum": config.tunnelChecksum = .remoteChecksum
            case let other:
                throw .badRequest("tunnel \"checksum\" must be none, checksum or remote_checksum, not '\(other)'")
            }
        }
        switch try body.string("proxy_protocol") ?? "none" {
        case "none": config.proxyProtocol = .none
        case "v1": config.proxyProtocol = .v1
        case "v2": config.proxyProtocol = .v2
        case let other: throw .badRequest("\"proxy_protocol\" must be v1, v2 or null, not '\(other)'")
        }
        config.transparentSource = try body.bool("transparent_source") ?? false
        return config
    }
}
