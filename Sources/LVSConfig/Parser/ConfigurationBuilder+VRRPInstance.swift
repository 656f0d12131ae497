import LVSCore
import LVSVRRP

/// Where VRRP keywords were written: the checks that need the whole file (checkVRRP) report
/// there, while the model keeps only values.
struct VRRPParseNotes {
    /// Per instance name: the location of each keyword written in its block.
    var instanceKeywords: [String: [String: ConfigurationLocation]] = [:]
    /// `track_script` entries of instances and sync groups: (owner description, the name token).
    var trackedScriptTokens: [(owner: String, token: ConfigurationToken)] = []
    /// `group { … }` members: (sync group name, the member token).
    var syncGroupMemberTokens: [(group: String, token: ConfigurationToken)] = []
    /// The instance named by `lvs_sync_daemon … [inst] NAME`.
    var syncDaemonInstanceToken: ConfigurationToken?
}

// `vrrp_instance NAME { … }` (keepalived.conf(5); reference §8.6). Keyword by keyword, the
// syntax and ranges of keepalived 2.2's vrrp_parser.c; the checks that need the whole
// instance or the whole file are in ConfigurationBuilder+VRRPChecks.swift.
extension ConfigurationBuilder {
    /// Keywords keepalived 2.2 accepts in vrrp_instance that lvsd does not implement.
    static let unsupportedInstanceKeywords: Set<String> = [
        "virtual_routes", "virtual_rules", "track_file", "track_process", "track_bfd", "use_vmac_addr", "use_ipvlan",
        "unicast_fault_no_peer", "native_ipv6", "vrf", "track_src_ip", "no_virtual_ipaddress", "promote_secondaries",
        "linkbeat_use_polling", "notify_deleted", "notify_priority_changes", "timer_expired_backup",
        "thread_timer_expired", "garp_extra_if", "vmac_garp_intvl", "owner_ignore_adverts",
    ]

    mutating func parseVRRPInstance(_ node: ConfigurationNode) {
        guard let nameToken = blockName(node, example: "vrrp_instance VI_1 {") else { return }
        guard let block = requireBlock(node) else { return }
        if let previous = configuration.vrrpInstance(named: nameToken.text) {
            log.error(
                nameToken.location,
                "vrrp_instance \"\(nameToken.text)\" is defined twice (first at \(previous.location)); rename one")
            return
        }
        var instance = VRRPInstanceDefinition(name: nameToken.text, location: node.location)
        var family: (family: AddressFamily, what: String)?
        var keywords: [String: ConfigurationLocation] = [:]
        for statement in block {
            if keywords[statement.name] == nil { keywords[statement.name] = statement.location }
            parseInstanceStatement(statement, into: &instance, family: &family)
        }
        vrrpNotes.instanceKeywords[instance.name] = keywords
        configuration.vrrpInstances.append(instance)
    }

    /// The name after a block keyword (`vrrp_instance NAME {`), or nil with an error.
    mutating func blockName(_ node: ConfigurationNode, example: String) -> ConfigurationToken? {
        guard let name = node.arguments.first else {
            log.error(node.location, "\(node.name) needs a name, e.g. \(example)")
            return nil
        }
        if node.arguments.count > 1 {
            log.warning(
                node.arguments[1].location,
                "\(node.name): extra words from \"\(node.arguments[1].text)\" on are ignored")
        }
        return name
    }

