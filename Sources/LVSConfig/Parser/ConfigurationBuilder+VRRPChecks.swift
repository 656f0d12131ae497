import LVSCore
import LVSVRRP

// Checks of VRRP settings that need a whole instance, the global defaults or the whole file,
// reported where keepalived 2.2 would complain (vrrp.c vrrp_complete_instance, chk_min_cfg,
// check_vrid_conflicts; vrrp_sync.c). A warning means keepalived corrects the setting and goes
// on; the model keeps what was written and VRRPInstanceDefinition+Effective.swift computes the correction.
extension ConfigurationBuilder {
    mutating func checkVRRP() {
        for instance in configuration.vrrpInstances { checkInstance(instance) }
        checkDuplicateRouterIDs()
        checkTrackedScripts()
        checkSyncGroups()
        if let token = vrrpNotes.syncDaemonInstanceToken, configuration.vrrpInstance(named: token.text) == nil {
            log.error(
                token.location,
                "lvs_sync_daemon names vrrp_instance \"\(token.text)\", which is not defined; define it or fix the name"
            )
        }
    }

    private func keyword(_ instance: VRRPInstanceDefinition, _ name: String) -> ConfigurationLocation {
        vrrpNotes.instanceKeywords[instance.name]?[name] ?? instance.location
    }

    private mutating func checkInstance(_ vrrp: VRRPInstanceDefinition) {
        let name = "vrrp_instance \(vrrp.name)"
        let global = configuration.globalDefinitions.vrrp
        if vrrp.virtualRouterID == nil {
            log.error(
                vrrp.location, "\(name) has no virtual_router_id; add virtual_router_id 1..255 (the same on every peer)"
            )
        }
        if vrrp.interface == nil {
            // keepalived needs an interface, except for unicast with a configured source address.
            if vrrp.unicastPeers.isEmpty {
                let hint = configuration.globalDefinitions.defaultInterface.map {
                    " (default_interface \($0) only applies to static addresses)"
                }
                log.error(vrrp.location, "\(name) has no interface; add e.g. interface eth0\(hint ?? "")")
            } else if vrrp.sourceAddress == nil {
                log.error(vrrp.location, "\(name) uses unicast without an interface; add interface or unicast_src_ip")
            } else if vrrp.virtualMAC != nil {
                log.error(keyword(vrrp, "use_vmac"), "\(name): use_vmac needs an interface")
            }
        }
        if vrrp.version == .v2 && vrrp.addressFamily == .inet6 {
            log.warning(
                keyword(vrrp, "version"),
                "\(name): VRRP version 2 is defined for IPv4 only (RFC 3768); lvsd uses version 3 for IPv6 — keepalived only does so with vrrp_strict, so set version 3 on the keepalived peers too"
            )
        }
        checkAdvertisementInterval(vrrp, version: vrrp.effectiveVersion(global), name: name)
        checkPreemption(vrrp, name: name)
        checkAuthentication(vrrp, version: vrrp.effectiveVersion(global), name: name)
        if vrrp.multicastDestination != nil && !vrrp.unicastPeers.isEmpty {
            log.warning(keyword(vrrp, "mcast_dst_ip"), "\(name): mcast_dst_ip is ignored with unicast_peer")
        }
        if vrrp.unicastTTL != nil && vrrp.unicastPeers.isEmpty {
            log.warning(keyword(vrrp, "unicast_ttl"), "\(name): unicast_ttl needs unicast_peer; it is ignored")
        }
        if vrrp.virtualMAC != nil && !vrrp.unicastPeers.isEmpty && !vrrp.virtualMACTransmitBase {
            log.warning(
                keyword(vrrp, "use_vmac"), "\(name): use_vmac with unicast peers needs vmac_xmit_base (used as such)")
        }
    }

    /// RFC 3768 §5.3.7 (whole seconds, 8 bits) and RFC 5798 §5.2.7 (centiseconds, 12 bits).
    private mutating func checkAdvertisementInterval(_ vrrp: VRRPInstanceDefinition, version: VRRPVersion, name: String)
    {
        guard let written = vrrp.advertisementInterval else { return }
        let used = vrrp.effectiveAdvertisementInterval(version: version)
        guard used != written else { return }
        let why =
            version == .v2
            ? "VRRPv2 carries whole seconds from 1 to 255" : "VRRPv3 carries hundredths of a second up to 40.95"
        log.warning(
            keyword(vrrp, "advert_int"),
            "\(name): advert_int \(Self.seconds(written)) is used as \(Self.seconds(used)) s (\(why))")
    }

