import LVSConfig
import LVSCore
import LVSPacket
import LVSVRRP
import LVSVRRPTransport

extension VRRPPlan {
    /// The plan for `configuration`'s VRRP part, with keepalived's defaults (keepalived.conf(5),
    /// reference §8.6): instance values, then `global_defs`, then keepalived's own.
    /// - Throws: an interface that does not exist or has no address to advertise from.
    init(_ configuration: KeepalivedConfiguration, facts: any VRRPInterfaceFacts) throws(VRRPPlanError) {
        let global = configuration.globalDefinitions.vrrp
        var instances: [Instance] = []
        for definition in configuration.vrrpInstances {
            instances.append(try Self.instance(definition, global: global, configuration: configuration, facts: facts))
        }
        var scripts: [Script] = []
        let tracked = Set(
            configuration.vrrpInstances.flatMap { $0.trackedScripts.map(\.name) }
                + configuration.vrrpSyncGroups.flatMap { $0.trackedScripts.map(\.name) })
        for script in configuration.vrrpScripts where tracked.contains(script.name) {
            guard let command = script.command else { continue }
            scripts.append(
                Script(
                    tracker: VRRPScriptTracker.Configuration(
                        name: script.name, interval: script.interval ?? .seconds(1), timeout: script.timeout ?? .zero,
                        rise: Int(script.rise ?? 1), fall: Int(script.fall ?? 1), weight: Int(script.weight ?? 0),
                        reverse: script.reverse, initFail: script.initFail),
                    command: command))
        }
        self.init(
            instances: instances,
            groups: configuration.vrrpSyncGroups.map {
                Group(
                    machine: VRRPSyncGroupConfiguration(
                        name: $0.name, members: $0.members, trackingWeight: $0.trackingWeight), notify: $0.notify)
            },
            scripts: scripts,
            notifyFifo: global.notifyFifo ?? configuration.globalDefinitions.notifyFifo,
            notifyFifoScript: global.notifyFifoScript ?? configuration.globalDefinitions.notifyFifoScript,
            scriptUser: configuration.globalDefinitions.scriptUser)
    }