    private mutating func parseInstanceStatement(
        _ node: ConfigurationNode, into vrrp: inout VRRPInstanceDefinition,
        family: inout (family: AddressFamily, what: String)?
    ) {
        if parseInstanceTiming(node, into: &vrrp) { return }
        if notifyKeyword(node, into: &vrrp.notify) { return }
        switch node.name {
        case "state":
            guard let t = value(node, example: "BACKUP") else { return }
            guard let state = VRRPInitialState(rawValue: t.text) else {
                log.error(t.location, "unknown state \"\(t.text)\"; use MASTER or BACKUP (in capitals)")
                return
            }
            vrrp.initialState = state
        case "interface":
            guard let t = value(node, example: "eth0") else { return }
            if interfaceName(t, what: "interface") { vrrp.interface = t.text }
        case "virtual_router_id":
            if let t = value(node, example: "51"), let n = number(t, 1...255, what: "virtual_router_id") {
                vrrp.virtualRouterID = UInt8(n)
            }
        case "priority":
            if let t = value(node, example: "100"), let n = number(t, 1...255, what: "priority") {
                vrrp.priority = UInt8(n)
            }
        case "version":
            guard let t = value(node, example: "3") else { return }
            switch t.text {
            case "2": vrrp.version = .v2
            case "3": vrrp.version = .v3
            default: log.error(t.location, "version \"\(t.text)\" is not a VRRP version; use 2 or 3")
            }
        case "nopreempt":
            if flag(node) { vrrp.noPreempt = true }
        case "preempt":
            if flag(node) { vrrp.noPreempt = false }
        case "mcast_src_ip", "unicast_src_ip":
            guard let t = value(node, example: "192.0.2.2"), let ip = address(t, what: node.name) else { return }
            if sameFamily(ip, t, &family, what: node.name) { vrrp.sourceAddress = ip }
        case "mcast_dst_ip":
            guard let t = value(node, example: "224.0.0.18"), let ip = address(t, what: "mcast_dst_ip") else { return }
            let multicast = ip.family == .inet ? (ip.ipv4Value >> 28) == 0xE : (ip.high >> 48) & 0xFF0F == 0xFF02
            guard multicast else {
                log.error(
                    t.location,
                    "mcast_dst_ip \(t.text) is not \(ip.family == .inet ? "a multicast" : "a link-local multicast") address; use e.g. 224.0.0.18 or ff02::12"
                )
                return
            }
            if sameFamily(ip, t, &family, what: "mcast_dst_ip") { vrrp.multicastDestination = ip }
        case "unicast_peer":
            guard let block = requireBlock(node) else { return }
            for entry in block {
                if let peer = unicastPeer(entry, existing: vrrp.unicastPeers, family: &family) {
                    vrrp.unicastPeers.append(peer)
                }
            }
        case "unicast_ttl":
            if let t = value(node, example: "255"), let n = number(t, 0...255, what: "unicast_ttl") {
                vrrp.unicastTTL = UInt8(n)
            }
        case "authentication":
            guard let block = requireBlock(node) else { return }
            vrrp.authentication = authentication(block)
        case "virtual_ipaddress", "virtual_ipaddress_excluded":
            guard let block = requireBlock(node) else { return }
            let excluded = node.name == "virtual_ipaddress_excluded"
            for entry in block {
                guard let vip = virtualAddress(entry) else { continue }
                let all = vrrp.virtualAddresses + vrrp.excludedVirtualAddresses
                if all.contains(where: { $0.address == vip.address && (!excluded || $0.device == vip.device) }) {
                    log.warning(
                        entry.location, "virtual address \(entry.name) is listed twice in this instance; it is ignored")
                    continue
                }
                if excluded {
                    vrrp.excludedVirtualAddresses.append(vip)
                } else if sameFamily(vip.address, entry.keyword, &family, what: "virtual_ipaddress") {
                    vrrp.virtualAddresses.append(vip)
                }
            }
        case "track_interface":
            guard let block = requireBlock(node) else { return }
            vrrp.trackedInterfaces += trackedInterfaces(block, owner: "vrrp_instance \(vrrp.name)")
        case "track_script":
            guard let block = requireBlock(node) else { return }
            vrrp.trackedScripts += trackedScripts(block, owner: "vrrp_instance \(vrrp.name)")
        case "lower_prio_no_advert":
            if let on = yesNo(node) { vrrp.lowerPriorityNoAdvert = on }
        case "higher_prio_send_advert":
            if let on = yesNo(node) { vrrp.higherPrioritySendAdvert = on }
        case "skip_check_adv_addr":
            if let on = yesNo(node) { vrrp.skipCheckAdvertisementAddresses = on }
        case "check_unicast_src":
            if flag(node) { vrrp.checkUnicastSource = true }
        case "use_vmac":
            if let vmac = virtualMAC(node) { vrrp.virtualMAC = vmac }
        case "vmac_xmit_base":
            if flag(node) { vrrp.virtualMACTransmitBase = true }
        case "accept":
            if flag(node) { vrrp.acceptMode = true }
        case "no_accept":
            if flag(node) { vrrp.acceptMode = false }
        case "dont_track_primary":
            if flag(node) { vrrp.dontTrackPrimary = true }
        case "smtp_alert":
            if let on = yesNo(node) { vrrp.smtpAlert = on }
        case "debug":
            if let t = value(node, example: "1"), let n = number(t, 0...4, what: "debug") { vrrp.debugLevel = UInt8(n) }
        case "strict_mode":
            if let on = yesNo(node) { vrrp.strictMode = on }
        case "v3_checksum_as_v2":
            if let on = yesNo(node) { vrrp.v3ChecksumAsV2 = on }
        case "old_unicast_checksum":
            guard let args = arguments(node, 0, 1, usage: "nothing or never") else { return }
            if let word = args.first {
                guard word.text == "never" else {
                    log.error(word.location, "old_unicast_checksum takes nothing or never, not \"\(word.text)\"")
                    return
                }
                vrrp.oldUnicastChecksum = .never
            } else {
                vrrp.oldUnicastChecksum = .use
            }
        case "kernel_rx_buf_size":
            if let t = value(node, example: "262144"), let n = uint32(t, 0...UInt32.max, what: "kernel_rx_buf_size") {
                vrrp.kernelReceiveBufferSize = n
            }
        case "lvs_sync_daemon_interface":
            lvsSyncDaemonInterface(node, instance: vrrp.name)
        case "garp_interval", "gna_interval":
            log.warning(
                node.location,
                "\(node.name) is not a vrrp_instance keyword in keepalived 2.2; set vrrp_\(node.name) in global_defs (lvsd does not support garp_group); it is ignored"
            )
        default:
            if Self.unsupportedInstanceKeywords.contains(node.name) {
                log.warning(node.location, "vrrp_instance \(node.name) is not supported by lvsd; ignored")
            } else {
                unknown(node, in: "vrrp_instance")
            }
        }
    }