    private mutating func checkPreemption(_ vrrp: VRRPInstanceDefinition, name: String) {
        let owner = vrrp.effectivePriority == VRRPInstanceDefinition.ownerPriority
        if vrrp.noPreempt == true {
            if owner {
                log.warning(
                    keyword(vrrp, "nopreempt"),
                    "\(name): nopreempt has no effect with priority 255 (the address owner always takes over); it is ignored"
                )
            } else if vrrp.initialState == .master {
                log.warning(
                    keyword(vrrp, "nopreempt"),
                    "\(name): nopreempt does not work with state MASTER; it is ignored (use state BACKUP on every peer)"
                )
            }
        }
        if let delay = vrrp.preemptDelay, delay > .zero {
            if vrrp.effectiveInitialState == .master {
                log.warning(
                    keyword(vrrp, "preempt_delay"),
                    "\(name): preempt_delay does not work with state MASTER; it is ignored")
            } else if !vrrp.effectivePreempt {
                log.warning(keyword(vrrp, "preempt_delay"), "\(name): preempt_delay has no effect with nopreempt")
            }
        }
    }

    private mutating func checkAuthentication(_ vrrp: VRRPInstanceDefinition, version: VRRPVersion, name: String) {
        guard let auth = vrrp.authentication else { return }
        let at = keyword(vrrp, "authentication")
        if version == .v3 {
            log.warning(at, "\(name): VRRP version 3 has no authentication (RFC 5798 §9); it is ignored")
        } else if auth.type == nil {
            log.warning(at, "\(name): authentication has no auth_type; it is ignored (add auth_type PASS)")
        } else if auth.password?.isEmpty ?? true {
            log.warning(at, "\(name): authentication has no auth_pass; it is ignored")
        } else if auth.type == .ipsecAH && vrrp.effectiveInitialState == .master
            && vrrp.effectivePriority != VRRPInstanceDefinition.ownerPriority
        {
            log.warning(at, "\(name): auth_type AH does not work with state MASTER below priority 255; BACKUP is used")
        }
    }

    /// keepalived refuses two instances with one VRID on one interface, family and multicast
    /// group (their advertisements could not be told apart), or, for unicast, sharing a peer.
    private mutating func checkDuplicateRouterIDs() {
        let global = configuration.globalDefinitions.vrrp
        let instances = configuration.vrrpInstances
        for (index, vrrp) in instances.enumerated() {
            guard let vrid = vrrp.virtualRouterID else { continue }
            let family = vrrp.addressFamily ?? .inet
            for other in instances[..<index] {
                guard other.virtualRouterID == vrid, (other.addressFamily ?? .inet) == family,
                    other.unicastPeers.isEmpty == vrrp.unicastPeers.isEmpty
                else { continue }
                let clash: Bool
                if vrrp.unicastPeers.isEmpty {
                    clash =
                        other.interface == vrrp.interface
                        && other.effectiveMulticastDestination(global) == vrrp.effectiveMulticastDestination(global)
                } else {
                    let peers = Set(other.unicastPeers.map(\.address))
                    clash =
                        (other.interface == nil || vrrp.interface == nil || other.interface == vrrp.interface)
                        && vrrp.unicastPeers.contains { peers.contains($0.address) }
                }
                guard clash else { continue }
                log.error(
                    keyword(vrrp, "virtual_router_id"),
                    "vrrp_instance \(vrrp.name) uses virtual_router_id \(vrid) like vrrp_instance \(other.name) (\(other.location)) on the same interface and family; give each a different VRID"
                )
                break
            }
        }
    }

    private mutating func checkTrackedScripts() {
        for (owner, token) in vrrpNotes.trackedScriptTokens where configuration.vrrpScript(named: token.text) == nil {
            log.error(
                token.location,
                "\(owner) tracks vrrp_script \"\(token.text)\", which is not defined; define vrrp_script \(token.text) { … } or fix the name"
            )
        }
    }

    private mutating func checkSyncGroups() {
        var groupOf: [String: String] = [:]
        for (group, token) in vrrpNotes.syncGroupMemberTokens {
            guard configuration.vrrpSyncGroups.contains(where: { $0.name == group }) else { continue }
            guard configuration.vrrpInstance(named: token.text) != nil else {
                log.error(
                    token.location,
                    "vrrp_sync_group \(group) names vrrp_instance \"\(token.text)\", which is not defined; define it or fix the name"
                )
                continue
            }
            if let first = groupOf[token.text] {
                log.error(
                    token.location,
                    "vrrp_instance \(token.text) is already in vrrp_sync_group \(first); an instance belongs to one sync group"
                )
                continue
            }
            groupOf[token.text] = group
        }
    }
}