    private static func instance(
        _ definition: VRRPInstanceDefinition, global: VRRPGlobalDefinitions, configuration: KeepalivedConfiguration,
        facts: any VRRPInterfaceFacts
    ) throws(VRRPPlanError) -> Instance {
        guard let interface = definition.interface else {
            throw VRRPPlanError(message: "vrrp_instance \(definition.name) has no interface")
        }
        guard let interfaceAddresses = facts.addresses(of: interface) else {
            throw VRRPPlanError(
                message: "vrrp_instance \(definition.name): no network interface named '\(interface)' (see `ip link`)")
        }
        let family = definition.addressFamily ?? .inet
        let version = definition.effectiveVersion(global)
        let virtualRouterID = definition.virtualRouterID ?? 0
        // RFC 5798 §5.1.2.1: the source is the interface's primary address (IPv6: link-local)
        // unless mcast_src_ip/unicast_src_ip names one.
        let primary =
            family == .inet
            ? interfaceAddresses.first { $0.family == .inet }
            : interfaceAddresses.first { $0.isIPv6LinkLocal }
        guard let source = definition.sourceAddress ?? primary else {
            throw VRRPPlanError(
                message:
                    "vrrp_instance \(definition.name): interface \(interface) has no \(family == .inet ? "IPv4" : "IPv6 link-local") address to advertise from; add one or set mcast_src_ip"
            )
        }
        let interval = definition.effectiveAdvertisementInterval(version: version)
        let centiseconds = UInt16(clamping: VRRPInstanceDefinition.microseconds(interval) / 10_000)
        var tracked: [VRRPTrackedObject] = []
        if !definition.dontTrackPrimary {
            tracked.append(VRRPTrackedObject(name: VRRPRouter.trackedName(interface: interface), kind: .interface))
        }
        for item in definition.trackedInterfaces where item.name != interface || definition.dontTrackPrimary {
            tracked.append(
                VRRPTrackedObject(
                    name: VRRPRouter.trackedName(interface: item.name), kind: .interface, weight: Int(item.weight ?? 0),
                    reverse: item.reverse))
        }
        for item in definition.trackedScripts {
            let script = configuration.vrrpScript(named: item.name)
            tracked.append(
                VRRPTrackedObject(
                    name: VRRPRouter.trackedName(script: item.name), kind: .script,
                    weight: Int(item.weight ?? script?.weight ?? 0), reverse: item.reverse ?? script?.reverse ?? false))
        }
        let garp = definition.gratuitousARP
        let globalGARP = global.gratuitousARP
        let gratuitous = VRRPGratuitousSettings(
            masterDelay: garp.masterDelay ?? globalGARP.masterDelay ?? .seconds(5),
            masterRepeat: Int(garp.masterRepeat ?? globalGARP.masterRepeat ?? 5),
            masterRefresh: garp.masterRefresh ?? globalGARP.masterRefresh ?? .zero,
            masterRefreshRepeat: Int(garp.masterRefreshRepeat ?? globalGARP.masterRefreshRepeat ?? 1),
            spacing: (family == .inet ? global.garpInterval : global.gnaInterval) ?? .zero)
        let advertised = definition.virtualAddresses.map(\.address)
        let machine = VRRPInstanceConfiguration(
            name: definition.name, version: version, family: family, virtualRouterID: virtualRouterID,
            priority: definition.effectivePriority, advertisementIntervalCentiseconds: max(1, centiseconds),
            initialState: definition.effectiveInitialState, preempt: definition.effectivePreempt,
            preemptDelay: definition.preemptDelay ?? .zero,
            downTimerAdverts: UInt32(definition.downTimerAdverts ?? global.downTimerAdverts ?? 3),
            lowerPriorityNoAdvert: definition.lowerPriorityNoAdvert ?? global.lowerPriorityNoAdvert ?? false,
            higherPrioritySendAdvert: definition.higherPrioritySendAdvert ?? global.higherPrioritySendAdvert ?? false,
            virtualAddresses: advertised,
            excludedVirtualAddresses: definition.excludedVirtualAddresses.map(\.address),
            primaryAddress: source, usesUnicastPeers: !definition.unicastPeers.isEmpty, gratuitous: gratuitous,
            trackedObjects: tracked)
        let authentication = Self.authentication(definition.authentication, version: version)
        let peers = definition.unicastPeers.map {
            VRRPUnicastPeer(address: $0.address, minimumTTL: $0.minimumTTL ?? 0, maximumTTL: $0.maximumTTL ?? 255)
        }
        let expectations = VRRPReceiveExpectations(
            version: version, virtualRouterID: virtualRouterID, intervalCentiseconds: max(1, centiseconds),
            authentication: authentication, addresses: advertised, unicastPeers: peers,
            checkUnicastSource: definition.checkUnicastSource || global.checkUnicastSource == true,
            skipAddressCheck: definition.skipCheckAdvertisementAddresses ?? global.skipCheckAdvertisementAddresses
                ?? false,
            v3ChecksumAsV2: definition.v3ChecksumAsV2 ?? false)
        let virtualMAC = definition.virtualMAC.map { vmac in
            VirtualMAC(
                name: vmac.interfaceName ?? VirtualMACManager.defaultName(virtualRouterID: virtualRouterID),
                mac: Self.mac(vmac.address, virtualRouterID: virtualRouterID, family: family),
                transmitBase: definition.virtualMACTransmitBase)
        }
        let addressInterface = virtualMAC?.name ?? interface
        let addresses =
            definition.virtualAddresses.map { Self.address($0, interface: addressInterface) }
            + definition.excludedVirtualAddresses.map { Self.address($0, interface: addressInterface) }
        var socket = VRRPSocketConfiguration(
            interfaceName: virtualMAC.map { $0.transmitBase ? interface : $0.name } ?? interface, family: family,
            group: definition.unicastPeers.isEmpty ? definition.effectiveMulticastDestination(global) : nil,
            unicastPeers: definition.unicastPeers.map(\.address), source: source)
        if case .authenticationHeader = authentication {
            socket.ipProtocol = VRRPSocketConfiguration.authenticationHeaderProtocol
        }
        return Instance(
            machine: machine, expectations: expectations, interface: interface, socket: socket,
            addresses: addresses, notify: definition.notify,
            virtualMAC: virtualMAC)
    }

    private static func authentication(_ settings: VRRPAuthenticationSettings?, version: VRRPVersion)
        -> VRRPAuthentication
    {
        guard version == .v2, let settings, let type = settings.type else { return .none }
        let secret = Array((settings.password ?? []).prefix(VRRPAuthenticationSettings.maximumPasswordLength))
        switch type {
        case .password: return .password(secret)
        case .ipsecAH: return .authenticationHeader(secret)
        }
    }

    private static func address(_ definition: VRRPVirtualAddress, interface: String) -> Address {
        let prefix = Int(definition.prefixLength)
        var broadcast: IPAddress?
        if definition.address.family == .inet, let written = definition.broadcast {
            let value = definition.address.ipv4Value
            let hostMask: UInt32 = prefix >= 32 ? 0 : UInt32.max >> UInt32(prefix)
            switch written {
            case .address(let address): broadcast = address
            case .allOnes: broadcast = IPAddress(ipv4: value | hostMask)
            case .allZeros: broadcast = IPAddress(ipv4: value & ~hostMask)
            }
        }
        return Address(
            address: definition.address, prefixLength: prefix, device: definition.device ?? interface,
            label: definition.label, broadcast: broadcast,
            scope: AddressScope(definition.scope?.value ?? 0))
    }

    /// RFC 5798 §7.3: 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6), or the MAC
    /// `use_vmac` names (5 bytes get the VRID appended).
    private static func mac(_ written: [UInt8]?, virtualRouterID: UInt8, family: AddressFamily) -> MACAddress {
        if let written, written.count == 6 {
            return MACAddress(written[0], written[1], written[2], written[3], written[4], written[5])
        }
        if let written, written.count == 5 {
            return MACAddress(written[0], written[1], written[2], written[3], written[4], virtualRouterID)
        }
        return VirtualMACManager.virtualMAC(virtualRouterID: virtualRouterID, family: family)
    }
}