    /// The timing keywords of an instance; false when `node` is not one of them.
    private mutating func parseInstanceTiming(_ node: ConfigurationNode, into vrrp: inout VRRPInstanceDefinition)
        -> Bool
    {
        switch node.name {
        case "advert_int":
            // keepalived reads 0.01…255 s here and rounds per version later (effectiveAdvertisementInterval).
            if let t = value(node, example: "1"),
                let d = boundedTimer(t, .milliseconds(10)...(.seconds(255)), what: "advert_int")
            {
                vrrp.advertisementInterval = d
            }
        case "preempt_delay":
            if let t = value(node, example: "60"),
                let d = boundedTimer(t, .zero...(.seconds(1000)), what: "preempt_delay")
            {
                vrrp.preemptDelay = d
            }
        case "down_timer_adverts":
            if let t = value(node, example: "3"), let n = number(t, 1...100, what: "down_timer_adverts") {
                vrrp.downTimerAdverts = UInt8(n)
            }
        default:
            return garpKeyword(node, prefix: "", into: &vrrp.gratuitousARP)
        }
        return true
    }

    /// The `notify*` keywords shared by instances and sync groups; false when `node` is not one of them.
    mutating func notifyKeyword(_ node: ConfigurationNode, into scripts: inout VRRPNotifyScripts) -> Bool {
        let path: WritableKeyPath<VRRPNotifyScripts, ScriptCommand?>
        switch node.name {
        case "notify_master": path = \.master
        case "notify_backup": path = \.backup
        case "notify_fault": path = \.fault
        case "notify_stop": path = \.stop
        case "notify": path = \.any
        case "notify_master_rx_lower_pri": path = \.masterReceivedLowerPriority
        default: return false
        }
        guard let script = script(node) else { return true }
        // keepalived keeps the first and ignores a repeated one.
        if scripts[keyPath: path] != nil {
            log.warning(node.location, "\(node.name) is given twice; the second is ignored")
            return true
        }
        scripts[keyPath: path] = script
        return true
    }

    /// keepalived fixes an instance's family with the first address it reads; one of the other
    /// family is refused (vrrp_data.c "MUST be of the same family").
    private mutating func sameFamily(
        _ ip: IPAddress, _ token: ConfigurationToken, _ family: inout (family: AddressFamily, what: String)?,
        what: String
    ) -> Bool {
        guard let established = family else {
            family = (ip.family, "\(what) \(token.text)")
            return true
        }
        guard established.family == ip.family else {
            log.error(
                token.location,
                "\(what) \(token.text) is \(Self.familyName(ip.family)) but this instance is \(Self.familyName(established.family)) (from \(established.what)); one instance serves one family, so use a second vrrp_instance"
            )
            return false
        }
        return true
    }

    /// `lvs_sync_daemon_interface IF` inside an instance: keepalived's old spelling of the global
    /// `lvs_sync_daemon IF INSTANCE`.
    private mutating func lvsSyncDaemonInterface(_ node: ConfigurationNode, instance: String) {
        guard let t = value(node, example: "eth1") else { return }
        if let existing = configuration.globalDefinitions.lvsSyncDaemon {
            log.warning(
                node.location,
                "lvs_sync_daemon_interface is deprecated and lvs_sync_daemon \(existing.interface) is already given; it is ignored"
            )
            return
        }
        log.warning(
            node.location,
            "lvs_sync_daemon_interface is deprecated; write lvs_sync_daemon \(t.text) \(instance) in global_defs (used as such)"
        )
        var settings = LVSSyncDaemonSettings(interface: t.text)
        settings.vrrpInstance = instance
        configuration.globalDefinitions.lvsSyncDaemon = settings
    }
}
